/**
 * The fairness verifier page (/verify/): anyone downloads a branch-day's hash chain and checks it
 * in their own browser with the same code the service uses (shared/fairness.ts): every hash and
 * link, the registration order of every call, and optionally their own receipt. The citizen's
 * ticket page links here with the receipt in the query (?branch=&date=&position=&hash=&label=).
 */
import { render } from "preact";
import { useState } from "preact/hooks";
import { CHAIN_PROBLEMS, checkReceipt, describeProblem, verifyChain, type ChainHead, type ChainReport, type ReceiptCheck } from "@shared/fairness";
import { apiFetch, ApiError, problemMessage } from "../../lib/api";
import { formatDate, formatTime, todayInVietnam } from "../../lib/format";
import { lang, setLang } from "../../lib/i18n";
import { t } from "./messages";
import "./verify.css";

interface ChainPage {
  head: ChainHead;
  published: (ChainHead & { publishedAt: number }) | null;
  dayEnded: boolean;
  items: unknown[];
  nextCursor: string | null;
}

interface Outcome {
  report: ChainReport;
  receipt: ReceiptCheck | null;
  published: ChainPage["published"];
  dayEnded: boolean;
}

const query = new URLSearchParams(location.search);

/** Every page of the day's chain, in order. */
async function downloadChain(branchId: string, date: string, onProgress: (n: number) => void): Promise<{ entries: unknown[]; first: ChainPage }> {
  const entries: unknown[] = [];
  let first: ChainPage | null = null;
  let cursor: string | null = null;
  do {
    const page: ChainPage = await apiFetch<ChainPage>("GET", `/fairness/branches/${encodeURIComponent(branchId)}/days/${date}?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    first ??= page;
    entries.push(...page.items);
    onProgress(entries.length);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { entries, first: first! };
}

function App() {
  const [branchId, setBranchId] = useState(query.get("branch") ?? "hn-cn01");
  const [date, setDate] = useState(query.get("date") ?? todayInVietnam());
  const [position, setPosition] = useState(query.get("position") ?? "");
  const [hash, setHash] = useState(query.get("hash") ?? "");
  const [label, setLabel] = useState(query.get("label") ?? "");
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function run(e: Event) {
    e.preventDefault();
    setError(null);
    setOutcome(null);
    setBusy(0);
    try {
      const { entries, first } = await downloadChain(branchId.trim(), date, setBusy);
      const report = verifyChain(branchId.trim(), date, entries, first.published ?? undefined);
      const receipt =
        position.trim() && hash.trim()
          ? checkReceipt({ branchId: branchId.trim(), serviceDate: date, position: Number(position), entryHash: hash.trim().toLowerCase(), ...(label.trim() ? { label: label.trim().toUpperCase() } : {}) }, entries, report)
          : null;
      setOutcome({ report, receipt, published: first.published, dayEnded: first.dayEnded });
    } catch (err) {
      setError(err instanceof ApiError ? problemMessage(err.problem) : String(err));
    } finally {
      setBusy(null);
    }
  }

  const ok = outcome && outcome.report.ok && (outcome.receipt === null || outcome.receipt.ok);
  const s = outcome?.report.summary;
  return (
    <main>
      <header>
        <h1>{t("title")}</h1>
        <button type="button" class="lang" lang={lang.value === "vi" ? "en" : "vi"} onClick={() => setLang(lang.value === "vi" ? "en" : "vi")} data-testid="lang-switch">
          {t("languageLabel")}
        </button>
      </header>
      <p>{t("intro")}</p>
      <form onSubmit={run}>
        <label>
          {t("branch")}
          <input name="branch" value={branchId} required pattern="[a-z0-9][a-z0-9\-]{0,31}" onInput={(e) => setBranchId(e.currentTarget.value)} data-testid="branch" />
        </label>
        <label>
          {t("date")}
          <input name="date" type="date" value={date} required onInput={(e) => setDate(e.currentTarget.value)} data-testid="date" />
        </label>
        <fieldset>
          <legend>{t("receiptLegend")}</legend>
          <label>
            {t("label")}
            <input name="label" value={label} autoComplete="off" onInput={(e) => setLabel(e.currentTarget.value)} data-testid="label" />
          </label>
          <label>
            {t("position")}
            <input name="position" inputMode="numeric" pattern="[0-9]*" value={position} onInput={(e) => setPosition(e.currentTarget.value)} data-testid="position" />
          </label>
          <label>
            {t("hash")}
            <input name="hash" value={hash} pattern="[0-9a-fA-F]{64}" spellcheck={false} autoComplete="off" onInput={(e) => setHash(e.currentTarget.value)} data-testid="hash" />
          </label>
        </fieldset>
        <button type="submit" disabled={busy !== null} data-testid="verify">
          {t("verify")}
        </button>
      </form>
      <div aria-live="polite">
        {busy !== null && <p>{t("working", { n: busy })}</p>}
        {error && (
          <p class="bad" role="alert">
            {error}
          </p>
        )}
        {outcome && s && (
          <section class={ok ? "result good" : "result bad"} data-testid="result" data-ok={ok ? "true" : "false"}>
            <h2>
              {ok ? "✓ " : "✗ "}
              {ok ? t("valid") : t("invalid")} — {branchId} {formatDate(date)}
            </h2>
            {outcome.report.ok && <p>{t("validText")}</p>}
            {outcome.receipt &&
              (outcome.receipt.ok ? (
                <p data-testid="receipt-ok">{t("receiptOk", { label: outcome.receipt.entry!.label, time: formatTime(outcome.receipt.entry!.at) })}</p>
              ) : (
                <p data-testid="receipt-bad">{t("receiptBad", { why: CHAIN_PROBLEMS[outcome.receipt.code!][lang.value] })}</p>
              ))}
            {outcome.report.problems.length > 0 && (
              <ul>
                {outcome.report.problems.map((p, i) => (
                  <li key={i}>{describeProblem(p, lang.value)}</li>
                ))}
              </ul>
            )}
            <p>{t("issued", { n: s.issued, p: s.priorityIssued, c: s.cancelled })}</p>
            <p>{t("calls", { next: s.calls.next, priority: s.calls.priority, specific: s.calls.specific, recalls: s.recalls, noShows: s.noShows, served: s.served, transfers: s.transfers, expired: s.expired })}</p>
            {outcome.report.outOfTurn.length > 0 && (
              <ul>
                {outcome.report.outOfTurn.map((o) => (
                  <li key={o.position}>{t("outOfTurn", { label: o.label, counter: o.counter, bypassed: o.bypassed, time: formatTime(o.at) })}</li>
                ))}
              </ul>
            )}
            <p class="hash">
              {t("head", { n: outcome.report.head.length })}: <code>{outcome.report.head.hash}</code>
            </p>
            {outcome.published && (
              <p class="hash">
                {t("published", { n: outcome.published.length })}: <code>{outcome.published.hash}</code>
              </p>
            )}
            {!outcome.dayEnded && <p>{t("notEnded")}</p>}
          </section>
        )}
      </div>
      <p class="note">{t("what")}</p>
    </main>
  );
}

render(<App />, document.getElementById("app")!);
