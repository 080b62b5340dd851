/**
 * Reception (lễ tân): scan the citizen's ticket QR or chip ID card QR with the camera (or type),
 * see whether the ticket is valid today at this branch, check the identity against it (the server
 * compares keyed hashes: POST /staff/branches/:b/check-in) and mark the citizen arrived/verified;
 * issue walk-in and priority numbers after an identity check, and print them.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { PRIORITY_GROUPS, type PriorityGroup } from "@shared/ticket-vocabulary";
import type { ReceptionView } from "@shared/live-protocol";
import type { TicketView } from "@shared/live-views";
import { apiFetch, ApiError, problemMessage } from "../../lib/api";
import { formatDate, formatNumber, formatTime } from "../../lib/format";
import { lang, translator } from "../../lib/i18n";
import { useStaffLive } from "../../lib/staff-live";
import { staffLogout, staffMe, type StaffMe } from "../../lib/staff-session";
import { QrCode } from "../../lib/ui/QrCode";
import { StaffHeader } from "../../lib/ui/StaffHeader";
import { StaffSignIn } from "../../lib/ui/StaffSignIn";
import { fieldName, priorityLabel, PRIORITY_LABELS, statusLabel } from "../../lib/vocabulary";
import { classifyScan, type Scanned } from "./classify";
import { messages } from "./messages";
import { QrScanner } from "./QrScanner";
import "./reception.css";

const t = translator(messages);

interface BranchInfo {
  id: string;
  name: string;
  fields: Array<{ code: string; nameVi: string; nameEn: string }>;
}

type TicketRef = Extract<Scanned, { kind: "ticket_id" | "label" }>;
type Identity = Extract<Scanned, { kind: "chip_qr" | "id_number" }>;
type Outcome = { kind: "match" | "mismatch" | "error"; text: string } | null;

function errorText(err: unknown): string {
  return err instanceof ApiError ? problemMessage(err.problem) : String(err);
}

function identityBody(identity: Identity) {
  return identity.kind === "chip_qr" ? { cccdQr: identity.text, identityCheck: "chip_qr" as const } : { idNumber: identity.idNumber, identityCheck: "typed" as const };
}

function TicketCard({ ticket, branch }: { ticket: TicketView; branch: BranchInfo }) {
  const field = branch.fields.find((f) => f.code === ticket.fieldCode);
  return (
    <div class="ticket-card" data-testid="ticket-card" data-status={ticket.status} data-verified={String(ticket.verified)}>
      <p class="ticket-label" data-testid="ticket-label">
        {ticket.label}
      </p>
      <dl class="facts">
        <dt>{t("field")}</dt>
        <dd>{fieldName(field, ticket.fieldCode)}</dd>
        <dt>{t("status")}</dt>
        <dd data-testid="ticket-status">{statusLabel(ticket.status)}</dd>
        <dt>{t("priority")}</dt>
        <dd>{ticket.priority ? priorityLabel(ticket.priority) : t("regular")}</dd>
        <dt>{t("citizenId")}</dt>
        <dd>{ticket.citizenMasked}</dd>
      </dl>
      {ticket.ahead !== null && <p>{t("ahead", { n: formatNumber(ticket.ahead) })}</p>}
      <p class={ticket.verified ? "verified" : "unverified"} data-testid="ticket-verified">
        {ticket.verified ? `✔ ${t("verified")}` : `✖ ${t("notVerified")}`}
        {ticket.arrivedAt !== null && ` · ${t("arrived", { time: formatTime(ticket.arrivedAt) })}`}
      </p>
    </div>
  );
}

function Reception({ me, branch, today }: { me: StaffMe; branch: BranchInfo; today: string }) {
  const live = useStaffLive<ReceptionView>(branch.id, { audience: "reception" });
  const [text, setText] = useState("");
  const [camera, setCamera] = useState(false);
  const [scanError, setScanError] = useState<string | null>(null);
  const [ref, setRef] = useState<TicketRef | null>(null);
  const [ticket, setTicket] = useState<TicketView | null>(null);
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const [fieldCode, setFieldCode] = useState(branch.fields[0]?.code ?? "");
  const [priority, setPriority] = useState<PriorityGroup | "">("");
  const [issued, setIssued] = useState<TicketView | null>(null);
  void me;

  function reset() {
    setText("");
    setRef(null);
    setTicket(null);
    setIdentity(null);
    setOutcome(null);
    setScanError(null);
    setIssued(null);
    setPriority("");
  }

  async function lookUp(found: TicketRef) {
    setTicket(null);
    if (found.kind === "label") {
      try {
        setTicket((await apiFetch<{ ticket: TicketView }>("GET", `/staff/branches/${branch.id}/tickets/${encodeURIComponent(found.label)}`)).ticket);
      } catch (err) {
        setOutcome({ kind: "error", text: errorText(err) });
      }
    } else {
      // The id says where and when; the live list has the details of waiting tickets.
      const known = live.view?.tickets.find((tk) => tk.id === found.ticketId);
      if (known) setTicket(known);
    }
  }

  function accept(raw: string) {
    setScanError(null);
    setOutcome(null);
    const scanned = classifyScan(raw);
    if (scanned.kind === "unknown") {
      setScanError(scanned.message ? `${t("badCard")} ${scanned.message[lang.value]}` : t("unknownScan"));
      return;
    }
    setIssued(null);
    if (scanned.kind === "chip_qr" || scanned.kind === "id_number") setIdentity(scanned);
    else {
      setRef(scanned);
      void lookUp(scanned);
    }
    setText("");
  }

  const wrongPlace =
    ref?.kind === "ticket_id"
      ? ref.branchId !== branch.id
        ? t("otherBranch", { branch: ref.branchId })
        : ref.date !== today
          ? t("otherDay", { date: formatDate(ref.date) })
          : null
      : null;

  async function checkIn() {
    if (!ref || !identity || busy || wrongPlace) return;
    setBusy(true);
    setOutcome(null);
    try {
      const res = await apiFetch<{ ticket: TicketView }>("POST", `/staff/branches/${branch.id}/check-in`, {
        body: { ticket: ref.kind === "ticket_id" ? ref.ticketId : ref.label, ...identityBody(identity) },
      });
      setTicket(res.ticket);
      setOutcome({ kind: "match", text: t("checkedIn", { label: res.ticket.label }) });
      // The identity was used; the next citizen starts clean.
      setIdentity(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === "identity_mismatch") setOutcome({ kind: "mismatch", text: t("mismatch") });
      else setOutcome({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  async function issue(e: Event) {
    e.preventDefault();
    if (!identity || busy || !fieldCode) return;
    setBusy(true);
    setOutcome(null);
    try {
      const res = await apiFetch<{ ticket: TicketView }>("POST", `/staff/branches/${branch.id}/tickets`, {
        body: { ...identityBody(identity), fieldCode, channel: "reception", priority: priority || null },
        headers: { "idempotency-key": crypto.randomUUID() },
      });
      setIssued(res.ticket);
      setIdentity(null);
      setRef(null);
      setTicket(null);
    } catch (err) {
      setOutcome({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  const offline = live.status === "offline";

  return (
    <div class="reception">
      <div class="reception-head no-print">
        <h2>
          {branch.name} · {t("today", { date: formatDate(today) })}
        </h2>
        <span class={`conn conn-${live.status}`} role="status" data-testid="connection" data-status={live.status}>
          {t(live.status)}
        </span>
      </div>

      <section class="scan card no-print" aria-labelledby="scan-title">
        <h3 id="scan-title">{t("scanTitle")}</h3>
        <p class="help" id="scan-help">
          {t("scanHelp")}
        </p>
        <form
          class="scan-form"
          onSubmit={(e) => {
            e.preventDefault();
            accept(text);
          }}
        >
          <label>
            {t("scanInput")}
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} onFocus={(e) => e.currentTarget.select()} aria-describedby="scan-help" autocomplete="off" spellcheck={false} data-testid="scan-input" />
          </label>
          <button type="submit" class="primary big" disabled={!text.trim()} data-testid="scan-submit">
            {t("scanSubmit")}
          </button>
          <button type="button" class="big" onClick={() => setCamera(!camera)} aria-pressed={camera} data-testid="camera">
            {camera ? t("cameraStop") : t("camera")}
          </button>
        </form>
        {camera && (
          <QrScanner
            onText={(s) => {
              setCamera(false);
              accept(s);
            }}
            onClose={() => setCamera(false)}
          />
        )}
        {scanError && (
          <p class="error" role="alert" data-testid="scan-error">
            {scanError}
          </p>
        )}
      </section>

      {issued ? (
        <section class="issued card" aria-labelledby="issued-title" data-testid="issued">
          <h3 id="issued-title" class="no-print">
            {t("issued")}
          </h3>
          <div class="print-slip">
            <p class="slip-branch">{branch.name}</p>
            <p class="ticket-label" data-testid="issued-label">
              {issued.label}
            </p>
            <p>{fieldName(branch.fields.find((f) => f.code === issued.fieldCode), issued.fieldCode)}</p>
            {issued.priority && <p data-testid="issued-priority">{t("priority")}: {priorityLabel(issued.priority)}</p>}
            <p>{t("registeredAt", { time: `${formatTime(issued.registeredAt)} ${formatDate(issued.serviceDate)}` })}</p>
            <div class="slip-qr">
              <QrCode value={issued.id} label={t("qrLabel", { label: issued.label })} />
            </div>
          </div>
          <div class="row no-print">
            <button type="button" class="primary big" onClick={() => print()} data-testid="print">
              {t("print")}
            </button>
            <button type="button" class="secondary big" onClick={reset} data-testid="issued-done">
              {t("done")}
            </button>
          </div>
        </section>
      ) : (
        <div class="reception-grid no-print">
          <section class="card" aria-labelledby="ticket-title" data-testid="ticket-panel">
            <h3 id="ticket-title">{t("ticketTitle")}</h3>
            {!ref && <p class="muted">{t("noTicket")}</p>}
            {ref && wrongPlace && (
              <p class="error" role="alert" data-testid="wrong-place">
                {wrongPlace}
              </p>
            )}
            {ref && !wrongPlace && !ticket && ref.kind === "ticket_id" && <p data-testid="ticket-of-today">{t("ticketOfToday", { seq: ref.seq })}</p>}
            {ticket && <TicketCard ticket={ticket} branch={branch} />}
          </section>

          <section class="card" aria-labelledby="identity-title" data-testid="identity-panel">
            <h3 id="identity-title">{t("identityTitle")}</h3>
            <p data-testid="identity">
              {identity ? (identity.kind === "chip_qr" ? t("identityChip", { masked: identity.masked }) : t("identityTyped", { masked: identity.masked })) : t("noIdentity")}
            </p>
            <div class="row">
              <button type="button" class="primary big" disabled={!ref || !identity || busy || offline || !!wrongPlace} onClick={checkIn} data-testid="check-in">
                {busy ? t("working") : t("checkIn")}
              </button>
              <button type="button" class="secondary big" onClick={reset} data-testid="reset">
                {t("clear")}
              </button>
            </div>
          </section>

          {outcome && (
            <p class={`outcome outcome-${outcome.kind}`} role={outcome.kind === "match" ? "status" : "alert"} data-testid="outcome" data-kind={outcome.kind}>
              {outcome.text}
            </p>
          )}

          <section class="card walk-in" aria-labelledby="walkin-title">
            <h3 id="walkin-title">{t("walkInTitle")}</h3>
            {!identity && <p class="muted">{t("walkInHelp")}</p>}
            <form onSubmit={issue}>
              <label>
                {t("walkInField")}
                <select value={fieldCode} onChange={(e) => setFieldCode(e.currentTarget.value)} data-testid="walkin-field">
                  {branch.fields.map((f) => (
                    <option key={f.code} value={f.code}>
                      {fieldName(f, f.code)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("walkInPriority")}
                <select value={priority} onChange={(e) => setPriority(e.currentTarget.value as PriorityGroup | "")} data-testid="walkin-priority">
                  <option value="">{t("noPriority")}</option>
                  {PRIORITY_GROUPS.map((g) => (
                    <option key={g} value={g}>
                      {PRIORITY_LABELS[g][lang.value]}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" class="primary big" disabled={!identity || busy || offline} data-testid="walkin-issue">
                {busy ? t("working") : t("issue")}
              </button>
            </form>
          </section>

          <section class="card queue" aria-labelledby="queue-title">
            <h3 id="queue-title">{t("queueTitle")}</h3>
            <ul>
              {(live.view?.fields ?? []).map((f) => (
                <li key={f.code} data-testid={`queue-${f.code}`}>
                  <span>{fieldName(f, f.code)}</span> <strong>{t("waitingN", { n: formatNumber(f.waiting) })}</strong>
                </li>
              ))}
            </ul>
          </section>
        </div>
      )}
    </div>
  );
}

function BranchPicker({ me, onPicked }: { me: StaffMe; onPicked: (b: BranchInfo, today: string) => void }) {
  const [branches, setBranches] = useState<Array<{ id: string; name: string }> | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function pick(id: string) {
    try {
      const res = await apiFetch<{ branch: BranchInfo; today: string }>("GET", `/branches/${id}`);
      onPicked(res.branch, res.today);
    } catch (err) {
      setError(errorText(err));
    }
  }

  useEffect(() => {
    apiFetch<{ branches: Array<{ id: string; name: string }> }>("GET", "/branches")
      .then((res) => {
        const mine = me.role === "admin" ? res.branches : res.branches.filter((b) => me.branchIds.includes(b.id));
        setBranches(mine);
        if (mine.length === 1) void pick(mine[0]!.id);
      })
      .catch((err) => setError(errorText(err)));
  }, []);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!branches) return <p>{t("loading")}</p>;
  if (branches.length === 0) return <p class="error">{t("noBranch")}</p>;
  return (
    <section class="setup" aria-labelledby="branch-title">
      <h2 id="branch-title">{t("branch")}</h2>
      {branches.map((b) => (
        <button key={b.id} type="button" class="big branch-button" onClick={() => pick(b.id)} data-testid={`branch-${b.id}`}>
          {b.name}
        </button>
      ))}
    </section>
  );
}

function App() {
  const [me, setMe] = useState<StaffMe | null | undefined>(undefined);
  const [branch, setBranch] = useState<{ branch: BranchInfo; today: string } | null>(null);

  useEffect(() => {
    void staffMe().then(setMe);
  }, []);

  let body;
  if (me === undefined) body = <p>{t("loading")}</p>;
  else if (me === null) body = <StaffSignIn onSignedIn={setMe} />;
  else if (me.role === "clerk") body = <p class="error">{t("wrongRole")}</p>;
  else if (!branch) body = <BranchPicker me={me} onPicked={(b, today) => setBranch({ branch: b, today })} />;
  else body = <Reception me={me} branch={branch.branch} today={branch.today} />;

  async function signOut() {
    await staffLogout();
    setBranch(null);
    setMe(null);
  }
  return (
    <StaffHeader me={me} words={{ title: t("appTitle"), signedInAs: (name) => t("signedInAs", { name }), languageLabel: t("languageLabel"), language: t("language"), signOut: t("signOut") }} onSignOut={signOut}>
      {body}
    </StaffHeader>
  );
}

render(<App />, document.getElementById("app")!);
