/**
 * The report's reads from D1. Counting and the percentiles happen in SQLite (grouped, with
 * window functions) so a quarter of a busy branch — or of a whole city — comes back as a few
 * dozen rows, not as every ticket. Both statements start from the `(branch_id, service_date)`
 * index of ticket_history, one branch at a time (the `scope` table drives the join).
 *
 * Reads go through a D1 session ("first-unconstrained"): with read replication on, they are
 * served by the nearest replica and never queue behind the branch-days' history flushes on the
 * primary; without it, the session is the primary, same as before. A report may lag the live
 * day by the flush delay (seconds): it is a report, not the live view.
 */
import { type ReportGroupBy } from "../../shared/report-schemas";
import { epochAt, minutesOfHhmm } from "../../shared/time";

/** A branch as a report needs it: where its day starts and its local offset. */
export interface ReportBranch {
  id: string;
  nameVi: string;
  timeZone: string;
  bookingFrom: string;
}

/** Counts of one group (`total` = 0) as SQLite gives them. */
export interface CountRow {
  k: string | number | null;
  issued: number;
  served: number;
  no_show: number;
  expired: number;
  cancelled: number;
  busy_ms: number | null;
  rating_count: number;
  rating_sum: number | null;
}

/** Percentiles of one metric in one group, or in the whole report when `total` is 1. */
export interface PercentileRow {
  total: 0 | 1;
  k: string | number | null;
  m: "wait" | "service";
  n: number;
  p50: number;
  p90: number;
}

export interface FieldName {
  code: string;
  name_vi: string;
  name_en: string;
  sort_order: number;
}

export interface ReportReads {
  counts: CountRow[];
  percentiles: PercentileRow[];
  fieldNames: FieldName[];
}

const BRANCH_ID_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const HOUR_MS = 3_600_000;

/** The zone's offset from UTC (ms) on `date`; report zones are taken to keep it over the range. */
export function utcOffsetMsOn(date: string, timeZone: string): number {
  return Date.parse(`${date}T12:00:00Z`) - epochAt(date, "12:00", timeZone);
}

/** The group key of a ticket row `t` (columns of the CTE below). */
const GROUP_KEY: Record<ReportGroupBy, string> = {
  branch: "t.branch_id",
  field: "t.field_code",
  // Local hour the wait started, "HH:00".
  hour: `printf('%02d:00', ((t.wait_from + t.offset_ms) / ${HOUR_MS}) % 24)`,
  counter: "CAST(t.counter_number AS TEXT)",
  day: "t.service_date",
};

/**
 * The common table expressions: `scope` (the branches, literal rows: ids are checked slugs,
 * offsets and minutes our own integers, so no bound parameter is spent per branch) and `g` (one
 * row per ticket with its group key, wait and service durations). ?1 and ?2 are from and to.
 */
function ticketsCte(branches: readonly ReportBranch[], from: string, groupBy: ReportGroupBy): string {
  const scope = branches
    .map((b) => {
      if (!BRANCH_ID_RE.test(b.id)) throw new RangeError(`not a branch id: ${JSON.stringify(b.id)}`);
      const offset = utcOffsetMsOn(from, b.timeZone);
      const startMin = minutesOfHhmm(b.bookingFrom);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(startMin)) throw new RangeError(`bad zone or time for ${b.id}`);
      return `('${b.id}', ${offset}, ${startMin})`;
    })
    .join(", ");
  return `WITH scope(branch_id, offset_ms, start_min) AS (VALUES ${scope}),
t AS (
  SELECT h.id, h.branch_id, h.service_date, h.field_code, h.counter_number, h.status,
         h.called_at, h.started_at, h.ended_at, s.offset_ms,
         COALESCE(h.arrived_at,
                  max(h.registered_at, CAST(strftime('%s', h.service_date) AS INTEGER) * 1000 + s.start_min * 60000 - s.offset_ms)) AS wait_from
    FROM scope s
    JOIN ticket_history h ON h.branch_id = s.branch_id AND h.service_date BETWEEN ?1 AND ?2
),
g AS (
  SELECT t.id, t.status, ${GROUP_KEY[groupBy]} AS k,
         CASE WHEN t.called_at IS NOT NULL THEN max(0, t.called_at - t.wait_from) END AS wait_ms,
         CASE WHEN t.status = 'served' AND t.started_at IS NOT NULL AND t.ended_at >= t.started_at
              THEN t.ended_at - t.started_at END AS service_ms
    FROM t
)`;
}

