/**
 * The walk-in kiosk (touch screen, 80 mm receipt printer). A reception or manager account signs
 * the kiosk in once (staff session cookie); then, for each citizen: scan the chip ID card's QR
 * or type the ID number on the keypad, pick a field, and the number is issued
 * (POST /staff/branches/:branchId/tickets, channel "kiosk"), printed with window.print() (the
 * print stylesheet lays the receipt out for 80 mm paper) and the screen resets for the next person.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { TicketView } from "@shared/live-views";
import { apiFetch, ApiError, problemMessage, type Problem } from "../../lib/api";
import { formatDate, formatDateLong, formatNumber, formatTime } from "../../lib/format";
import { lang, setLang } from "../../lib/i18n";
import { staffLogin, staffMe, type StaffMe } from "../../lib/staff-session";
import { QrCode } from "../../lib/ui/QrCode";
import { t } from "./messages";
import { Scanner } from "./Scanner";
import "./kiosk.css";

const BRANCH_KEY = "sothutu.kiosk.branch";
/** Seconds the printed ticket stays on screen before the kiosk is ready for the next person. */
export const RESET_AFTER_S = 8;
/** Idle seconds on a half-finished step before the kiosk forgets it (privacy: a typed ID number). */
const IDLE_RESET_S = 60;

interface Branch {
  id: string;
  name: string;
  address: string;
}
interface DayField {
  code: string;
  nameVi: string;
  nameEn: string;
  remaining: number;
  waiting: number;
}
interface Identity {
  idNumber?: string;
  cccdQr?: string;
}

const fieldName = (f: { nameVi: string; nameEn: string }) => (lang.value === "vi" ? f.nameVi : f.nameEn);

function problemOf(err: unknown): Problem {
  return err instanceof ApiError ? err.problem : { status: 0, code: "internal" };
}

function RefusalBox({ problem }: { problem: Problem | null }) {
  if (!problem) return <div role="alert" />;
  const win = problem.window as { from?: string; until?: string } | undefined;
  return (
    <div class="krefusal" role="alert" data-testid="refusal" data-code={problem.code}>
      <p>{problemMessage(problem)}</p>
      {win?.from && <p>{t("bookingHours", { from: win.from, until: win.until ?? "" })}</p>}
      {typeof problem.nextWorkingDay === "string" && <p>{t("nextWorkingDay", { date: formatDateLong(problem.nextWorkingDay) })}</p>}
    </div>
  );
}

function Setup({ onReady }: { onReady: (me: StaffMe, branch: Branch) => void }) {
  const [me, setMe] = useState<StaffMe | null>(null);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [branches, setBranches] = useState<Branch[]>([]);
  const [branchId, setBranchId] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    void staffMe().then((m) => m && setMe(m));
    apiFetch<{ branches: Branch[] }>("GET", "/branches").then((r) => setBranches(r.branches), () => undefined);
  }, []);

  const allowed = me && (me.role === "reception" || me.role === "manager" || me.role === "admin");
  const mine = me ? branches.filter((b) => me.role === "admin" || me.branchIds.includes(b.id)) : [];
  useEffect(() => {
    if (!me || !mine.length) return;
    const saved = localStorage.getItem(BRANCH_KEY);
    const again = mine.find((b) => b.id === saved);
    // A kiosk restarted within its session goes straight back to work at its branch.
    if (again && allowed && !username) onReady(me, again);
    else if (!branchId) setBranchId(mine[0]!.id);
  }, [me, branches.length]);

  async function login(e: Event) {
    e.preventDefault();
    setProblem(null);
    try {
      setMe(await staffLogin(username.trim(), password));
      setPassword("");
    } catch (err) {
      setProblem(problemOf(err));
    }
  }

  return (
    <section class="kpanel setup" data-testid="kiosk-setup">
      <h1>{t("setupTitle")}</h1>
      <p>{t("setupHelp")}</p>
      {!me ? (
        <form onSubmit={login}>
          <label for="k-user">{t("username")}</label>
          <input id="k-user" data-testid="kiosk-username" autoComplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          <label for="k-pass">{t("password")}</label>
          <input id="k-pass" data-testid="kiosk-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          <button type="submit" class="kbtn primary" data-testid="kiosk-sign-in">
            {t("signIn")}
          </button>
        </form>
      ) : !allowed ? (
        <p class="krefusal" role="alert">{t("notAllowed")}</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const b = mine.find((x) => x.id === branchId);
            if (!b) return;
            localStorage.setItem(BRANCH_KEY, b.id);
            onReady(me, b);
          }}
        >
          <label for="k-branch">{t("chooseBranch")}</label>
          <select id="k-branch" data-testid="kiosk-branch" value={branchId} onChange={(e) => setBranchId(e.currentTarget.value)}>
            {mine.map((b) => (
              <option value={b.id}>{b.name}</option>
            ))}
          </select>
          <button type="submit" class="kbtn primary" data-testid="kiosk-start">
            {t("start")}
          </button>
        </form>
      )}
      <RefusalBox problem={problem} />
    </section>
  );
}

