/**
 * Service times of earlier days, for the wait estimate (durable/engine/estimate.ts) while today
 * has too few of its own: per field, how long the served tickets of the same weekday took in the
 * previous weeks (a Monday morning is not a Friday afternoon). Read once when a branch-day starts.
 */
import { addDays, isIsoDate } from "../../shared/time";

/** Newest samples kept per field: plenty for a mean and a spread, small for the object's memory. */
export const HISTORY_SAMPLES_PER_FIELD = 300;

/** The same weekday in each of the `weeks` weeks before `date`, newest first. */
export function sameWeekdayDates(date: string, weeks: number): string[] {
  if (!isIsoDate(date)) throw new RangeError(`Not a date: ${JSON.stringify(date)}`);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52) throw new RangeError(`weeks must be 1–52, got ${weeks}`);
  return Array.from({ length: weeks }, (_, i) => addDays(date, -7 * (i + 1)));
}

/**
 * Per field code, service durations in ms (ended_at − started_at) of served tickets at the branch
 * on the same weekday of the previous `weeks` weeks, newest first, at most `limitPerField` per
 * field. Fields without any are absent. One D1 query (the (branch_id, service_date) index).
 */
export async function loadServiceTimeHistory(
  d1: D1Database,
  branchId: string,
  date: string,
  weeks = 4,
  limitPerField = HISTORY_SAMPLES_PER_FIELD,
): Promise<Record<string, number[]>> {
  const dates = sameWeekdayDates(date, weeks);
  if (!Number.isInteger(limitPerField) || limitPerField < 1) throw new RangeError(`limitPerField must be ≥ 1, got ${limitPerField}`);
  const { results } = await d1
    .prepare(
      `SELECT field_code, duration FROM (
         SELECT field_code,
                ended_at - started_at AS duration,
                ROW_NUMBER() OVER (PARTITION BY field_code ORDER BY ended_at DESC, id) AS n
           FROM ticket_history
          WHERE branch_id = ?
            AND service_date IN (${dates.map(() => "?").join(", ")})
            AND status = 'served'
            AND started_at IS NOT NULL
            AND ended_at IS NOT NULL
            AND ended_at >= started_at
       )
       WHERE n <= ?
       ORDER BY field_code, n`,
    )
    .bind(branchId, ...dates, limitPerField)
    .all<{ field_code: string; duration: number }>();
  const out: Record<string, number[]> = {};
  for (const row of results) (out[row.field_code] ??= []).push(row.duration);
  return out;
}
