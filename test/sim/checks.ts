/** What a simulated day must satisfy, for the report tests and the simulated-day test alike. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { DemoBranch } from "../../seed/demo-center";
import type { ReportResponse } from "../../shared/report-schemas";
import { epochAt, localMinuteOf, VN_TIME_ZONE } from "../../shared/time";
import { expectedReport, type CheckerContext, type GroupBy } from "../../sim/expected";
import type { DayOutcome, SimTicket } from "../../sim/run";
import { branchDay } from "../../worker/booking";

export function checkerContext(branches: readonly DemoBranch[]): CheckerContext {
  const byId = new Map(branches.map((b) => [b.id, b]));
  return {
    dayStartOf: (branchId, date) => epochAt(date, byId.get(branchId)!.bookingFrom, byId.get(branchId)!.timeZone),
    localHourOf: (ms) => Math.floor(localMinuteOf(ms, VN_TIME_ZONE) / 60),
  };
}

/** The report's rows and total equal the figures computed ticket by ticket from the ledger. */
export function expectReportMatches(report: ReportResponse, tickets: SimTicket[], groupBy: GroupBy, ctx: CheckerContext): void {
  const expected = expectedReport(tickets, groupBy, ctx);
  const got = new Map(report.rows.map(({ key, name: _name, ...figures }) => [key, figures]));
  expect(new Set(got.keys()), `groups by ${groupBy}`).toEqual(new Set(expected.rows.keys()));
  for (const [key, figures] of expected.rows) expect(got.get(key), `${groupBy} ${key}`).toEqual(figures);
  expect(report.total, `total by ${groupBy}`).toEqual(expected.total);
}

export interface HistoryRow {
  id: string;
  branch_id: string;
  service_date: string;
  seq: number;
  field_code: string;
  original_field_code: string | null;
  label: string;
  citizen_key: string;
  status: string;
  registered_at: number;
  arrived_at: number | null;
  called_at: number | null;
  counter_number: number | null;
  started_at: number | null;
  ended_at: number | null;
}

export async function historyOf(date: string): Promise<HistoryRow[]> {
  return (await env.DB.prepare("SELECT * FROM ticket_history WHERE service_date = ? ORDER BY branch_id, seq").bind(date).all<HistoryRow>()).results;
}

/**
 * After the day: every ticket resolved, D1's history equal to each branch-day's state and to
 * the simulation's ledger, no number issued twice, the per-citizen limits kept.
 */
