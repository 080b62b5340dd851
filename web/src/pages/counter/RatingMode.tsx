/**
 * The counter-facing rating screen, shown after "complete": the citizen who was just served taps
 * a score (1–5) and, if they like, one reason from the fixed list (no free text: shared/ratings.ts).
 * It posts to the counter rating route, which rates the ticket this counter completed last. The
 * clerk (or the citizen) may skip.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { RATING_REASONS, RATING_SCORE_LABELS, RATING_SCORES, reasonsForScore, type RatingReason } from "@shared/ratings";
import { apiFetch, ApiError, problemMessage } from "../../lib/api";
import { lang, translator } from "../../lib/i18n";
import { messages } from "./messages";

const t = translator(messages);
/**
 * A face read without words, for people who do not read the labels: drawn as SVG (emoji fonts
 * differ between tablets and some lack the faces), the mouth curving from sad (1) to happy (5).
 */
function Face({ score }: { score: number }) {
  const curve = (score - 3) * 5; // -10 … +10: the mouth's bend
  return (
    <svg class="face" viewBox="0 0 48 48" width="56" height="56" aria-hidden="true" focusable="false">
      <circle cx="24" cy="24" r="21" fill="#ffd54f" stroke="#6b4a00" stroke-width="2.5" />
      <circle cx="16.5" cy="19" r="3" fill="#3a2a00" />
      <circle cx="31.5" cy="19" r="3" fill="#3a2a00" />
      <path d={`M14 ${33 - curve / 2} Q24 ${33 + curve} 34 ${33 - curve / 2}`} fill="none" stroke="#3a2a00" stroke-width="3" stroke-linecap="round" />
    </svg>
  );
}
/** Nobody tapped: give the tablet back to the clerk. */
const IDLE_MS = 120_000;

export function RatingMode(props: { branchId: string; counter: number; label: string; onDone: () => void }) {
  const [score, setScore] = useState<number | null>(null);
  const [reason, setReason] = useState<RatingReason | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [thanks, setThanks] = useState(false);
  const first = useRef<HTMLButtonElement>(null);

  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    const timer = setTimeout(props.onDone, thanks ? 2_500 : IDLE_MS);
    return () => clearTimeout(timer);
  }, [thanks, score, reason]);

  async function send() {
    if (score === null || busy) return;
    setBusy(true);
    setError(null);
    try {
      await apiFetch("POST", `/staff/branches/${props.branchId}/counters/${props.counter}/rating`, { body: reason ? { score, reason } : { score } });
      setThanks(true);
    } catch (err) {
      // Rated on the phone already: the citizen's voice is in; thank them all the same.
      if (err instanceof ApiError && err.code === "rating_already_given") setThanks(true);
      else setError(err instanceof ApiError ? problemMessage(err.problem) : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="rating-mode" role="dialog" aria-modal="true" aria-labelledby="rating-title" data-testid="rating-mode">
      {thanks ? (
        <p class="rating-thanks" role="status" data-testid="rating-thanks">
          {t("rateThanks")}
        </p>
      ) : (
        <>
          <h2 id="rating-title">{t("rateTitle")}</h2>
          <p class="rating-ticket">{t("rateTicket", { label: props.label })}</p>
          <div class="rating-scores" role="radiogroup" aria-labelledby="rating-title">
            {RATING_SCORES.map((n, i) => {
              const words = RATING_SCORE_LABELS[n][lang.value];
              return (
                <button
                  key={n}
                  ref={i === 0 ? first : undefined}
                  type="button"
                  role="radio"
                  aria-checked={score === n}
                  aria-label={t("rateScore", { n, label: words })}
                  class={score === n ? "score chosen" : "score"}
                  onClick={() => {
                    setScore(n);
                    setReason(null);
                  }}
                  data-testid={`rate-${n}`}
                >
                  <Face score={n} />
                  <span class="stars" aria-hidden="true">
                    {"★".repeat(n)}
                  </span>
                  <span class="words">{words}</span>
                </button>
              );
            })}
          </div>
          {score !== null && (
            <fieldset class="rating-reasons">
              <legend>{t("rateReason")}</legend>
              {reasonsForScore(score).map((code) => (
                <button
                  key={code}
                  type="button"
                  aria-pressed={reason === code}
                  class={reason === code ? "reason chosen" : "reason"}
                  onClick={() => setReason(reason === code ? null : code)}
                  data-testid={`reason-${code}`}
                >
                  {RATING_REASONS[code][lang.value]}
                </button>
              ))}
            </fieldset>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="rating-actions">
            <button type="button" class="primary big" disabled={score === null || busy} onClick={send} data-testid="rate-send">
              {busy ? t("working") : t("rateSend")}
            </button>
            <button type="button" class="secondary big" onClick={props.onDone} data-testid="rate-skip">
              {t("rateSkip")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
