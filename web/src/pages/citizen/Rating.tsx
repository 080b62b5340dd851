/**
 * After service: 1–5 stars and an optional reason from a fixed list, sent once per ticket
 * (POST /api/v1/tickets/:ticketId/rating). Reason codes and their words come from
 * shared/ratings.ts, the list the server validates against. Loaded only once a ticket is served:
 * shared/ratings.ts carries its zod schema (≈25 KB gzipped), which the first load must not pay for.
 */
import { useState } from "preact/hooks";
import type { Problem } from "../../lib/api";
import { lang } from "../../lib/i18n";
import { RATING_REASON_LIST as RATING_REASONS, RATING_SCORE_LABELS, reasonsForScore } from "@shared/ratings";
import { t } from "./messages";
import { problemOf, Refusal } from "./refusal";
import { citizenApi } from "./session";

export function Rating({ ticketId }: { ticketId: string }) {
  const key = `sothutu.rated.${ticketId}`;
  const [done, setDone] = useState(() => {
    try {
      return localStorage.getItem(key) === "1";
    } catch {
      return false;
    }
  });
  const [score, setScore] = useState(0);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  if (done) return <p class="info" role="status" data-testid="rating-thanks">{t("rateThanks")}</p>;

  async function send(e: Event) {
    e.preventDefault();
    if (score < 1) return;
    setBusy(true);
    setProblem(null);
    try {
      await citizenApi("POST", `/tickets/${encodeURIComponent(ticketId)}/rating`, { body: reason ? { score, reason } : { score } });
      try {
        localStorage.setItem(key, "1");
      } catch {
        // Not remembered: the server refuses a second rating anyway.
      }
      setDone(true);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card rating" data-testid="rating" onSubmit={send}>
      <fieldset>
        <legend>{t("rateTitle")}</legend>
        <div class="stars">
          {[1, 2, 3, 4, 5].map((n) => (
            <label class={`star${n <= score ? " on" : ""}`}>
              <input type="radio" name="score" value={n} checked={score === n} onChange={() => {
                  setScore(n);
                  if (reason && !reasonsForScore(n).includes(reason as never)) setReason("");
                }} data-testid={`rating-${n}`} />
              <span aria-hidden="true">★</span>
              <span class="sr-only">
                {t("rateStars", { n })}: {RATING_SCORE_LABELS[n as 1 | 2 | 3 | 4 | 5][lang.value]}
              </span>
            </label>
          ))}
        </div>
        {score > 0 && <p class="small">{RATING_SCORE_LABELS[score as 1 | 2 | 3 | 4 | 5][lang.value]}</p>}
      </fieldset>
      <label for="rating-reason">{t("rateReason")}</label>
      <select id="rating-reason" data-testid="rating-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
        <option value="">{t("rateNoReason")}</option>
        {RATING_REASONS.filter((r) => score < 1 || reasonsForScore(score).includes(r.code)).map((r) => (
          <option value={r.code}>{lang.value === "vi" ? r.vi : r.en}</option>
        ))}
      </select>
      <button type="submit" class="btn btn-primary" data-testid="rating-send" disabled={busy || score < 1}>
        {t("rateSend")}
      </button>
      <Refusal problem={problem} />
    </form>
  );
}
