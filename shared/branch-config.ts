/**
 * The configuration of one branch as the queue engine needs it: built from D1 by the Worker,
 * handed to the branch-day object, and read by pure rules. Plain data only (it crosses RPC).
 */
import type { CalendarOverride } from "./calendar";

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Local wall-clock times "HH:MM" (24 h) in the branch's time zone. */
export interface OpeningHours {
  opensAt: string;
  closesAt: string;
}

/** How a field's numbers are written: "A001" (prefix) or 1001, 1002 … (block). */
export type NumberSeries =
  | { kind: "prefix"; prefix: string; digits: number }
  | { kind: "block"; start: number };

/** A service field as offered by one branch, with that branch's daily cap. */
export interface FieldOffer {
  code: string;
  nameVi: string;
  nameEn: string;
  series: NumberSeries;
  dailyCap: number;
}

export interface CounterConfig {
  number: number;
  fieldCodes: string[];
}

export interface BranchConfig {
  id: string;
  name: string;
  address: string;
  resultsAddress: string | null;
  timeZone: string;
  /** Opening hours per ISO weekday; a missing weekday is closed. */
  weeklyHours: Partial<Record<Weekday, OpeningHours>>;
  /** When numbers can be taken on a working day (default 08:00–16:00), clipped to opening hours. */
  bookingWindow: { from: string; until: string };
  /** How many calendar days after today can be booked (iHanoi: 6 since Oct 2025). */
  bookingDaysAhead: number;
  /** When true, counters call only tickets that reception marked arrived and verified. */
  callVerifiedOnly: boolean;
  fields: FieldOffer[];
  counters: CounterConfig[];
  /** Monotonic version of the branch's configuration (max updated-at of its rows, ms). */
  version: number;
}

/** Everything the branch-day object needs to apply the rules for one service day. */
export interface DayPlan {
  branch: BranchConfig;
  /** The service day, "YYYY-MM-DD" in the branch's time zone. */
  date: string;
  /** Holidays and extra working days (at least from a week before to two months after `date`). */
  calendar: CalendarOverride[];
  /** max(branch.version, calendar version): a branch-day keeps the newest plan it was given. */
  version: number;
}
