/**
 * The rating reasons and score words of shared/ratings.ts, for the citizen page.
 *
 * Why a copy: shared/ratings.ts also defines the request schema with zod, and importing it puts
 * the shared zod chunk (≈25 KB gzipped, growing with every page's schemas) into the citizen page,
 * leaving no margin in its 60 KB budget. The copy cannot drift silently: the `satisfies` clauses
 * make tsc fail when a code is added, removed or renamed there, and test-e2e/citizen.e2e.ts
 * compares the labels shown with RATING_REASON_LIST. Once the schema moves out of
 * shared/ratings.ts this file should re-export from it instead.
 */
import type { RatingReason, RATING_SCORE_LABELS as SharedScoreLabels } from "@shared/ratings";

type Tone = "good" | "bad" | "any";

const REASONS = {
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
} as const satisfies Record<RatingReason, { vi: string; en: string; tone: Tone }>;
// Every code here exists there too (no extra keys):
const _noExtra: Record<keyof typeof REASONS, true> = {} as Record<RatingReason, true>;
void _noExtra;

export const RATING_REASONS: ReadonlyArray<{ code: RatingReason; vi: string; en: string }> = (Object.keys(REASONS) as RatingReason[]).map((code) => ({
  code,
  vi: REASONS[code].vi,
  en: REASONS[code].en,
}));

export const RATING_SCORE_LABELS = {
  1: { vi: "Rất không hài lòng", en: "Very dissatisfied" },
  2: { vi: "Không hài lòng", en: "Dissatisfied" },
  3: { vi: "Bình thường", en: "Neutral" },
  4: { vi: "Hài lòng", en: "Satisfied" },
  5: { vi: "Rất hài lòng", en: "Very satisfied" },
} as const satisfies typeof SharedScoreLabels;

/** As shared/ratings.ts reasonsForScore: praise for 4–5, complaints for 1–2, all for 3. */
export function reasonsForScore(score: number): RatingReason[] {
  return (Object.keys(REASONS) as RatingReason[]).filter((code) => {
    const tone: Tone = REASONS[code].tone;
    if (tone === "any" || score === 3) return true;
    return score >= 4 ? tone === "good" : tone === "bad";
  });
}
