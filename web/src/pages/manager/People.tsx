/**
 * Staff accounts (administrators: list, create, disable, reset a password) and hall-display
 * tokens (issue and revoke; a token is shown once, as the display's address).
 */
import { useEffect, useState } from "preact/hooks";
import { apiFetch } from "../../lib/api";
import { formatDate, formatTime, todayInVietnam } from "../../lib/format";
import type { StaffMe, StaffRole } from "../../lib/staff-session";
import { t } from "./messages";
import { errorText, fetchAll, StatusLine, useSave } from "./ui";

interface Account {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  branchIds: string[];
  disabled: boolean;
}

const ROLE_WORD: Record<StaffRole, "roleClerk" | "roleReception" | "roleManager" | "roleAdmin"> = {
  clerk: "roleClerk",
  reception: "roleReception",
  manager: "roleManager",
  admin: "roleAdmin",
};

/** A password of 16 letters and digits, for resets (the server's minimum is 12). */
function randomPassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

export function StaffAccounts({ me, branchId }: { me: StaffMe; branchId: string }) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<StaffRole>("clerk");
  const save = useSave();

  const load = () =>
    fetchAll<Account>("/staff/accounts")
      .then((all) => setAccounts(all.filter((a) => a.role === "admin" || a.branchIds.includes(branchId))))
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    if (me.role === "admin") void load();
  }, [branchId]);

  if (me.role !== "admin")
    return (
      <section aria-labelledby="staff-h" data-testid="staff-accounts">
        <h2 id="staff-h">{t("tabStaff")}</h2>
        <p class="notice notice-warn">{t("staffAdminOnly")}</p>
      </section>
    );

  function create(e: Event) {
    e.preventDefault();
    void save.run(
      () => apiFetch<{ account: Account; initialPassword: string }>("POST", "/staff/accounts", { body: { username, displayName: name, role, branchIds: role === "admin" ? [] : [branchId] } }),
      (a) => {
        save.setStatus(null);
        setUsername("");
        setName("");
        void load();
        // Shown once: the server keeps only a hash.
        setTimeout(() => save.setStatus({ kind: "ok", text: t("accountCreated", { name: a.account.username, password: a.initialPassword }) }));
      },
    );
  }
  function setDisabled(a: Account, disabled: boolean) {
    void save.run(() => apiFetch("PATCH", `/staff/accounts/${a.id}`, { body: { disabled } }), () => void load());
  }
  function reset(a: Account) {
    const password = randomPassword();
    void save.run(
      () => apiFetch("POST", `/staff/accounts/${a.id}/password`, { body: { password } }),
      () => setTimeout(() => save.setStatus({ kind: "ok", text: t("newPassword", { name: a.username, password }) })),
    );
  }

  return (
    <section aria-labelledby="staff-h" data-testid="staff-accounts">
      <h2 id="staff-h">{t("tabStaff")}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <StatusLine status={save.status} testId="staff-status" />
      {accounts && (
        <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t("username")}</th>
              <th scope="col">{t("displayName")}</th>
              <th scope="col">{t("role")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">
                <span class="sr-only">{t("save")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id} data-testid={`account-${a.username}`}>
                <td>{a.username}</td>
                <td>{a.displayName}</td>
                <td>{t(ROLE_WORD[a.role])}</td>
                <td>{a.disabled ? t("disabled") : t("active")}</td>
                <td class="row-actions">
                  {a.id !== me.id && (
                    <button type="button" class="secondary" disabled={save.busy} onClick={() => setDisabled(a, !a.disabled)}>
                      {a.disabled ? t("enable", { name: a.username }) : t("disable", { name: a.username })}
                    </button>
                  )}
                  <button type="button" class="secondary" disabled={save.busy} onClick={() => reset(a)}>
                    {t("resetPassword", { name: a.username })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      <form class="card inline-form" onSubmit={create}>
        <h3>{t("createAccount")}</h3>
        <label>
          {t("username")}
          <input required autocomplete="off" autocapitalize="none" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          {t("displayName")}
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t("role")}
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as StaffRole)}>
            {(Object.keys(ROLE_WORD) as StaffRole[]).map((r) => (
              <option key={r} value={r}>
                {t(ROLE_WORD[r])}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={save.busy}>
          {t("createAccount")}
        </button>
      </form>
    </section>
  );
}

interface DisplayToken {
  id: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

export function DisplayTokens({ branchId }: { branchId: string }) {
  const [tokens, setTokens] = useState<DisplayToken[] | null>(null);
  const [label, setLabel] = useState("");
  const [issued, setIssued] = useState<string | null>(null);
  const save = useSave();
  const load = () => fetchAll<DisplayToken>(`/staff/branches/${branchId}/display-tokens`).then(setTokens).catch((err) => save.setStatus({ kind: "error", text: errorText(err) }));
  useEffect(() => {
    setIssued(null);
    void load();
  }, [branchId]);

  function issue(e: Event) {
    e.preventDefault();
    void save.run(
      () => apiFetch<{ token: string }>("POST", `/staff/branches/${branchId}/display-tokens`, { body: { label } }),
      (a) => {
        setIssued(`${location.origin}/display/?branch=${encodeURIComponent(branchId)}#token=${encodeURIComponent(a.token)}`);
        setLabel("");
        void load();
      },
    );
  }
  return (
    <section aria-labelledby="displays-h" data-testid="display-tokens">
      <h2 id="displays-h">{t("tabDisplays")}</h2>
      <form class="card inline-form" onSubmit={issue}>
        <label>
          {t("displayLabel")}
          <input required maxLength={80} value={label} onInput={(e) => setLabel(e.currentTarget.value)} data-testid="display-label" />
        </label>
        <button type="submit" class="primary" disabled={save.busy} data-testid="issue-display-token">
          {t("issueToken")}
        </button>
      </form>
      <StatusLine status={save.status} />
      {issued && (
        <div class="notice notice-warn" role="status">
          <p>{t("tokenShownOnce")}</p>
          <code class="token-url" data-testid="display-url">
            {issued}
          </code>
        </div>
      )}
      {tokens && tokens.length === 0 && <p>{t("noTokens")}</p>}
      {tokens && tokens.length > 0 && (
        <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">{t("displayLabel")}</th>
              <th scope="col">{t("createdAt")}</th>
              <th scope="col">{t("status")}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((k) => (
              <tr key={k.id}>
                <td>{k.label}</td>
                <td>
                  {formatDate(todayInVietnam(k.createdAt))} {formatTime(k.createdAt)}
                </td>
                <td>
                  {k.revokedAt !== null ? (
                    t("revoked")
                  ) : (
                    <button type="button" class="danger" disabled={save.busy} onClick={() => void save.run(() => apiFetch("DELETE", `/staff/branches/${branchId}/display-tokens/${k.id}`), () => void load())}>
                      {t("revoke", { label: k.label })}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
