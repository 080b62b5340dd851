/**
 * When a number can be taken for a branch and day. Written once: the branch-day object enforces
 * it atomically when issuing, the Worker uses it to describe availability without waking objects
 * for closed days.
 */
import type { BranchConfig, DayPlan } from "./branch-config";
import { isWorkingDay, nextWorkingDay, openingHoursOn } from "./calendar";
import type { CalendarOverride } from "./calendar";
import { refuse, type Outcome } from "./problems";
import { addDays, daysBetween, epochAt, localPartsOf, minutesOfHhmm } from "./time";

/** Booking window of one calendar day in local minutes, clipped to that day's opening hours. */
export function bookingWindowOn(
  date: string,
  branch: BranchConfig,
  calendar: readonly CalendarOverride[],
): { from: number; until: number } | null {
  const hours = openingHoursOn(date, branch.weeklyHours, calendar);
  if (!hours) return null;
  const from = Math.max(minutesOfHhmm(branch.bookingWindow.from), minutesOfHhmm(hours.opensAt));
  const until = Math.min(minutesOfHhmm(branch.bookingWindow.until), minutesOfHhmm(hours.closesAt));
  return from < until ? { from, until } : null;
}

function hhmmOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The instant booking next opens at or after `nowMs` (null when no opening within two months). */
export function nextBookingOpening(branch: BranchConfig, calendar: readonly CalendarOverride[], nowMs: number): number | null {
  const { date: today, minute } = localPartsOf(nowMs, branch.timeZone);
  const todayWindow = bookingWindowOn(today, branch, calendar);
  if (todayWindow && minute < todayWindow.from) return epochAt(today, hhmmOf(todayWindow.from), branch.timeZone);
  let day: string | null = today;
  for (let i = 0; i < 60 && day; i++) {
    day = nextWorkingDay(day, branch.weeklyHours, calendar);
    if (!day) return null;
    const window = bookingWindowOn(day, branch, calendar);
    if (window) return epochAt(day, hhmmOf(window.from), branch.timeZone);
  }
  return null;
}

/** The next working day after the plan's day: where a refused or expired citizen books again. */
export function nextWorkingDayAfter(plan: DayPlan): string | null {
  return nextWorkingDay(plan.date, plan.branch.weeklyHours, plan.calendar);
}

/**
 * May a number for `plan.date` be taken at `nowMs`? The day must be a working day, today or at
 * most `bookingDaysAhead` days ahead, and now must be inside today's booking window.
 */
export function checkBookingOpen(plan: DayPlan, nowMs: number): Outcome<object> {
  const { branch, date, calendar } = plan;
  const { date: today, minute } = localPartsOf(nowMs, branch.timeZone);
  if (date < today) return refuse("service_day_past", { nextWorkingDay: nextWorkingDay(today, branch.weeklyHours, calendar) });
  if (daysBetween(today, date) > branch.bookingDaysAhead) {
    return refuse("too_far_ahead", { lastBookableDay: addDays(today, branch.bookingDaysAhead) });
  }
  if (!isWorkingDay(date, branch.weeklyHours, calendar)) {
    return refuse("not_a_working_day", { nextWorkingDay: nextWorkingDayAfter(plan) });
  }
  const window = bookingWindowOn(today, branch, calendar);
  if (!window || minute < window.from || minute >= window.until) {
    const todayIsOver = date === today && window !== null && minute >= window.until;
    return refuse("booking_window_closed", {
      bookingOpensAt: nextBookingOpening(branch, calendar, nowMs),
      window: branch.bookingWindow,
      nextWorkingDay: todayIsOver ? nextWorkingDayAfter(plan) : null,
    });
  }
  return { ok: true };
}

/** When booking for the plan's day closes (end of that day's window), or null if it never opens. */
export function bookingClosesAt(plan: DayPlan): number | null {
  const window = bookingWindowOn(plan.date, plan.branch, plan.calendar);
  return window ? epochAt(plan.date, hhmmOf(window.until), plan.branch.timeZone) : null;
}

/** When the service day ends (closing time): numbers still waiting then expire. */
export function serviceDayEndsAt(plan: DayPlan): number | null {
  const hours = openingHoursOn(plan.date, plan.branch.weeklyHours, plan.calendar);
  return hours ? epochAt(plan.date, hours.closesAt, plan.branch.timeZone) : null;
}
