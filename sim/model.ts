/**
 * What happens during a simulated service day, drawn from a seeded generator: who comes when,
 * for which field, by which channel, and how each visit goes (no-show, cancellation, transfer,
 * service time, rating). Pure data: `runDay` (run.ts) plays it against the real service.
 *
 * Arrivals follow the pilot's shape: a rush when booking opens at 08:00, a busy morning, a dip
 * at lunch (11:30–13:30), a quieter afternoon, nothing after 16:00 (booking closes).
 */
import type { DemoBranch } from "../seed/demo-center";
import type { PriorityGroup } from "../shared/ticket-vocabulary";
import { seededRng, type Rng } from "./rng";

const MINUTE_MS = 60_000;

/** Relative arrival intensity per half hour from 08:00 to 16:00 (16 slots). */
export const ARRIVAL_PROFILE = [10, 6, 5, 4.5, 4, 3.5, 2.5, 1.2, 1, 1.2, 2.5, 3, 3, 2.5, 2, 1.5] as const;

/** Share of each field in demand (land registration is most of it). */
const FIELD_WEIGHTS: Record<string, number> = { DATDAI: 70, TUPHAP: 10, KINHDOANH: 7, XAYDUNG: 6, NONGNGHIEP: 3, NOIVU: 2, YTE: 2 };
/** Median service minutes per field. */
const SERVICE_MEDIAN_MIN: Record<string, number> = { DATDAI: 7, TUPHAP: 5, KINHDOANH: 6, XAYDUNG: 8 };

export type VisitChannel = "online" | "advance" | "walk_in" | "priority";

export interface Visit {
  /** Unique per visit, in the order drawn. */
  no: number;
  /** Citizens are numbered; a citizen may make more than one visit (and meet the limits). */
  citizen: number;
  branchId: string;
  fieldCode: string;
  channel: VisitChannel;
  priority: PriorityGroup | null;
  /** When the number is taken (ms); for "advance", on the working day before. */
  bookAt: number;
  /** When the citizen is at the center (checks in at reception where that is needed). */
  arriveAt: number;
  /** Checks in at reception (always where the branch calls verified numbers only). */
  checksIn: boolean;
  /** Gives the number back at this time, if still waiting. */
  cancelAt: number | null;
  /** Does not come to the counter when called. */
  noShow: boolean;
  /** Never comes at all: not checked in (so never called where numbers must be checked in first). */
  absent: boolean;
  /** The clerk hands the ticket to this field half-way through. */
  transferTo: string | null;
  serviceMs: number;
  /** Rating 1–5 after service, or none. */
  rating: number | null;
  /** This visit is expected to be refused by the citizen limits (a third number, a second in a field). */
  overLimit: boolean;
}

export interface DayScenario {
  date: string;
  /** The working day before (advance bookings). */
  dayBefore: string;
  visits: Visit[];
  branches: readonly DemoBranch[];
}

export interface ScenarioOptions {
  date: string;
  dayBefore: string;
  branches: readonly DemoBranch[];
  /** Visits per branch on average (the first branch gets 3× its share: it is the busy one). */
  visitsPerBranch: number;
  seed: number;
  /** Numbers booked the working day before (default true); off for a day that follows another. */
  advanceBookings?: boolean;
  /** Numbers citizens from this one on (default 1). */
  firstCitizen?: number;
  /** Epoch ms at 00:00 local of a date (injected: no time-zone code here). */
  midnightOf: (date: string) => number;
}

function enabledFields(b: DemoBranch): string[] {
  return b.fields.filter((f) => f.enabled).map((f) => f.code);
}

function servedFieldsOf(b: DemoBranch): Set<string> {
  const offered = new Set(enabledFields(b));
  return new Set(b.counters.flatMap((c) => c.fieldCodes).filter((f) => offered.has(f)));
}

/** A time of day in the booking window, following the arrival profile. */
function arrivalMinute(rng: Rng): number {
  const slot = rng.weighted(ARRIVAL_PROFILE.map((w, i) => [i, w] as const));
  return 8 * 60 + slot * 30 + rng.next() * 30;
}