function Keypad({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const press = (d: string) => value.length < 12 && onChange(value + d);
  return (
    <div class="keypad" role="group" aria-label={t("typeId")}>
      {["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => (
        <button type="button" class="key" data-testid={`key-${d}`} onClick={() => press(d)}>
          {d}
        </button>
      ))}
      <button type="button" class="key key-fn" onClick={() => onChange("")}>
        {t("clear")}
      </button>
      <button type="button" class="key" data-testid="key-0" onClick={() => press("0")}>
        0
      </button>
      <button type="button" class="key key-fn" aria-label={t("delLabel")} onClick={() => onChange(value.slice(0, -1))}>
        ⌫ {t("del")}
      </button>
    </div>
  );
}

/** The receipt: on screen after issuing, and the only thing printed (kiosk.css @media print). */
function Receipt({ ticket, branch, field }: { ticket: TicketView; branch: Branch; field: DayField | undefined }) {
  return (
    <div class="receipt" data-testid="receipt">
      <p class="r-center r-branch">{branch.name}</p>
      <p class="r-center r-caption">{t("yourNumber")}</p>
      <p class="r-center r-number" data-testid="ticket-number">
        {ticket.label}
      </p>
      <p class="r-center r-field">{field ? fieldName(field) : ticket.fieldCode}</p>
      <p>
        {t("time")}: {formatTime(ticket.registeredAt)} {formatDate(ticket.serviceDate)}
      </p>
      {ticket.ahead !== null && <p>{t("ahead", { n: formatNumber(ticket.ahead) })}</p>}
      <div class="r-qr">
        <QrCode value={ticket.id} label={`QR ${ticket.label}`} />
      </div>
      <p class="r-center r-small">{t("keepTicket")}</p>
    </div>
  );
}

type Step = { kind: "welcome" } | { kind: "id"; scanning: boolean } | { kind: "field"; who: Identity } | { kind: "printed"; ticket: TicketView };

