/** A seeded demo center and a frozen service clock, for tests that use the real objects and D1. */
import { env } from "cloudflare:test";
import { testClock } from "../../shared/clock";
import type { DayPlan } from "../../shared/branch-config";
import { demoSeedStatements } from "../../seed/demo-center";
import { clearConfigCache, dayPlanFor } from "../../worker/config/day-plans";
import { citizenIdentity, type CitizenIdentity } from "../../worker/identity/citizen-key";
import { hanoi, idNumber } from "./plans";

export async function seedDemoCenter(): Promise<void> {
  await env.DB.batch(demoSeedStatements().map((s) => env.DB.prepare(s)));
  clearConfigCache();
}

/** Freezes the service clock at a Hanoi wall-clock time. */
export function freezeAt(date: string, hhmm: string): number {
  const at = hanoi(date, hhmm);
  testClock.set(at);
  return at;
}

export async function demoPlan(branchId: string, date: string, patch?: (plan: DayPlan) => DayPlan): Promise<DayPlan> {
  const plan = await dayPlanFor(env, branchId, date);
  if (!plan) throw new Error(`no demo branch ${branchId}`);
  return patch ? patch(plan) : plan;
}

/** A plan with some fields' caps changed (and a higher version, as an admin edit would give). */
export function withCaps(plan: DayPlan, caps: Record<string, number>): DayPlan {
  const fields = plan.branch.fields.map((f) => (f.code in caps ? { ...f, dailyCap: caps[f.code]! } : f));
  return { ...plan, branch: { ...plan.branch, fields }, version: plan.version + 1 };
}

export function citizen(n: number): Promise<CitizenIdentity> {
  return citizenIdentity(env, idNumber(n));
}