/** Draws the day. */
export function drawScenario(o: ScenarioOptions): DayScenario {
  const rng = seededRng(o.seed);
  const midnight = o.midnightOf(o.date);
  const midnightBefore = o.midnightOf(o.dayBefore);
  // Booking closes at 16:00: a citizen's later attempts that day stay inside the window.
  const lastBookable = midnight + (16 * 60 - 1) * MINUTE_MS;
  const visits: Visit[] = [];
  let citizen = (o.firstCitizen ?? 1) - 1;
  const advanceWeight = o.advanceBookings === false ? 0 : 12;
  for (const [bi, b] of o.branches.entries()) {
    const fields = [...servedFieldsOf(b)];
    const weights = fields.map((f) => [f, FIELD_WEIGHTS[f] ?? 2] as const);
    const count = Math.max(4, Math.round(o.visitsPerBranch * (bi === 0 ? 3 : 1)));
    for (let i = 0; i < count; i++) {
      const fieldCode = rng.weighted(weights);
      const channel = rng.weighted<VisitChannel>([["online", 62], ["advance", advanceWeight], ["walk_in", 18], ["priority", 8]]);
      const minute = arrivalMinute(rng);
      // Never later than 15:59 (events are rounded up to ticks, and booking closes at 16:00).
      const bookAt = channel === "advance" ? midnightBefore + Math.round((8 * 60 + rng.next() * 7.5 * 60) * MINUTE_MS) : Math.min(midnight + Math.round(minute * MINUTE_MS), lastBookable);
      // Online bookers come some time later; advance bookers through the morning; walk-ins are there.
      const arriveAt =
        channel === "online" ? bookAt + rng.int(10, 75) * MINUTE_MS : channel === "advance" ? midnight + Math.round(minute * MINUTE_MS) : bookAt;
      const walkIn = channel === "walk_in" || channel === "priority";
      const absent = !walkIn && rng.chance(0.06);
      const noShow = absent || (!walkIn && rng.chance(0.08));
      // Numbers booked ahead are given back more often (plans change overnight).
      const cancel = !walkIn && rng.chance(channel === "advance" ? 0.3 : 0.06);
      const others = fields.filter((f) => f !== fieldCode);
      const transferTo = !noShow && others.length > 0 && rng.chance(0.05) ? others[rng.int(0, others.length - 1)]! : null;
      const median = SERVICE_MEDIAN_MIN[fieldCode] ?? 5;
      const serviceMs = Math.round(Math.min(25, Math.max(1, rng.lognormal(median, 0.5))) * MINUTE_MS) + rng.int(0, 999);
      const v: Visit = {
        no: visits.length + 1,
        citizen: ++citizen,
        branchId: b.id,
        fieldCode,
        channel,
        priority: channel === "priority" ? rng.weighted<PriorityGroup>([["elderly", 6], ["disability", 2], ["pregnant", 1], ["merit", 1]]) : null,
        bookAt,
        arriveAt,
        checksIn: walkIn || absent ? false : b.callVerifiedOnly || rng.chance(0.2),
        cancelAt: cancel ? Math.min(bookAt + rng.int(5, 60) * MINUTE_MS, midnight + 16 * 60 * MINUTE_MS) : null,
        noShow,
        absent,
        transferTo,
        serviceMs,
        rating: rng.chance(0.6) ? rng.weighted([[5, 50], [4, 30], [3, 12], [2, 5], [1, 3]]) : null,
        overLimit: false,
      };
      visits.push(v);
      // Some citizens come back the same day for another field; a few try their luck beyond the limits.
      if (rng.chance(0.08) && others.length > 0 && channel === "online") {
        visits.push({ ...v, no: visits.length + 1, fieldCode: others[0]!, bookAt: Math.min(v.bookAt + 2 * MINUTE_MS, lastBookable), arriveAt: v.arriveAt + 3 * MINUTE_MS, cancelAt: null, transferTo: null, rating: null });
        if (rng.chance(0.5)) {
          const third = others[1] ?? fieldCode;
          visits.push({ ...v, no: visits.length + 1, fieldCode: third, bookAt: Math.min(v.bookAt + 4 * MINUTE_MS, lastBookable), arriveAt: v.arriveAt + 4 * MINUTE_MS, cancelAt: null, transferTo: null, rating: null, overLimit: true });
        }
      } else if (rng.chance(0.02) && channel === "online") {
        visits.push({ ...v, no: visits.length + 1, bookAt: Math.min(v.bookAt + MINUTE_MS, lastBookable), cancelAt: null, rating: null, overLimit: true });
      }
    }
  }
  guaranteeVariety(visits, o.branches);
  return { date: o.date, dayBefore: o.dayBefore, visits, branches: o.branches };
}

/**
 * However small the day, each way a visit can end happens at least once: a cancellation, a
 * transfer, and a citizen who never comes at a branch that calls checked-in numbers only (their
 * number expires at the end of the day). Chance decides everything else.
 */
function guaranteeVariety(visits: Visit[], branches: readonly DemoBranch[]): void {
  const verifiedOnly = new Set(branches.filter((b) => b.callVerifiedOnly).map((b) => b.id));
  const fieldsOf = new Map(branches.map((b) => [b.id, [...servedFieldsOf(b)]]));
  const plain = (v: Visit) => !v.overLimit && (v.channel === "online" || v.channel === "advance") && !visits.some((w) => w !== v && w.citizen === v.citizen);
  const atVerified = visits.filter((v) => plain(v) && verifiedOnly.has(v.branchId));
  const canceller = visits.find((v) => plain(v) && v.channel === "advance") ?? atVerified[0];
  if (canceller) {
    canceller.cancelAt = canceller.bookAt + 2 * MINUTE_MS;
    canceller.arriveAt = Math.max(canceller.arriveAt, canceller.bookAt + 10 * MINUTE_MS);
  }
  const absentee = atVerified.find((v) => v !== canceller);
  if (absentee) Object.assign(absentee, { absent: true, noShow: true, checksIn: false, cancelAt: null, transferTo: null, rating: null });
  const transferred = visits.find((v) => v !== canceller && v !== absentee && !v.noShow && !v.overLimit && (fieldsOf.get(v.branchId) ?? []).length > 1);
  if (transferred) {
    transferred.transferTo = fieldsOf.get(transferred.branchId)!.find((f) => f !== transferred.fieldCode)!;
    transferred.cancelAt = null;
  }
}