export async function expectDayConsistent(date: string, branches: readonly DemoBranch[], outcome: DayOutcome): Promise<HistoryRow[]> {
  const branchIds = branches.map((b) => b.id);
  const history = await historyOf(date);
  expect(outcome.surprises, "counter commands refused unexpectedly").toEqual([]);

  // Every ticket resolved.
  const open = history.filter((h) => !["served", "no_show", "expired", "cancelled"].includes(h.status));
  expect(open.map((h) => `${h.id} ${h.status}`)).toEqual([]);

  // D1 equals the objects' state, branch by branch, ticket by ticket.
  for (const b of branchIds) {
    const state = await branchDay(env, b, date).tickets();
    const rows = history.filter((h) => h.branch_id === b);
    expect(
      rows.map((h) => [h.id, h.label, h.status, h.field_code, h.original_field_code, h.registered_at, h.arrived_at, h.called_at, h.counter_number, h.ended_at]),
      `history of ${b}`,
    ).toEqual(state.map((t) => [t.id, t.label, t.status, t.fieldCode, t.originalFieldCode, t.registeredAt, t.arrivedAt, t.calledAt, t.counterNumber, t.endedAt]));
    // No number issued twice; registration order without gaps.
    expect(new Set(rows.map((h) => h.label)).size, `labels of ${b}`).toBe(rows.length);
    expect(rows.map((h) => h.seq)).toEqual(rows.map((_, i) => i + 1));
  }

  // D1 equals the simulation's own ledger (its own clock times, including service start).
  const ledger = new Map(outcome.tickets.map((t) => [t.id, t]));
  expect(history.length).toBe(outcome.tickets.length);
  for (const h of history) {
    const t = ledger.get(h.id);
    expect(t, h.id).toBeDefined();
    expect([h.status, h.field_code, h.registered_at, h.arrived_at, h.called_at, h.counter_number, h.started_at], h.id).toEqual([
      t!.status,
      t!.fieldCode,
      t!.registeredAt,
      t!.arrivedAt,
      t!.calledAt,
      t!.counterNumber,
      t!.startedAt,
    ]);
  }

  // Per citizen and day: at most 2 numbers held, at most 1 per field (a cancelled one is given back).
  const held = new Map<string, string[]>();
  for (const h of history) if (h.status !== "cancelled") (held.get(h.citizen_key) ?? held.set(h.citizen_key, []).get(h.citizen_key)!).push(h.original_field_code ?? h.field_code);
  for (const [key, fields] of held) {
    expect(fields.length, `numbers of ${key.slice(0, 8)}…`).toBeLessThanOrEqual(2);
    expect(new Set(fields).size, `fields of ${key.slice(0, 8)}…`).toBe(fields.length);
  }
  // Each booking was decided by what was held at that moment: a number was issued only within
  // the limits and the cap, and every refusal names a limit or cap that was really reached.
  const fieldOf = (t: SimTicket) => t.originalFieldCode ?? t.fieldCode;
  const heldAt = (at: number, keep: (t: SimTicket) => boolean) =>
    outcome.tickets.filter((t) => keep(t) && t.registeredAt <= at && !(t.status === "cancelled" && t.endedAt! <= at));
  const capOf = (branchId: string, field: string) => branches.find((b) => b.id === branchId)!.fields.find((f) => f.code === field)!.dailyCap;
  for (const t of outcome.tickets) {
    const before = heldAt(t.registeredAt, (o) => o.citizen === t.citizen && o.id !== t.id && o.registeredAt < t.registeredAt);
    expect(before.length, `${t.id}: numbers the citizen already held`).toBeLessThan(2);
    expect(before.map(fieldOf), `${t.id}: fields the citizen already held`).not.toContain(fieldOf(t));
  }
  for (const r of outcome.refusals) {
    const why = `visit ${r.visit.no} refused: ${r.code}`;
    const held = heldAt(r.at, (t) => t.citizen === r.visit.citizen);
    if (r.code === "citizen_daily_limit") expect(held.length, why).toBeGreaterThanOrEqual(2);
    else if (r.code === "citizen_field_limit") expect(held.map(fieldOf), why).toContain(r.visit.fieldCode);
    else if (r.code === "field_cap_reached") {
      const inField = (t: SimTicket) => t.branchId === r.visit.branchId && fieldOf(t) === r.visit.fieldCode;
      const used = heldAt(r.at, inField).length;
      // A number given back in the same tick may have been given back just after this attempt.
      const givenBackThen = outcome.tickets.filter((t) => inField(t) && t.status === "cancelled" && t.endedAt === r.at).length;
      expect(used + givenBackThen, why).toBeGreaterThanOrEqual(capOf(r.visit.branchId, r.visit.fieldCode));
    } else expect.fail(why);
  }
  // The caps are exact: never more numbers held in a field than its cap.
  for (const b of branches) {
    for (const f of b.fields) {
      const held = outcome.tickets.filter((t) => t.branchId === b.id && fieldOf(t) === f.code && t.status !== "cancelled").length;
      expect(held, `${b.id} ${f.code}`).toBeLessThanOrEqual(f.dailyCap);
    }
  }
  // Attempts drawn to exceed the limits never got a number beyond them.
  const overLimitIssued = outcome.tickets.filter((t) => scenarioVisit(outcome, t)?.overLimit);
  for (const t of overLimitIssued) {
    const earlier = outcome.refusals.filter((r) => r.visit.citizen === t.citizen && !r.visit.overLimit);
    expect(earlier.length, `${t.id}: an attempt drawn to exceed the limits got a number although none of the citizen's earlier attempts was refused`).toBeGreaterThan(0);
  }
  return history;
}

function scenarioVisit(outcome: DayOutcome, t: SimTicket) {
  return outcome.visits.get(t.visitNo);
}