function Kiosk({ branch, onSignOut }: { branch: Branch; onSignOut: () => void }) {
  const [step, setStep] = useState<Step>({ kind: "welcome" });
  const [digits, setDigits] = useState("");
  const [fields, setFields] = useState<DayField[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [countdown, setCountdown] = useState(RESET_AFTER_S);
  const [info, setInfo] = useState<string | null>(null);

  const reset = () => {
    setStep({ kind: "welcome" });
    setDigits("");
    setProblem(null);
    setInfo(null);
  };

  const loadFields = () =>
    apiFetch<{ today: string; days: Array<{ date: string; fields: DayField[] }> }>("GET", `/branches/${branch.id}/days`)
      .then((r) => setFields(r.days.find((d) => d.date === r.today)?.fields ?? []))
      .catch((err) => setProblem(problemOf(err)));

  // A half-finished step is forgotten after a minute: the next person must not see a typed ID.
  useEffect(() => {
    if (step.kind === "welcome" || step.kind === "printed") return;
    const timer = setTimeout(reset, IDLE_RESET_S * 1000);
    return () => clearTimeout(timer);
  }, [step, digits]);

  useEffect(() => {
    if (step.kind !== "printed") return;
    setCountdown(RESET_AFTER_S);
    // Printing after the receipt is on screen (the browser prints what is rendered).
    const printTimer = setTimeout(() => window.print(), 100);
    const tick = setInterval(() => setCountdown((n) => n - 1), 1000);
    const timer = setTimeout(reset, RESET_AFTER_S * 1000);
    return () => {
      clearTimeout(printTimer);
      clearInterval(tick);
      clearTimeout(timer);
    };
  }, [step.kind === "printed" ? step.ticket.id : null]);

  const toFields = (who: Identity) => {
    setProblem(null);
    setFields(null);
    void loadFields();
    setStep({ kind: "field", who });
  };

  async function issue(field: DayField, who: Identity) {
    setBusy(true);
    setProblem(null);
    try {
      const body = who.cccdQr
        ? { cccdQr: who.cccdQr, identityCheck: "chip_qr", fieldCode: field.code, channel: "kiosk" }
        : { idNumber: who.idNumber, identityCheck: "typed", fieldCode: field.code, channel: "kiosk" };
      const res = await apiFetch<{ ticket: TicketView }>("POST", `/staff/branches/${branch.id}/tickets`, { body });
      setStep({ kind: "printed", ticket: res.ticket });
    } catch (err) {
      const p = problemOf(err);
      setProblem(p);
      // An identity problem sends the person back to the ID step; others stay on the fields.
      if (p.code === "invalid_id_number" || p.code === "id_number_unknown_province" || p.code === "invalid_request") setStep({ kind: "id", scanning: false });
      if (p.code === "unauthorized") onSignOut();
    } finally {
      setBusy(false);
    }
  }

  let body;
  if (step.kind === "welcome") {
    body = (
      <button type="button" class="welcome" data-testid="kiosk-welcome" onClick={() => setStep({ kind: "id", scanning: false })}>
        <span class="welcome-big">{t("welcome")}</span>
        <span>{t("welcomeSub")}</span>
      </button>
    );
  } else if (step.kind === "id") {
    body = (
      <section class="kpanel" aria-labelledby="id-h">
        <h2 id="id-h">{t("stepId")}</h2>
        {step.scanning ? (
          <Scanner
            onText={(text) => {
              setInfo(t("scanned"));
              toFields({ cccdQr: text });
            }}
            onStop={(error) => {
              setStep({ kind: "id", scanning: false });
              if (error) setInfo(error);
            }}
          />
        ) : (
          <div class="id-entry">
            <div>
              <button type="button" class="kbtn scan" data-testid="kiosk-scan" onClick={() => setStep({ kind: "id", scanning: true })}>
                📷 {t("scan")}
              </button>
              <label for="k-id">{t("typeId")}</label>
              <input
                id="k-id"
                class="id-display"
                data-testid="kiosk-id"
                inputMode="numeric"
                autoComplete="off"
                maxLength={12}
                value={digits}
                onInput={(e) => setDigits(e.currentTarget.value.replace(/\D/g, "").slice(0, 12))}
              />
            </div>
            <Keypad value={digits} onChange={setDigits} />
          </div>
        )}
        {info && <p role="status">{info}</p>}
        <div class="knav">
          <button type="button" class="kbtn" onClick={reset}>
            {t("cancel")}
          </button>
          <button type="button" class="kbtn primary" data-testid="kiosk-next" disabled={digits.length !== 12} onClick={() => toFields({ idNumber: digits })}>
            {t("next")}
          </button>
        </div>
        <RefusalBox problem={problem} />
      </section>
    );
  } else if (step.kind === "field") {
    body = (
      <section class="kpanel" aria-labelledby="field-h">
        <h2 id="field-h">{t("stepField")}</h2>
        {!fields ? (
          <p aria-busy="true">…</p>
        ) : (
          <div class="tiles">
            {fields.map((f) => (
              <button type="button" class="tile" data-testid={`kiosk-field-${f.code}`} disabled={busy || f.remaining <= 0} onClick={() => issue(f, step.who)}>
                <span class="tile-name">{fieldName(f)}</span>
                <span class="tile-meta">
                  {f.remaining <= 0 ? t("soldOut") : `${t("waiting", { n: formatNumber(f.waiting) })} · ${t("left", { n: formatNumber(f.remaining) })}`}
                </span>
              </button>
            ))}
          </div>
        )}
        {busy && <p role="status">{t("issuing")}</p>}
        <div class="knav">
          <button type="button" class="kbtn" onClick={() => setStep({ kind: "id", scanning: false })}>
            {t("back")}
          </button>
          <button type="button" class="kbtn" onClick={reset}>
            {t("cancel")}
          </button>
        </div>
        <RefusalBox problem={problem} />
      </section>
    );
  } else {
    body = (
      <section class="kpanel printed" aria-live="polite">
        <p class="printing">{t("printing")}</p>
        <Receipt ticket={step.ticket} branch={branch} field={fields?.find((f) => f.code === step.ticket.fieldCode)} />
        <p>{t("resetIn", { n: Math.max(0, countdown) })}</p>
        <div class="knav">
          <button type="button" class="kbtn" onClick={() => window.print()}>
            {t("printAgain")}
          </button>
          <button type="button" class="kbtn primary" data-testid="kiosk-done" onClick={reset}>
            {t("done")}
          </button>
        </div>
      </section>
    );
  }

  return (
    <>
      <header class="khead">
        <div>
          <h1>{t("title")}</h1>
          <p>{branch.name}</p>
        </div>
        <div class="khead-actions">
          <button type="button" class="kbtn small" lang={lang.value === "vi" ? "en" : "vi"} aria-label={t("langLabel")} data-testid="lang-switch" onClick={() => setLang(lang.value === "vi" ? "en" : "vi")}>
            {t("lang")}
          </button>
        </div>
      </header>
      <main class="kmain">{body}</main>
    </>
  );
}

function App() {
  const [ready, setReady] = useState<{ me: StaffMe; branch: Branch } | null>(null);
  if (!ready) return <main class="kmain"><Setup onReady={(me, branch) => setReady({ me, branch })} /></main>;
  return (
    <Kiosk
      branch={ready.branch}
      // Only when the staff session has ended (expired or signed out elsewhere): set up again.
      onSignOut={() => setReady(null)}
    />
  );
}

render(<App />, document.getElementById("app")!);
