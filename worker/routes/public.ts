/**
 * Public reading: branches, their fields and hours, and each bookable day's availability.
 * Closed days are described from the calendar alone; only working days wake their branch-day.
 */
import { Hono } from "hono";
import { branchIdSchema, isoDateSchema } from "../../shared/api-schemas";
import { checkBookingOpen, nextWorkingDayAfter } from "../../shared/booking-rules";
import type { BranchConfig, DayPlan } from "../../shared/branch-config";
import { isWorkingDay } from "../../shared/calendar";
import { now } from "../../shared/clock";
import { addDays, localDateOf } from "../../shared/time";
import { branchDay } from "../booking";
import { branchConfig, dayPlanFor } from "../config/day-plans";
import { listBranches } from "../db/config-store";
import { validate } from "../http/body";
import { ProblemError } from "../http/problem";

export const publicRoutes = new Hono<{ Bindings: Env }>();

export function todayAt(branch: BranchConfig): string {
  return localDateOf(now(), branch.timeZone);
}

export async function requireBranch(env: Env, rawId: string): Promise<BranchConfig> {
  const id = validate(branchIdSchema, rawId);
  const branch = await branchConfig(env, id);
  if (!branch) throw new ProblemError("branch_not_found");
  return branch;
}

/**
 * Service days the API plans for. Fix: any well-formed ISO date used to be planned, and at the
 * ends of the range (0001-01-xx, 9999-10-01 on) the calendar window read around the day left
 * years 0001–9999 and threw (500 internal); days after 2189 also made the branch-day arm an
 * alarm the runtime refuses. No real service day is outside this century: an input error.
 */
const PLANNABLE_DATES = { from: "2000-01-01", until: "2099-12-31" } as const;

export async function requirePlan(env: Env, branchId: string, date: string): Promise<DayPlan> {
  if (date < PLANNABLE_DATES.from || date > PLANNABLE_DATES.until) {
    throw new ProblemError("invalid_request", {
      errors: [{ path: "date", message: `date: from ${PLANNABLE_DATES.from} to ${PLANNABLE_DATES.until}` }],
    });
  }
  const plan = await dayPlanFor(env, branchId, date);
  if (!plan) throw new ProblemError("branch_not_found");
  return plan;
}

function publicBranch(b: BranchConfig) {
  return {
    id: b.id,
    name: b.name,
    address: b.address,
    resultsAddress: b.resultsAddress,
    timeZone: b.timeZone,
    weeklyHours: b.weeklyHours,
    bookingWindow: b.bookingWindow,
    bookingDaysAhead: b.bookingDaysAhead,
    fields: b.fields.map((f) => ({ code: f.code, nameVi: f.nameVi, nameEn: f.nameEn, dailyCap: f.dailyCap })),
    counters: b.counters.map((c) => ({ number: c.number, fieldCodes: c.fieldCodes })),
  };
}

/** One day as a citizen choosing when to come sees it. */
async function dayAvailability(env: Env, plan: DayPlan) {
  const open = checkBookingOpen(plan, now());
  const working = isWorkingDay(plan.date, plan.branch.weeklyHours, plan.calendar);
  const base = {
    date: plan.date,
    working,
    bookable: open.ok,
    refusal: open.ok ? null : { code: open.code, ...open.facts },
    nextWorkingDay: nextWorkingDayAfter(plan),
  };
  // Only today and the bookable days wake their branch-day; other days are described from the
  // calendar and configuration alone.
  const today = localDateOf(now(), plan.branch.timeZone);
  const bookableDay = plan.date >= today && plan.date <= addDays(today, plan.branch.bookingDaysAhead);
  if (!working || !bookableDay) return { ...base, fields: [] };
  const overview = await branchDay(env, plan.branch.id, plan.date).overview(plan);
  return {
    ...base,
    fields: overview.fields.map((f) => ({
      code: f.code,
      nameVi: f.nameVi,
      nameEn: f.nameEn,
      dailyCap: f.dailyCap,
      remaining: f.remaining,
      waiting: f.waiting,
      nowServing: f.nowServing,
    })),
  };
}

publicRoutes.get("/branches", async (c) => {
  return c.json({ branches: await listBranches(c.env.DB) });
});

publicRoutes.get("/branches/:branchId", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  return c.json({ branch: publicBranch(branch), today: todayAt(branch) });
});

/** Today and every day booking is open for, with capacity left per field. */
publicRoutes.get("/branches/:branchId/days", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const today = todayAt(branch);
  const dates = Array.from({ length: branch.bookingDaysAhead + 1 }, (_, i) => addDays(today, i));
  const days = await Promise.all(dates.map(async (d) => dayAvailability(c.env, await requirePlan(c.env, branch.id, d))));
  return c.json({ branchId: branch.id, today, days });
});

publicRoutes.get("/branches/:branchId/days/:date", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const date = validate(isoDateSchema, c.req.param("date"));
  return c.json(await dayAvailability(c.env, await requirePlan(c.env, branch.id, date)));
});
