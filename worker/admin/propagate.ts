/**
 * After a configuration write: make running branch-days use it now, not when caches expire.
 *
 * 1. This isolate's cached configuration (worker/config/day-plans.ts, 15 s) is dropped, so the
 *    next request here reads D1 again.
 * 2. The new plan is handed to the branch-day objects of the affected days (today and the
 *    bookable days ahead, or the one calendar date edited). A branch-day keeps the newest plan
 *    it was given (plans are versioned, see config-version.ts), so from that moment every
 *    request — including ones from other isolates whose cache still holds the old plan for up to
 *    15 s — is judged by the new caps, fields, counters and calendar inside the object. Only the
 *    Worker's own early refusals (field not offered, window closed) can lag in those isolates.
 *
 * A push that fails (object overloaded, a deploy) is logged, not reported as the write failing:
 * the write is in D1 and reaches the object with the next request from a refreshed isolate.
 */
import { now } from "../../shared/clock";
import { addDays, localDateOf } from "../../shared/time";
import { branchDay } from "../booking";
import { branchConfig, clearConfigCache, dayPlanFor } from "../config/day-plans";

/** Branch-day objects that adopted the new plan. */
export interface Propagation {
  days: number;
  failed: number;
}

async function pushDay(env: Env, branchId: string, date: string): Promise<boolean> {
  try {
    const plan = await dayPlanFor(env, branchId, date);
    if (!plan) return true;
    await branchDay(env, branchId, date).prepare(plan);
    return true;
  } catch (err) {
    console.error("config push failed", branchId, date, err instanceof Error ? err.message : String(err));
    return false;
  }
}

/**
 * Hands the fresh plan of `branchId` to its days from today to `extraDaysAhead` or the branch's
 * booking horizon, whichever is further (a horizon just shortened still has booked days).
 */
export async function propagateBranch(env: Env, branchId: string, extraDaysAhead = 0): Promise<Propagation> {
  clearConfigCache();
  const branch = await branchConfig(env, branchId);
  if (!branch) return { days: 0, failed: 0 };
  const today = localDateOf(now(), branch.timeZone);
  const horizon = Math.max(branch.bookingDaysAhead, extraDaysAhead);
  const dates = Array.from({ length: horizon + 1 }, (_, i) => addDays(today, i));
  const done = await Promise.all(dates.map((d) => pushDay(env, branch.id, d)));
  return { days: done.filter(Boolean).length, failed: done.filter((ok) => !ok).length };
}

/** A calendar date changed: every branch whose bookable days include it gets the new plan. */
export async function propagateCalendarDate(env: Env, branchIds: string[], date: string): Promise<Propagation> {
  clearConfigCache();
  const results = await Promise.all(
    branchIds.map(async (id) => {
      const branch = await branchConfig(env, id);
      if (!branch) return null;
      const today = localDateOf(now(), branch.timeZone);
      if (date < today || date > addDays(today, branch.bookingDaysAhead)) return null;
      return pushDay(env, id, date);
    }),
  );
  const pushed = results.filter((r): r is boolean => r !== null);
  return { days: pushed.filter(Boolean).length, failed: pushed.filter((ok) => !ok).length };
}
