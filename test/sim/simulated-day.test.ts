/**
 * A simulated service day (issue 7) for Hanoi's 12 branches, compressed: the service clock jumps
 * from event to event, so 08:00–17:00 plays in seconds. Arrivals with the 08:00 rush and a lunch
 * dip, numbers booked the day before, walk-ins and priority cases at reception, check-ins,
 * service times, no-shows, cancellations, transfers, citizens trying to exceed the limits, then
 * the end-of-day expiry and the history flush — all through the real Worker (HTTP), the
 * branch-day and citizen-ledger objects and D1 (sim/ is the model, test/sim/service-port.ts the
 * wiring).
 *
 * At the end: every ticket resolved, D1's history equal to the objects' state and to the
 * simulation's own ledger, no number issued twice, the per-citizen limits kept, and every report
 * (city by branch; each branch by field, hour, counter) equal to figures computed ticket by
 * ticket. CI runs a small day; `SIM_SCALE=full` (vitest.sim.config.ts) a full-size one.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportResponse } from "../../shared/report-schemas";
import { epochAt, VN_TIME_ZONE } from "../../shared/time";
import { extraBranchStatements, SIM_BRANCHES } from "../../sim/branches";
import { drawScenario, type DayScenario } from "../../sim/model";
import { runDay, type DayOutcome } from "../../sim/run";
import { clearConfigCache } from "../../worker/config/day-plans";
import { api, closeService, expectOk, openService } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";
import { adminBearer } from "../support/staff";
import { checkerContext, expectDayConsistent, expectReportMatches, type HistoryRow } from "./checks";
import { httpServicePort } from "./service-port";

declare const __SIM_SCALE__: string | undefined;
declare const __SIM_VISITS_PER_BRANCH__: number | undefined;
/** "small" in CI (every branch, a dozen citizens at branch 1); "full" (vitest.sim.config.ts): a real day's volumes. */
const SCALE = typeof __SIM_SCALE__ === "string" ? __SIM_SCALE__ : "small";
/** Visits per branch (branch 1 gets three times as many: it is the land-registration branch). */
const VISITS_PER_BRANCH = typeof __SIM_VISITS_PER_BRANCH__ === "number" ? __SIM_VISITS_PER_BRANCH__ : 4;

const DATE = "2026-11-24";
const DAY_BEFORE = "2026-11-23";
const midnightOf = (date: string) => epochAt(date, "00:00", VN_TIME_ZONE);
const ctx = checkerContext(SIM_BRANCHES);

let scenario: DayScenario;
let outcome: DayOutcome;
let history: HistoryRow[];

beforeAll(async () => {
  await openService(hanoi(DAY_BEFORE, "07:00"));
  await env.DB.batch(extraBranchStatements().map((s) => env.DB.prepare(s)));
  clearConfigCache();
  scenario = drawScenario({ date: DATE, dayBefore: DAY_BEFORE, branches: SIM_BRANCHES, visitsPerBranch: VISITS_PER_BRANCH, seed: 2026_11_24, midnightOf });
  const started = Date.now();
  outcome = await runDay(scenario, httpServicePort(), { midnight: midnightOf(DATE) });
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `simulated day (${SCALE}, ${VISITS_PER_BRANCH} visits per branch): ${SIM_BRANCHES.length} branches, ${scenario.visits.length} visits, ${outcome.tickets.length} tickets, ` +
      `${outcome.events} events in ${seconds.toFixed(1)} s (${((seconds * 1000) / outcome.events).toFixed(1)} ms per event); ms per event by kind: ` +
      Object.entries(outcome.msByKind)
        .map(([k, v]) => `${k} ${v.n}×${(v.ms / v.n).toFixed(0)}`)
        .join(", "),
  );
  history = await expectDayConsistent(DATE, SIM_BRANCHES, outcome);
}, SCALE === "full" ? 7_200_000 : 120_000);
afterAll(closeService);

describe(`a simulated day at 12 branches (${SCALE})`, () => {
  it("the day had its rush, its lunch dip and every kind of visit", () => {
    const byHour = new Map<number, number>();
    for (const t of outcome.tickets) {
      if (t.registeredAt < midnightOf(DATE)) continue;
      const h = ctx.localHourOf(t.registeredAt);
      byHour.set(h, (byHour.get(h) ?? 0) + 1);
    }
    expect(byHour.get(8) ?? 0, "08:00 is the busiest hour").toBe(Math.max(...byHour.values()));
    expect(new Set(outcome.tickets.map((t) => t.branchId)).size).toBe(12);
    const statuses = new Set(history.map((h) => h.status));
    for (const s of ["served", "no_show", "expired", "cancelled"]) expect(statuses, s).toContain(s);
    expect(history.some((h) => h.original_field_code !== null), "a transfer").toBe(true);
    expect(outcome.refusals.filter((r) => r.code.startsWith("citizen_")).length, "citizens beyond the limits were refused").toBeGreaterThan(0);
    expect(scenario.visits.some((v) => v.channel === "priority")).toBe(true);
  });

  it("every ticket is resolved and the history in D1 is the objects' state (checked in beforeAll, summarised here)", () => {
    expect(history.length).toBe(outcome.tickets.length);
    expect(history.every((h) => ["served", "no_show", "expired", "cancelled"].includes(h.status))).toBe(true);
  });

  it("the city's report by branch equals the figures computed ticket by ticket", async () => {
    const platform = (await asPlatform(idNumber(99_001))).headers;
    const city = reportResponse.parse(expectOk(await api("GET", `/api/v1/platform/reports?from=${DATE}&to=${DATE}&groupBy=branch`, { headers: platform })));
    expect(city.branchIds).toEqual(SIM_BRANCHES.map((b) => b.id).sort());
    expectReportMatches(city, outcome.tickets, "branch", ctx);
  });

  it("each branch's reports by field, hour and counter equal the figures computed ticket by ticket", async () => {
    const token = await adminBearer();
    for (const b of SIM_BRANCHES) {
      const mine = outcome.tickets.filter((t) => t.branchId === b.id);
      for (const groupBy of ["field", "hour", "counter"] as const) {
        const got = reportResponse.parse(expectOk(await api("GET", `/api/v1/staff/branches/${b.id}/reports?from=${DATE}&to=${DATE}&groupBy=${groupBy}`, { staff: token })));
        expectReportMatches(got, mine, groupBy, ctx);
      }
    }
  });
});