/** Per group: outcomes, busy time, ratings (joined by ticket id: a rating counts with its ticket). */
function countsSql(cte: string): string {
  return `${cte}
SELECT g.k AS k,
       count(*) AS issued,
       sum(g.status = 'served') AS served,
       sum(g.status = 'no_show') AS no_show,
       sum(g.status = 'expired') AS expired,
       sum(g.status = 'cancelled') AS cancelled,
       sum(g.service_ms) AS busy_ms,
       count(r.score) AS rating_count,
       sum(r.score) AS rating_sum
  FROM g LEFT JOIN ticket_ratings r ON r.ticket_id = g.id
 GROUP BY g.k`;
}

/**
 * Nearest-rank percentiles per group and for the whole report: rank ⌈p·n/100⌉ of the durations
 * sorted ascending, written (p·n + 99) / 100 in integer arithmetic.
 */
function percentilesSql(cte: string): string {
  return `${cte},
d AS (
  SELECT 0 AS total, k, 'wait' AS m, wait_ms AS v FROM g WHERE wait_ms IS NOT NULL
  UNION ALL SELECT 0, k, 'service', service_ms FROM g WHERE service_ms IS NOT NULL
  UNION ALL SELECT 1, NULL, 'wait', wait_ms FROM g WHERE wait_ms IS NOT NULL
  UNION ALL SELECT 1, NULL, 'service', service_ms FROM g WHERE service_ms IS NOT NULL
),
r AS (
  SELECT total, k, m, v,
         row_number() OVER (PARTITION BY total, k, m ORDER BY v) AS rn,
         count(*) OVER (PARTITION BY total, k, m) AS n
    FROM d
)
SELECT total, k, m, n,
       max(CASE WHEN rn = (n * 50 + 99) / 100 THEN v END) AS p50,
       max(CASE WHEN rn = (n * 90 + 99) / 100 THEN v END) AS p90
  FROM r
 WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100
 GROUP BY total, k, m`;
}

/** The SQL of a report's two statements (exported for the query-plan test). */
export function reportStatements(branches: readonly ReportBranch[], from: string, groupBy: ReportGroupBy): { counts: string; percentiles: string } {
  const cte = ticketsCte(branches, from, groupBy);
  return { counts: countsSql(cte), percentiles: percentilesSql(cte) };
}

/** A session for report reads: any replica will do (reports tolerate seconds of lag). */
export function reportSession(d1: D1Database): D1DatabaseSession {
  return d1.withSession("first-unconstrained");
}

/** The branches a report covers (all of them when `ids` is undefined), by id. */
export async function loadReportBranches(session: D1DatabaseSession, ids?: readonly string[]): Promise<ReportBranch[]> {
  const { results } = await session
    .prepare("SELECT id, name AS nameVi, time_zone AS timeZone, booking_from AS bookingFrom FROM branches ORDER BY id")
    .all<ReportBranch>();
  return ids === undefined ? results : results.filter((b) => ids.includes(b.id));
}

/** Reads the report's figures in one round trip (a batch). */
export async function readReport(
  session: D1DatabaseSession,
  branches: readonly ReportBranch[],
  from: string,
  to: string,
  groupBy: ReportGroupBy,
): Promise<ReportReads> {
  if (branches.length === 0) return { counts: [], percentiles: [], fieldNames: [] };
  const sql = reportStatements(branches, from, groupBy);
  const [counts, percentiles, fields] = await session.batch([
    session.prepare(sql.counts).bind(from, to),
    session.prepare(sql.percentiles).bind(from, to),
    session.prepare("SELECT code, name_vi, name_en, sort_order FROM fields"),
  ]);
  return {
    counts: (counts!.results ?? []) as CountRow[],
    percentiles: (percentiles!.results ?? []) as PercentileRow[],
    fieldNames: (fields!.results ?? []) as FieldName[],
  };
}
