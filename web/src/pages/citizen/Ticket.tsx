/**
 * One ticket: the big number, field, branch, day, registration time, the QR code reception scans
 * (the ticket id "<branch>:<date>:<seq>", which check-in accepts), the live place in line and
 * estimate, the number now served; alerts when near and when called; cancel; rating once served.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Problem } from "../../lib/api";
import { formatDateLong, formatMinutesRange, formatNumber, formatTime } from "../../lib/format";
import { lang } from "../../lib/i18n";
import { QrCode } from "../../lib/ui/QrCode";
import { VerifyLink } from "../../lib/ui/VerifyLink";
import { chime, firstTime, pushPublicKey, pushSupported, setAlertTitle, subscribePush, unlockSound, vibrate } from "./alerts";
import { useTicketLive } from "./live";
import { t } from "./messages";
import { problemOf, Refusal } from "./refusal";
import { citizenApi } from "./session";
import type { BranchSummary, TicketView, TicketWithLive } from "./types";

/** "Near" on the page: this many people ahead (the server's SMS/push use their own threshold). */
const NEAR_AHEAD = 3;
const ACTIVE = new Set(["waiting", "called", "serving"]);

export function Ticket({ data, branches, onChanged }: { data: TicketWithLive; branches: BranchSummary[]; onChanged: () => void }) {
  const liveView = useTicketLive(data.ticket, data.live);
  const [override, setOverride] = useState<TicketView | null>(null);
  const ticket = override && override.status === "cancelled" ? override : liveView.ticket;
  const field = liveView.field;
  const [asking, setAsking] = useState(false);
  const keepButton = useRef<HTMLButtonElement>(null);
  // The question takes the focus, on its safe answer ("No").
  useEffect(() => {
    if (asking) keepButton.current?.focus();
  }, [asking]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sound, setSound] = useState(false);
  const [pushKey, setPushKey] = useState<string | null>(null);
  const [pushState, setPushState] = useState<"off" | "on" | "denied">("off");

  const branch = branches.find((b) => b.id === ticket.branchId);
  const fieldName = field ? (lang.value === "vi" ? field.nameVi : field.nameEn) : ticket.fieldCode;
  const called = ticket.status === "called" && ticket.counterNumber !== null;
  const near = ticket.status === "waiting" && ticket.ahead !== null && ticket.ahead < NEAR_AHEAD;

  useEffect(() => {
    if (ACTIVE.has(ticket.status) && pushSupported()) void pushPublicKey().then(setPushKey);
  }, [ticket.id]);

  // Alerts: once per ticket and call (a recall has a new calledAt and alerts again).
  useEffect(() => {
    if (called) {
      setAlertTitle(t("calledTitle", { label: ticket.label, counter: ticket.counterNumber! }));
      if (firstTime(ticket.id, `called-${ticket.calledAt}`)) {
        vibrate(true);
        chime(true);
      }
    } else if (near) {
      setAlertTitle(t("nearBanner"));
      if (firstTime(ticket.id, "near")) {
        vibrate(false);
        chime(false);
      }
    } else setAlertTitle(null);
  }, [ticket.status, ticket.calledAt, near]);
  useEffect(() => () => setAlertTitle(null), []);

  async function cancel() {
    setProblem(null);
    try {
      const res = await citizenApi<{ ticket: TicketView }>("POST", `/tickets/${encodeURIComponent(ticket.id)}/cancel`, { body: {} });
      setOverride(res.ticket);
      setNotice(t("cancelled", { label: ticket.label }));
      onChanged();
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setAsking(false);
    }
  }

  async function enablePush() {
    if (!pushKey) return;
    try {
      setPushState(await subscribePush(ticket.id, pushKey));
    } catch (err) {
      setProblem(problemOf(err));
    }
  }

  // The rating form (and the shared rating list with its schema) is fetched only after service.
  const [RatingForm, setRatingForm] = useState<null | ((p: { ticketId: string }) => preact.JSX.Element)>(null);
  useEffect(() => {
    if (ticket.status === "served" && !RatingForm) void import("./Rating").then((m) => setRatingForm(() => m.Rating), () => undefined);
  }, [ticket.status]);

  const est = ticket.estimate;
  return (
    <article class={`card ticket${called ? " is-called" : ""}${near ? " is-near" : ""}`} data-testid="ticket" aria-labelledby="ticket-h">
      {called && (
        <div class="banner called" role="alert" data-testid="called-banner">
          {t("calledBanner", { counter: ticket.counterNumber! })}
        </div>
      )}
      {near && !called && (
        <div class="banner near" role="status">
          {t("nearBanner")}
        </div>
      )}
      <h2 id="ticket-h" class="ticket-caption">{t("yourNumber")}</h2>
      <p class="ticket-number" data-testid="ticket-number">{ticket.label}</p>
      <p class="ticket-status" data-testid="ticket-status" data-status={ticket.status}>
        {t(`status_${ticket.status}`)}
        {ticket.counterNumber !== null && (ticket.status === "called" || ticket.status === "serving") && (
          <>
            {" – "}
            {t("counter")} <span data-testid="ticket-counter">{ticket.counterNumber}</span>
          </>
        )}
      </p>
      <dl class="facts">
        <div>
          <dt>{t("field")}</dt>
          <dd>{fieldName}</dd>
        </div>
        <div>
          <dt>{t("branch")}</dt>
          <dd>
            {branch?.name ?? ticket.branchId}
            {branch?.address && <span class="small block">{branch.address}</span>}
          </dd>
        </div>
        <div>
          <dt>{t("day")}</dt>
          <dd>{formatDateLong(ticket.serviceDate)}</dd>
        </div>
        <div>
          <dt>{t("registeredAt")}</dt>
          <dd>{formatTime(ticket.registeredAt)}</dd>
        </div>
      </dl>
      {ACTIVE.has(ticket.status) && (
        <div class="live">
          <div class="live-grid">
            <div>
              <span class="small">{t("nowServing")}</span>
              <strong data-testid="now-serving">{ticket.nowServing ?? field?.nowServing ?? t("none")}</strong>
            </div>
            {ticket.status === "waiting" && (
              <div>
                <span class="small">&nbsp;</span>
                <strong data-testid="ticket-position" data-ahead={ticket.ahead ?? ""}>
                  {ticket.ahead === 0 ? t("aheadNone") : t("ahead", { n: formatNumber(ticket.ahead ?? 0) })}
                </strong>
              </div>
            )}
            {ticket.status === "waiting" && est && (
              <div>
                <span class="small">{t("estimate")}</span>
                <strong>
                  {formatMinutesRange(est.lowMinutes, est.highMinutes)} {est.basis === "default" ? t("estimateBasisDefault") : ""}
                </strong>
              </div>
            )}
          </div>
          <p class="small" aria-live="off">
            {liveView.state === "live" ? t("live") : liveView.state === "polling" ? t("polling") : t("reconnecting")}
          </p>
        </div>
      )}
      <VerifyLink ticket={ticket} class="verify-link" />
      {ticket.status === "expired" && ticket.bookAgainOn && <p>{t("bookAgainOn", { date: formatDateLong(ticket.bookAgainOn) })}</p>}
      {ACTIVE.has(ticket.status) && (
        <figure class="qr">
          <QrCode value={ticket.id} label={t("qrLabel", { label: ticket.label })} class="qr-svg" />
          <figcaption>{t("showQr")}</figcaption>
        </figure>
      )}
      {ACTIVE.has(ticket.status) && (
        <div class="actions">
          {!sound ? (
            <button type="button" class="btn" data-testid="enable-alerts" onClick={() => setSound(unlockSound())}>
              {t("enableAlerts")}
            </button>
          ) : (
            <p class="info">{t("alertsOn")}</p>
          )}
          {pushKey &&
            (pushState === "off" ? (
              <button type="button" class="btn" onClick={enablePush}>
                {t("enablePush")}
              </button>
            ) : (
              <p class="info">{pushState === "on" ? t("pushOn") : t("pushDenied")}</p>
            ))}
        </div>
      )}
      {ticket.status === "waiting" &&
        (asking ? (
          <div class="confirm-box" role="alertdialog" aria-labelledby="cancel-q" aria-modal="false">
            <p id="cancel-q">{t("cancelConfirm", { label: ticket.label })}</p>
            <div class="row">
              <button type="button" class="btn btn-danger" data-testid="cancel-yes" onClick={cancel}>
                {t("cancelYes")}
              </button>
              <button type="button" class="btn" data-testid="cancel-no" onClick={() => setAsking(false)} ref={keepButton}>
                {t("cancelNo")}
              </button>
            </div>
          </div>
        ) : (
          <button type="button" class="btn btn-danger-outline" data-testid="cancel-ticket" onClick={() => setAsking(true)}>
            {t("cancel")}
          </button>
        ))}
      {notice && (
        <p class="info" role="status">
          {notice}
        </p>
      )}
      {ticket.status === "served" && RatingForm && <RatingForm ticketId={ticket.id} />}
      <Refusal problem={problem} />
    </article>
  );
}
