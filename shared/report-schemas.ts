/**
 * Reports over the ticket history (issue 6): the query parameters and the response, shared by
 * the Worker (validation), the manager's web page (charts) and the OpenAPI document.
 *
 * Definitions (the same words in docs/reports and in the independent checker of the tests):
 * - every ticket of the range counts once in `issued`, and once in exactly one outcome
 *   (`served`, `noShow`, `expired`, `cancelled`, or `unresolved` while its day is still running);
 * - a ticket is grouped by its final field (after transfers) and its last counter;
 * - wait starts when the citizen is known to be waiting: checked in at reception (`arrived_at`),
 *   else registration, but never before the branch's booking opening time on the service day
 *   (a number booked days ahead does not "wait" overnight); wait = called − that start, ≥ 0,
 *   for every ticket that was called (served, no-show, or called and then expired);
 * - the hour of a ticket is the local hour its wait started (Asia/Ho_Chi_Minh);
 * - service = ended − started for served tickets;
 * - percentiles are nearest-rank on the durations in ms: sorted ascending, the p-th percentile
 *   is the value at rank ⌈p·n/100⌉ (1-based); null when there is no duration.
 */
import { z } from "zod";
import { branchIdSchema, isoDateSchema } from "./api-schemas";

/** Longest range a report covers: a quarter. Longer ones are asked for quarter by quarter. */
export const MAX_REPORT_DAYS = 92;

/** What the rows of a branch's report are grouped by. */
export const BRANCH_REPORT_GROUPS = ["field", "hour", "counter", "day"] as const;
/** City-wide reports can also be grouped by branch. */
export const CITY_REPORT_GROUPS = ["branch", ...BRANCH_REPORT_GROUPS] as const;
export type ReportGroupBy = (typeof CITY_REPORT_GROUPS)[number];

/** The percentiles every duration figure carries. */
export const REPORT_PERCENTILES = [50, 90] as const;

/** A service date of this century (no real history lies outside it; the time math need not either). */
const reportDateSchema = isoDateSchema.refine((d) => d >= "2000-01-01" && d <= "2099-12-31", "date: from 2000-01-01 to 2099-12-31");

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=…&lang=…` of a branch's report (staff). */
export const branchReportQuery = z.strictObject({
  from: reportDateSchema,
  to: reportDateSchema,
  groupBy: z.enum(BRANCH_REPORT_GROUPS).default("field"),
  lang: z.enum(["vi", "en"]).optional(),
});

/** The city platform's report: every branch, or the branches named (`branchId=a,b`). */
export const cityReportQuery = z.strictObject({
  from: reportDateSchema,
  to: reportDateSchema,
  groupBy: z.enum(CITY_REPORT_GROUPS).default("branch"),
  branchId: z
    .string()
    .max(600)
    .transform((s) => s.split(","))
    .pipe(z.array(branchIdSchema).min(1).max(50))
    .optional(),
  lang: z.enum(["vi", "en"]).optional(),
});
export type BranchReportQuery = z.infer<typeof branchReportQuery>;
export type CityReportQuery = z.infer<typeof cityReportQuery>;

const count = z.number().int().min(0);

/** A duration distribution in milliseconds: how many, and the nearest-rank percentiles. */
export const durationStats = z.object({
  count,
  p50: z.number().int().min(0).nullable(),
  p90: z.number().int().min(0).nullable(),
});

/** The figures of one group (or of the whole report). */
export const reportFigures = z.object({
  issued: count,
  served: count,
  noShow: count,
  expired: count,
  cancelled: count,
  /** Not final yet (waiting, called, serving): only for days still running. */
  unresolved: count,
  waitMs: durationStats,
  serviceMs: durationStats,
  /** Sum of the service durations: counter time spent serving (throughput per counter). */
  busyMs: z.number().int().min(0),
  /** Citizens' ratings (1–5) of the group's tickets; average rounded to 2 decimals. */
  ratings: z.object({ count, average: z.number().min(1).max(5).nullable() }),
});

/**
 * One row. `key` by groupBy: field code ("DATDAI"), local hour ("08:00"), counter number ("3",
 * or null for tickets never called to a counter), service date ("2026-11-23"), branch id.
 */
export const reportRow = reportFigures.extend({
  key: z.string().nullable(),
  /** Field or branch names, when grouped by them. */
  name: z.object({ vi: z.string(), en: z.string() }).optional(),
});

export const reportResponse = z.object({
  branchIds: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(CITY_REPORT_GROUPS),
  timeZone: z.string(),
  /** When the figures were read (epoch ms); the history may lag the live day by seconds. */
  generatedAt: z.number().int(),
  rows: z.array(reportRow),
  total: reportFigures,
});

export type DurationStats = z.infer<typeof durationStats>;
export type ReportFigures = z.infer<typeof reportFigures>;
export type ReportRow = z.infer<typeof reportRow>;
export type ReportResponse = z.infer<typeof reportResponse>;
