/**
 * Working days of a branch: its weekly opening hours, corrected by a table of holidays and
 * swapped ("extra") working days. The table is data, editable by an administrator, because the
 * government publishes each year's civil-servant schedule (with swaps) rather than a formula.
 */
import type { OpeningHours, Weekday } from "./branch-config";
import { addDays, type IsoDate, weekdayOf } from "./time";

/** A dated exception to the weekly hours: a holiday closes an open day, a working day opens a closed one. */
export interface CalendarOverride {
  date: IsoDate;
  kind: "holiday" | "working_day";
  nameVi: string;
  nameEn: string;
}

type WeeklyHours = Partial<Record<Weekday, OpeningHours>>;

// These functions run on the booking hot path, often many times over the same override list
// (nextWorkingDay alone checks up to 60 days), so index each list once by date. The WeakMap
// lets a list and its index be collected together. The stored length is a cheap guard against
// a list that was appended to after indexing; lists are otherwise treated as immutable.
const indexes = new WeakMap<readonly CalendarOverride[], { length: number; byDate: Map<IsoDate, CalendarOverride> }>();

function overrideOn(date: IsoDate, overrides: readonly CalendarOverride[]): CalendarOverride | undefined {
  if (overrides.length === 0) return undefined;
  let index = indexes.get(overrides);
  if (index === undefined || index.length !== overrides.length) {
    const byDate = new Map<IsoDate, CalendarOverride>();
    for (const o of overrides) {
      // If a date is listed both ways, the holiday wins: wrongly opening a closed day would
      // hand out numbers nobody can serve, while wrongly closing one only delays a booking.
      const existing = byDate.get(o.date);
      if (existing === undefined || o.kind === "holiday") byDate.set(o.date, o);
    }
    index = { length: overrides.length, byDate };
    indexes.set(overrides, index);
  }
  return index.byDate.get(date);
}

// Monday first: it is the preferred stand-in for a swapped working day.
const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];

/** The branch's opening hours on `date` after holidays and swapped working days, or null when closed. */
export function openingHoursOn(
  date: IsoDate,
  weeklyHours: WeeklyHours,
  overrides: readonly CalendarOverride[],
): OpeningHours | null {
  const override = overrideOn(date, overrides);
  if (override?.kind === "holiday") return null;
  if (override?.kind === "working_day") {
    // A swapped day (e.g. Saturday 22 Aug 2026 worked in place of Monday 31 Aug) replaces a
    // full weekday, so it opens with Monday's hours (the standard full working day) even at a
    // branch that normally opens that Saturday only in the morning; failing Monday, the first
    // weekday the branch does open.
    for (const d of WEEKDAYS) {
      const h = weeklyHours[d];
      if (h !== undefined) return h;
    }
    return null;
  }
  return weeklyHours[weekdayOf(date)] ?? null;
}

/** True when the branch is open at some time on `date`. */
export function isWorkingDay(
  date: IsoDate,
  weeklyHours: WeeklyHours,
  overrides: readonly CalendarOverride[],
): boolean {
  return openingHoursOn(date, weeklyHours, overrides) !== null;
}

/** The first working day strictly after `after`, looking at most `searchDays` days ahead; null if none. */
export function nextWorkingDay(
  after: IsoDate,
  weeklyHours: WeeklyHours,
  overrides: readonly CalendarOverride[],
  searchDays = 60,
): IsoDate | null {
  for (let i = 1; i <= searchDays; i++) {
    const d = addDays(after, i);
    if (isWorkingDay(d, weeklyHours, overrides)) return d;
  }
  return null;
}

function holiday(date: IsoDate, nameVi: string, nameEn: string): CalendarOverride {
  return { date, kind: "holiday", nameVi, nameEn };
}

const TET_VI = "Tết Nguyên đán";
const TET_EN = "Lunar New Year (Tết)";
const NATIONAL_VI = "Quốc khánh";
const NATIONAL_EN = "National Day";

/**
 * The 2026 schedule for civil servants. Every day of each break that falls Monday–Saturday is
 * listed, since some branches open Saturday mornings; Sundays are closed anyway and need no entry.
 */
export const VN_CALENDAR_2026: readonly CalendarOverride[] = Object.freeze(
  ([
    holiday("2026-01-01", "Tết Dương lịch", "New Year's Day"),
    // Tết break Sat 14 – Sun 22 Feb 2026 (Tết itself is Tue 17 Feb).
    holiday("2026-02-14", TET_VI, TET_EN),
    holiday("2026-02-16", TET_VI, TET_EN),
    holiday("2026-02-17", TET_VI, TET_EN),
    holiday("2026-02-18", TET_VI, TET_EN),
    holiday("2026-02-19", TET_VI, TET_EN),
    holiday("2026-02-20", TET_VI, TET_EN),
    holiday("2026-02-21", TET_VI, TET_EN),
    // 10/3 lunar is Sunday 26 Apr 2026; the Labor Code moves a holiday on a weekly day off to
    // the next working day.
    holiday(
      "2026-04-27",
      "Giỗ Tổ Hùng Vương (nghỉ bù cho Chủ nhật 26/4)",
      "Hùng Kings' Commemoration (in lieu of Sunday 26 Apr)",
    ),
    holiday("2026-04-30", "Ngày Giải phóng miền Nam, thống nhất đất nước", "Reunification Day"),
    holiday("2026-05-01", "Ngày Quốc tế Lao động", "International Labour Day"),
    {
      date: "2026-08-22",
      kind: "working_day",
      nameVi: "Làm bù cho thứ Hai 31/8",
      nameEn: "Worked in place of Monday 31 Aug",
    },
    // National Day break Sat 29 Aug – Wed 2 Sep 2026.
    holiday("2026-08-29", NATIONAL_VI, NATIONAL_EN),
    holiday("2026-08-31", NATIONAL_VI, NATIONAL_EN),
    holiday("2026-09-01", NATIONAL_VI, NATIONAL_EN),
    holiday("2026-09-02", NATIONAL_VI, NATIONAL_EN),
  ] satisfies CalendarOverride[]).map((o): CalendarOverride => Object.freeze(o)),
);
