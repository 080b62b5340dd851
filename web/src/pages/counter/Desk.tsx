/**
 * The counter at work: the current ticket, waiting counts for the counter's fields, and big touch
 * buttons for every counter command. One request at a time (buttons are disabled while it is in
 * flight); offline, every button is locked. After a blip the state is re-read and the clerk
 * decides again: a press that may or may not have reached the server is never resent.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { CounterAudienceView } from "@shared/live-protocol";
import type { CounterView, TicketView } from "@shared/live-views";
import { apiFetch, ApiError, problemMessage } from "../../lib/api";
import { formatNumber, formatTime } from "../../lib/format";
import { translator } from "../../lib/i18n";
import { useStaffLive } from "../../lib/staff-live";
import { fieldName, priorityLabel, statusLabel } from "../../lib/vocabulary";
import { messages } from "./messages";
import { RatingMode } from "./RatingMode";
import type { BranchInfo } from "./types";

const t = translator(messages);

type Action = "call-next" | "call" | "recall" | "no-show" | "start" | "complete" | "transfer" | "pause" | "resume" | "close" | "open";
type Notice = { kind: "ok" | "error" | "warn"; text: string } | null;

export function Desk(props: { branch: BranchInfo; counter: number; fieldCodes: string[]; onLeave: () => void; onSignedOut: () => void }) {
  const { branch, counter } = props;
  const live = useStaffLive<CounterAudienceView>(branch.id, { audience: "counter", counter });
  const [override, setOverride] = useState<CounterView | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [rating, setRating] = useState<string | null>(null);
  const [label, setLabel] = useState("");
  const [transferTo, setTransferTo] = useState("");
  const wasOffline = useRef(false);
  const unsure = useRef(false);

  // A newer live view replaces what the last command's answer said.
  useEffect(() => setOverride(null), [live.view]);

  // Back from offline: re-read, tell the clerk, let them act again.
  useEffect(() => {
    if (live.status === "offline") {
      wasOffline.current = true;
      return;
    }
    if (wasOffline.current && (live.status === "live" || live.status === "polling")) {
      wasOffline.current = false;
      void live.refresh().then(() => {
        unsure.current = false;
        setNotice({ kind: "warn", text: t("backOnline") });
      });
    }
  }, [live.status]);

  const view = live.view;
  const state: CounterView | null = override ?? view?.counter ?? null;
  const current: TicketView | null = state?.current ?? null;
  const offline = live.status === "offline";
  const locked = busy !== null || offline || state === null;
  const fieldsOfBranch = new Map(branch.fields.map((f) => [f.code, f]));

  async function act(action: Action, body: unknown = {}) {
    if (locked && action !== "open") return;
    if (busy) return;
    setBusy(action);
    setNotice(null);
    try {
      const res = await apiFetch<{ counter: CounterView; ticket: TicketView | null }>("POST", `/staff/branches/${branch.id}/counters/${counter}/${action}`, { body });
      setOverride(res.counter);
      setNotice({ kind: "ok", text: t(`done_${action.replace(/-/g, "_")}` as keyof typeof messages, { label: res.ticket?.label ?? "" }) });
      if (action === "call") setLabel("");
      if (action === "complete" && res.ticket) setRating(res.ticket.label);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return props.onSignedOut();
      if (err instanceof ApiError && err.status === 0) {
        // Did it reach the server? Unknown: re-read when the network is back, resend nothing.
        unsure.current = true;
        wasOffline.current = true;
        setNotice({ kind: "warn", text: t("lostRequest") });
      } else {
        setNotice({ kind: "error", text: err instanceof ApiError ? problemMessage(err.problem) : String(err) });
        // The state may have moved under us (another device, a manager): read it again.
        void live.refresh();
      }
    } finally {
      setBusy(null);
    }
  }

  if (rating) {
    return <RatingMode branchId={branch.id} counter={counter} label={rating} onDone={() => setRating(null)} />;
  }

  const st = state?.status ?? "closed";
  const can = {
    callNext: st === "open" && !current,
    recall: current?.status === "called",
    noShow: current?.status === "called",
    start: current?.status === "called",
    complete: current?.status === "called" || current?.status === "serving",
    transfer: !!current,
    pause: st === "open",
    resume: st === "paused",
    close: st !== "closed" && !current,
  };
  const served = state?.fieldCodes ?? props.fieldCodes;
  const transferTargets = branch.fields.filter((f) => f.code !== current?.fieldCode);
  const button = (action: Action, text: string, enabled: boolean, cls = "", body?: () => unknown) => (
    <button type="button" class={`big ${cls}`} disabled={locked || !enabled} aria-busy={busy === action} onClick={() => act(action, body ? body() : {})} data-testid={`btn-${action}`}>
      {busy === action ? t("working") : text}
    </button>
  );

  return (
    <section class="desk" aria-labelledby="desk-title" data-testid="desk" data-counter-status={st}>
      <header class="desk-head">
        <h2 id="desk-title">
          {t("counterN", { n: counter })} · {branch.name}
        </h2>
        <span class={`counter-status status-${st}`} data-testid="counter-status">
          {st === "open" ? t("statusOpen") : st === "paused" ? t("statusPaused") : t("statusClosed")}
        </span>
        <span class={`conn conn-${live.status}`} role="status" data-testid="connection" data-status={live.status}>
          {t(live.status)}
        </span>
      </header>

      {notice && (
        <p class={`notice notice-${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} data-testid="notice">
          {notice.text}
        </p>
      )}

      <div class="desk-grid">
        <article class="current" aria-labelledby="current-title" data-testid="current">
          <h3 id="current-title">{t("current")}</h3>
          {current ? (
            <>
              <p class="current-label" data-testid="current-label">
                {current.label}
              </p>
              <p class="current-status">{statusLabel(current.status)}</p>
              <dl class="facts">
                <dt>{t("field")}</dt>
                <dd>{fieldName(fieldsOfBranch.get(current.fieldCode), current.fieldCode)}</dd>
                <dt>{t("priority")}</dt>
                <dd data-testid="current-priority">{current.priority ? priorityLabel(current.priority) : t("regular")}</dd>
                <dt>{t("citizenId")}</dt>
                <dd data-testid="current-masked">{current.citizenMasked}</dd>
                <dt class="sr-only">{t("verified")}</dt>
                <dd class={current.verified ? "verified" : "unverified"} data-testid="current-verified">
                  {current.verified ? `✔ ${t("verified")}` : `✖ ${t("notVerified")}`}
                </dd>
              </dl>
              <p class="times">
                {t("registeredAt", { time: formatTime(current.registeredAt) })}
                {current.calledAt !== null && ` · ${t("calledAt", { time: formatTime(current.calledAt) })}`}
              </p>
            </>
          ) : (
            <p class="current-none" data-testid="current-none">
              {state ? t("noCurrent") : t("loading")}
            </p>
          )}
        </article>

        <article class="waiting" aria-labelledby="waiting-title">
          <h3 id="waiting-title">{t("waitingTitle")}</h3>
          <ul>
            {(view?.fields ?? []).filter((f) => served.includes(f.code)).map((f) => (
              <li key={f.code} data-testid={`waiting-${f.code}`}>
                <span class="field-name">{fieldName(f, f.code)}</span>
                <strong class="waiting-count">{t("waitingN", { n: formatNumber(f.waiting) })}</strong>
                {f.nowServing && <span class="now-serving">{t("nowServing", { label: f.nowServing })}</span>}
              </li>
            ))}
          </ul>
        </article>
      </div>

      <div class="actions" role="group" aria-label={t("appTitle")}>
        {button("call-next", t("callNext"), can.callNext, "primary wide")}
        {button("recall", t("recall"), can.recall)}
        {button("start", t("start"), can.start)}
        {button("complete", t("complete"), can.complete, "success")}
        {button("no-show", t("noShow"), can.noShow, "danger")}
      </div>

      <div class="secondary-actions">
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (label.trim()) void act("call", { label: label.trim().toUpperCase() });
          }}
        >
          <label>
            {t("numberToCall")}
            <input value={label} onInput={(e) => setLabel(e.currentTarget.value)} autocapitalize="characters" inputMode="text" maxLength={9} data-testid="call-label" />
          </label>
          <button type="submit" class="big" disabled={locked || !can.callNext || !label.trim()} data-testid="btn-call">
            {busy === "call" ? t("working") : t("call")}
          </button>
        </form>

        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (transferTo) void act("transfer", { toFieldCode: transferTo });
          }}
        >
          <label>
            {t("transferTo")}
            <select value={transferTo} onChange={(e) => setTransferTo(e.currentTarget.value)} data-testid="transfer-field">
              <option value="">—</option>
              {transferTargets.map((f) => (
                <option key={f.code} value={f.code}>
                  {fieldName(f, f.code)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="big" disabled={locked || !can.transfer || !transferTo} data-testid="btn-transfer">
            {busy === "transfer" ? t("working") : t("transfer")}
          </button>
        </form>

        <div class="counter-controls">
          {st === "paused" ? button("resume", t("resume"), can.resume) : button("pause", t("pause"), can.pause)}
          {st === "closed"
            ? button("open", t("reopen"), true, "", () => ({ fieldCodes: props.fieldCodes }))
            : button("close", t("close"), can.close)}
          <button type="button" class="big secondary" disabled={busy !== null} onClick={props.onLeave} data-testid="btn-change-counter">
            {t("changeCounter")}
          </button>
        </div>
      </div>
    </section>
  );
}
