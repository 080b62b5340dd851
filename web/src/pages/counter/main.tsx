/**
 * The counter tablet (quầy tiếp nhận): a clerk signs in, chooses branch, counter and the fields
 * to serve, opens the counter, and works it with big touch buttons. Live state comes from the
 * staff live view (WebSocket, polling while it is down). After "complete" the tablet turns to the
 * citizen for a rating. Works with touch only; keyboard usable too.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { apiFetch, ApiError, problemMessage } from "../../lib/api";
import { translator } from "../../lib/i18n";
import { staffLogout, staffMe, type StaffMe } from "../../lib/staff-session";
import { StaffHeader } from "../../lib/ui/StaffHeader";
import { StaffSignIn } from "../../lib/ui/StaffSignIn";
import { fieldName } from "../../lib/vocabulary";
import { Desk } from "./Desk";
import { messages } from "./messages";
import type { BranchInfo } from "./types";
import "./counter.css";

const t = translator(messages);
const SETUP_KEY = "sothutu.counter.setup";

interface Setup {
  branchId: string;
  counter: number;
  fieldCodes: string[];
}

function savedSetup(): Partial<Setup> {
  try {
    return JSON.parse(localStorage.getItem(SETUP_KEY) ?? "{}") as Partial<Setup>;
  } catch {
    return {};
  }
}

function SetupForm(props: { me: StaffMe; onOpened: (branch: BranchInfo, setup: Setup) => void }) {
  const saved = savedSetup();
  const [branches, setBranches] = useState<Array<{ id: string; name: string }> | null>(null);
  const [branchId, setBranchId] = useState<string>("");
  const [branch, setBranch] = useState<BranchInfo | null>(null);
  const [counter, setCounter] = useState<number | null>(null);
  const [fields, setFields] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    apiFetch<{ branches: Array<{ id: string; name: string }> }>("GET", "/branches")
      .then((res) => {
        const mine = props.me.role === "admin" ? res.branches : res.branches.filter((b) => props.me.branchIds.includes(b.id));
        setBranches(mine);
        const pick = mine.find((b) => b.id === saved.branchId) ?? mine[0];
        if (pick) setBranchId(pick.id);
      })
      .catch((err) => setError(err instanceof ApiError ? problemMessage(err.problem) : String(err)));
  }, []);

  useEffect(() => {
    if (!branchId) return;
    setBranch(null);
    apiFetch<{ branch: BranchInfo }>("GET", `/branches/${branchId}`)
      .then((res) => {
        setBranch(res.branch);
        const c = res.branch.counters.find((k) => k.number === saved.counter) ?? res.branch.counters[0];
        if (c) {
          setCounter(c.number);
          setFields(saved.counter === c.number && saved.fieldCodes ? saved.fieldCodes.filter((f) => c.fieldCodes.includes(f)) : [...c.fieldCodes]);
        }
      })
      .catch((err) => setError(err instanceof ApiError ? problemMessage(err.problem) : String(err)));
  }, [branchId]);

  const configured = branch?.counters.find((k) => k.number === counter)?.fieldCodes ?? [];
  const offered = new Map((branch?.fields ?? []).map((f) => [f.code, f]));

  async function open(e: Event) {
    e.preventDefault();
    if (!branch || counter === null || busy) return;
    setBusy(true);
    setError(null);
    const setup = { branchId: branch.id, counter, fieldCodes: fields };
    try {
      await apiFetch("POST", `/staff/branches/${branch.id}/counters/${counter}/open`, { body: fields.length ? { fieldCodes: fields } : {} });
      try {
        localStorage.setItem(SETUP_KEY, JSON.stringify(setup));
      } catch {
        // Not remembered on this device.
      }
      props.onOpened(branch, setup);
    } catch (err) {
      setError(err instanceof ApiError ? problemMessage(err.problem) : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (branches && branches.length === 0) return <p class="error">{t("noBranch")}</p>;

  return (
    <form class="setup" onSubmit={open} aria-labelledby="setup-title" data-testid="setup">
      <h2 id="setup-title">{t("setupTitle")}</h2>
      <label>
        {t("branch")}
        <select value={branchId} onChange={(e) => setBranchId(e.currentTarget.value)} data-testid="setup-branch">
          {(branches ?? []).map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
      {branch ? (
        <>
          <fieldset class="counter-pick">
            <legend>{t("counter")}</legend>
            {branch.counters.map((k) => (
              <label key={k.number} class={counter === k.number ? "chip chosen" : "chip"}>
                <input
                  type="radio"
                  name="counter"
                  value={k.number}
                  checked={counter === k.number}
                  onChange={() => {
                    setCounter(k.number);
                    setFields([...k.fieldCodes]);
                  }}
                  data-testid={`setup-counter-${k.number}`}
                />
                {k.number}
              </label>
            ))}
          </fieldset>
          <fieldset class="field-pick">
            <legend>{t("fields")}</legend>
            {configured.map((code) => (
              <label key={code} class="check">
                <input
                  type="checkbox"
                  checked={fields.includes(code)}
                  onChange={(e) => setFields(e.currentTarget.checked ? [...fields, code] : fields.filter((f) => f !== code))}
                  data-testid={`setup-field-${code}`}
                />
                {fieldName(offered.get(code), code)}
              </label>
            ))}
          </fieldset>
        </>
      ) : (
        <p>{t("loading")}</p>
      )}
      {error && (
        <p class="error" role="alert" data-testid="setup-error">
          {error}
        </p>
      )}
      <button type="submit" class="primary big" disabled={!branch || counter === null || busy} data-testid="open-counter">
        {busy ? t("working") : t("openCounter")}
      </button>
    </form>
  );
}

function App() {
  const [me, setMe] = useState<StaffMe | null | undefined>(undefined);
  const [desk, setDesk] = useState<{ branch: BranchInfo; setup: Setup } | null>(null);

  useEffect(() => {
    void staffMe().then(setMe);
  }, []);

  async function signOut() {
    await staffLogout();
    setDesk(null);
    setMe(null);
  }

  let body;
  if (me === undefined) body = <p>{t("loading")}</p>;
  else if (me === null) body = <StaffSignIn onSignedIn={setMe} />;
  else if (me.role !== "clerk" && me.role !== "manager" && me.role !== "admin") body = <p class="error">{t("wrongRole")}</p>;
  else if (!desk) body = <SetupForm me={me} onOpened={(branch, setup) => setDesk({ branch, setup })} />;
  else
    body = (
      <Desk
        branch={desk.branch}
        counter={desk.setup.counter}
        fieldCodes={desk.setup.fieldCodes}
        onLeave={() => setDesk(null)}
        onSignedOut={() => {
          setDesk(null);
          setMe(null);
        }}
      />
    );

  return (
    <StaffHeader me={me} words={{ title: t("appTitle"), signedInAs: (name) => t("signedInAs", { name }), languageLabel: t("languageLabel"), language: t("language"), signOut: t("signOut") }} onSignOut={signOut}>
      {body}
    </StaffHeader>
  );
}

render(<App />, document.getElementById("app")!);
