/**
 * Configuration versions. A branch-day adopts a plan only when its version is strictly greater
 * than the one it holds (durable/branch-day.ts `adopt`), and a plan's version is
 * max(newest updated_at of the branch's rows, newest updated_at of the calendar)
 * (worker/db/config-store.ts). So every administrative write stamps its rows with a version
 * greater than ANY configuration row's: then it raises every plan it affects, even when the
 * clock is behind a seeded timestamp or two edits land in the same millisecond.
 *
 * The stamp is computed inside the writing SQL statement itself (a subquery), not read first
 * and written later: D1 runs statements one at a time, so two concurrent edits still get
 * distinct, increasing versions.
 */
import { sql, type SQL } from "drizzle-orm";

const CONFIG_TABLES = ["branches", "branch_hours", "fields", "branch_fields", "counters", "calendar_overrides"];

// A scalar max() over one subquery per table, not a UNION: D1 caps compound SELECTs at a few
// terms ("too many terms in compound SELECT"). coalesce: an empty table's max is NULL, and
// SQLite's max(x, NULL) is NULL.
const ONE_PAST_EACH_TABLE = sql.raw(CONFIG_TABLES.map((t) => `coalesce((SELECT max(updated_at) FROM ${t}), 0) + 1`).join(", "));

/** SQL for the next configuration version: the wall clock, or one past the newest row. */
export function nextConfigVersion(nowMs: number): SQL<number> {
  return sql<number>`max(${nowMs}, ${ONE_PAST_EACH_TABLE})`;
}
