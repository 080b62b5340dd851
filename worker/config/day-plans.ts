/**
 * Branch configuration for the hot path. D1 is read at most once per branch per
 * CONFIG_CACHE_TTL_MS per isolate; the branch-day object is handed the plan with each call and
 * keeps the newest version it has seen, so admin edits reach running days within the TTL.
 */
import type { BranchConfig, DayPlan } from "../../shared/branch-config";
import type { CalendarOverride } from "../../shared/calendar";
import { addDays } from "../../shared/time";
import { loadBranchConfig, loadCalendar } from "../db/config-store";

const CONFIG_CACHE_TTL_MS = 15_000;
/** Calendar rows around a day that the rules may consult (next working day after long breaks). */
const CALENDAR_DAYS_BEFORE = 14;
const CALENDAR_DAYS_AFTER = 90;

type Cached<T> = { loadedAtMs: number; value: Promise<T> };
const branchCache = new Map<string, Cached<BranchConfig | null>>();
const calendarCache = new Map<string, Cached<{ overrides: CalendarOverride[]; version: number }>>();

function cached<T>(cache: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
  // Real time, not the service clock: a frozen test clock must not freeze the cache.
  const nowMs = Date.now();
  const hit = cache.get(key);
  if (hit && nowMs - hit.loadedAtMs < CONFIG_CACHE_TTL_MS) return hit.value;
  const value = load();
  cache.set(key, { loadedAtMs: nowMs, value });
  value.catch(() => cache.delete(key));
  return value;
}

/** Forget cached configuration (tests, and admin writes in this isolate). */
export function clearConfigCache(): void {
  branchCache.clear();
  calendarCache.clear();
}

export function branchConfig(env: Env, branchId: string): Promise<BranchConfig | null> {
  return cached(branchCache, branchId, () => loadBranchConfig(env.DB, branchId));
}

/** The calendar for a day's rules; one cached window per month keeps the cache small. */
function calendarAround(env: Env, date: string) {
  const month = date.slice(0, 7);
  return cached(calendarCache, month, () =>
    loadCalendar(env.DB, addDays(`${month}-01`, -CALENDAR_DAYS_BEFORE), addDays(`${month}-01`, 31 + CALENDAR_DAYS_AFTER)),
  );
}

/** Everything a branch-day needs to apply the rules, or null for an unknown branch. */
export async function dayPlanFor(env: Env, branchId: string, date: string): Promise<DayPlan | null> {
  const [branch, calendar] = await Promise.all([branchConfig(env, branchId), calendarAround(env, date)]);
  if (!branch) return null;
  return { branch, date, calendar: calendar.overrides, version: Math.max(branch.version, calendar.version) };
}
