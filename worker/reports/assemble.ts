/**
 * From the grouped reads to the report's shape: pure, no I/O. Totals of counts are sums of the
 * rows (every ticket is in exactly one row); total percentiles come from SQLite over all tickets
 * (a percentile of percentiles would be wrong).
 */
import type { DurationStats, ReportFigures, ReportGroupBy, ReportResponse, ReportRow } from "../../shared/report-schemas";
import type { CountRow, FieldName, PercentileRow, ReportBranch, ReportReads } from "./query";

const NO_DURATIONS: DurationStats = { count: 0, p50: null, p90: null };

function keyOf(k: string | number | null): string | null {
  return k === null ? null : String(k);
}

/** Average of ratings to 2 decimals; null without ratings. */
export function ratingAverage(sum: number, count: number): number | null {
  return count === 0 ? null : Math.round((sum / count) * 100) / 100;
}

function figuresOf(c: CountRow, wait: DurationStats, service: DurationStats): ReportFigures {
  const issued = c.issued;
  const served = c.served ?? 0;
  const noShow = c.no_show ?? 0;
  const expired = c.expired ?? 0;
  const cancelled = c.cancelled ?? 0;
  return {
    issued,
    served,
    noShow,
    expired,
    cancelled,
    unresolved: issued - served - noShow - expired - cancelled,
    waitMs: wait,
    serviceMs: service,
    busyMs: c.busy_ms ?? 0,
    ratings: { count: c.rating_count, average: ratingAverage(c.rating_sum ?? 0, c.rating_count) },
  };
}

function statsOf(p: PercentileRow | undefined): DurationStats {
  return p ? { count: p.n, p50: p.p50, p90: p.p90 } : NO_DURATIONS;
}

/** Row order a chart wants: fields as the center lists them, times and numbers ascending. */
function compareRows(groupBy: ReportGroupBy, fieldOrder: Map<string, number>): (a: ReportRow, b: ReportRow) => number {
  return (a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
    if (groupBy === "counter") return Number(a.key) - Number(b.key);
    if (groupBy === "field") {
      const d = (fieldOrder.get(a.key) ?? Infinity) - (fieldOrder.get(b.key) ?? Infinity);
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
}

export interface AssembleArgs {
  reads: ReportReads;
  branches: readonly ReportBranch[];
  from: string;
  to: string;
  groupBy: ReportGroupBy;
  generatedAt: number;
}

/** The report body (`reportResponse`). */
export function assembleReport({ reads, branches, from, to, groupBy, generatedAt }: AssembleArgs): ReportResponse {
  const pct = new Map<string, PercentileRow>();
  for (const p of reads.percentiles) pct.set(`${p.total}|${p.m}|${keyOf(p.k)}`, p);
  const fields = new Map<string, FieldName>(reads.fieldNames.map((f) => [f.code, f]));
  const fieldOrder = new Map(reads.fieldNames.map((f) => [f.code, f.sort_order]));
  const branchNames = new Map(branches.map((b) => [b.id, b.nameVi]));

  const rows: ReportRow[] = reads.counts.map((c) => {
    const key = keyOf(c.k);
    const row: ReportRow = {
      key,
      ...figuresOf(c, statsOf(pct.get(`0|wait|${key}`)), statsOf(pct.get(`0|service|${key}`))),
    };
    if (groupBy === "field" && key !== null) {
      const f = fields.get(key);
      if (f) row.name = { vi: f.name_vi, en: f.name_en };
    }
    if (groupBy === "branch" && key !== null) {
      const name = branchNames.get(key);
      if (name !== undefined) row.name = { vi: name, en: name };
    }
    return row;
  });
  rows.sort(compareRows(groupBy, fieldOrder));

  const sum = (pick: (r: ReportRow) => number) => rows.reduce((s, r) => s + pick(r), 0);
  const ratingCount = sum((r) => r.ratings.count);
  const ratingSum = reads.counts.reduce((s, c) => s + (c.rating_sum ?? 0), 0);
  const total: ReportFigures = {
    issued: sum((r) => r.issued),
    served: sum((r) => r.served),
    noShow: sum((r) => r.noShow),
    expired: sum((r) => r.expired),
    cancelled: sum((r) => r.cancelled),
    unresolved: sum((r) => r.unresolved),
    waitMs: statsOf(pct.get("1|wait|null")),
    serviceMs: statsOf(pct.get("1|service|null")),
    busyMs: sum((r) => r.busyMs),
    ratings: { count: ratingCount, average: ratingAverage(ratingSum, ratingCount) },
  };

  return {
    branchIds: branches.map((b) => b.id),
    from,
    to,
    groupBy,
    timeZone: branches[0]?.timeZone ?? "Asia/Ho_Chi_Minh",
    generatedAt,
    rows,
    total,
  };
}
