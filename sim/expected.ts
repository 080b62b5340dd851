/**
 * The independent checker: a report's figures computed the plain way, ticket by ticket, from
 * the simulation's own ledger (run.ts). Deliberately shares no code with worker/reports (which
 * counts and ranks in SQL): the two must agree on the definitions of shared/report-schemas.ts.
 */
import type { SimTicket } from "./run";

export type GroupBy = "branch" | "field" | "hour" | "counter" | "day";

export interface ExpectedFigures {
  issued: number;
  served: number;
  noShow: number;
  expired: number;
  cancelled: number;
  unresolved: number;
  waitMs: { count: number; p50: number | null; p90: number | null };
  serviceMs: { count: number; p50: number | null; p90: number | null };
  busyMs: number;
  ratings: { count: number; average: number | null };
}

export interface CheckerContext {
  /** When booking opens on the ticket's service day at its branch (epoch ms). */
  dayStartOf(branchId: string, serviceDate: string): number;
  /** Local hour (0–23) of an instant. */
  localHourOf(ms: number): number;
}

/** Nearest-rank percentile: the value at rank ⌈p·n/100⌉ of the sorted values. */
export function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
}

export function waitStartOf(t: SimTicket, ctx: CheckerContext): number {
  return t.arrivedAt ?? Math.max(t.registeredAt, ctx.dayStartOf(t.branchId, t.serviceDate));
}

export function groupKeyOf(t: SimTicket, groupBy: GroupBy, ctx: CheckerContext): string | null {
  switch (groupBy) {
    case "branch":
      return t.branchId;
    case "field":
      return t.fieldCode;
    case "day":
      return t.serviceDate;
    case "counter":
      return t.counterNumber === null ? null : String(t.counterNumber);
    case "hour":
      return `${String(ctx.localHourOf(waitStartOf(t, ctx))).padStart(2, "0")}:00`;
  }
}

export function figuresOf(tickets: SimTicket[], ctx: CheckerContext): ExpectedFigures {
  const waits: number[] = [];
  const services: number[] = [];
  const ratings: number[] = [];
  const f = { issued: 0, served: 0, noShow: 0, expired: 0, cancelled: 0, unresolved: 0 };
  for (const t of tickets) {
    f.issued++;
    if (t.status === "served") f.served++;
    else if (t.status === "no_show") f.noShow++;
    else if (t.status === "expired") f.expired++;
    else if (t.status === "cancelled") f.cancelled++;
    else f.unresolved++;
    if (t.calledAt !== null) waits.push(Math.max(0, t.calledAt - waitStartOf(t, ctx)));
    if (t.status === "served" && t.startedAt !== null && t.endedAt !== null && t.endedAt >= t.startedAt) services.push(t.endedAt - t.startedAt);
    if (t.rating !== null) ratings.push(t.rating);
  }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    ...f,
    waitMs: { count: waits.length, p50: nearestRank(waits, 50), p90: nearestRank(waits, 90) },
    serviceMs: { count: services.length, p50: nearestRank(services, 50), p90: nearestRank(services, 90) },
    busyMs: sum(services),
    ratings: { count: ratings.length, average: ratings.length === 0 ? null : Math.round((sum(ratings) / ratings.length) * 100) / 100 },
  };
}

/** Rows by key (only groups that have tickets) and the total. */
export function expectedReport(tickets: SimTicket[], groupBy: GroupBy, ctx: CheckerContext): { rows: Map<string | null, ExpectedFigures>; total: ExpectedFigures } {
  const groups = new Map<string | null, SimTicket[]>();
  for (const t of tickets) {
    const k = groupKeyOf(t, groupBy, ctx);
    const list = groups.get(k);
    if (list) list.push(t);
    else groups.set(k, [t]);
  }
  const rows = new Map<string | null, ExpectedFigures>();
  for (const [k, list] of groups) rows.set(k, figuresOf(list, ctx));
  return { rows, total: figuresOf(tickets, ctx) };
}
