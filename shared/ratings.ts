/**
 * Service ratings: after a ticket is served the citizen rates the service 1–5, on their phone or
 * on the counter-facing screen, with at most one reason picked from a fixed list. There is no
 * free text on purpose: people type names, phone numbers and ID numbers into comment boxes, and
 * this table must hold no personal data. Shared by the Worker (validation), the citizen and
 * counter pages (labels) and the manager's reports. No zod here (the request schema is in
 * shared/api-schemas.ts), so the citizen page can import it within its size budget.
 */
/** Why a citizen gave their score. Codes are stable (stored in D1); labels may change. */
export const RATING_REASONS = {
  fast: { vi: "Giải quyết nhanh", en: "Quick service", tone: "good" },
  friendly: { vi: "Cán bộ thân thiện, nhiệt tình", en: "Friendly, helpful staff", tone: "good" },
  clear_guidance: { vi: "Hướng dẫn rõ ràng", en: "Clear guidance", tone: "good" },
  long_wait: { vi: "Phải chờ lâu", en: "Long wait", tone: "bad" },
  slow_service: { vi: "Giải quyết chậm", en: "Slow service", tone: "bad" },
  unfriendly: { vi: "Thái độ chưa tốt", en: "Unfriendly staff", tone: "bad" },
  unclear_guidance: { vi: "Hướng dẫn chưa rõ", en: "Unclear guidance", tone: "bad" },
  documents_back_and_forth: { vi: "Phải bổ sung hồ sơ nhiều lần", en: "Had to bring documents more than once", tone: "bad" },
  facilities: { vi: "Cơ sở vật chất chưa tốt", en: "Poor facilities (seats, cleanliness)", tone: "bad" },
  other: { vi: "Lý do khác", en: "Other", tone: "any" },
} as const satisfies Record<string, { vi: string; en: string; tone: "good" | "bad" | "any" }>;

export type RatingReason = keyof typeof RATING_REASONS;
export const RATING_REASON_CODES = Object.keys(RATING_REASONS) as [RatingReason, ...RatingReason[]];

export const RATING_SCORES = [1, 2, 3, 4, 5] as const;

/** What each score means, for the buttons (and screen readers). */
export const RATING_SCORE_LABELS: Record<(typeof RATING_SCORES)[number], { vi: string; en: string }> = {
  1: { vi: "Rất không hài lòng", en: "Very dissatisfied" },
  2: { vi: "Không hài lòng", en: "Dissatisfied" },
  3: { vi: "Bình thường", en: "Neutral" },
  4: { vi: "Hài lòng", en: "Satisfied" },
  5: { vi: "Rất hài lòng", en: "Very satisfied" },
};

/** The reasons worth offering for a score: praise for 4–5, complaints for 1–2, all for 3. */
export function reasonsForScore(score: number): RatingReason[] {
  return RATING_REASON_CODES.filter((code) => {
    const tone: string = RATING_REASONS[code].tone;
    if (tone === "any" || score === 3) return true;
    return score >= 4 ? tone === "good" : tone === "bad";
  });
}

/** Where a rating was given. */
export type RatingSource = "citizen" | "counter";

/**
 * How long after service a counter-facing screen may still rate "the ticket just completed":
 * long enough for a citizen to tap, short enough that a forgotten screen cannot rate the ticket
 * of someone long gone.
 */
export const COUNTER_RATING_WINDOW_MS = 10 * 60_000;

/** What both routes answer. */
export interface RatingView {
  ticketId: string;
  label: string;
  score: number;
  reason: RatingReason | null;
  source: RatingSource;
  createdAt: number;
}

/** The reasons as a list in display order (for pages that map over them). */
export const RATING_REASON_LIST: ReadonlyArray<{ code: RatingReason; vi: string; en: string }> = RATING_REASON_CODES.map((code) => ({
  code,
  vi: RATING_REASONS[code].vi,
  en: RATING_REASONS[code].en,
}));
