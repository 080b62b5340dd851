/**
 * Retention (Personal Data Protection Law 91/2025: keep personal data no longer than needed),
 * run daily by the cron trigger in wrangler.toml (02:00 in Hanoi) through `scheduled` in
 * worker/index.ts:
 *
 * - ticket_history rows of service days older than HISTORY_RETENTION_DAYS are unlinked: the
 *   citizen key becomes a random token per row (worker/privacy/anonymize.ts), so the statistics
 *   stay and the person goes;
 * - `citizens` rows not seen within the period, and no longer named by any history row, are
 *   deleted;
 * - consent records of citizens no longer known, last changed before the period, are deleted.
 *
 * Work is done in chunks of CHUNK_ROWS rows, one short statement each, at most
 * MAX_STATEMENTS_PER_RUN statements a run (well inside a Worker invocation's D1 query limits);
 * what is left is done by the next run, which starts where this one stopped (the partial index
 * `ticket_history_linked_by_date` lists exactly the rows still to do). Logs carry counts only.
 */
import { now } from "../../shared/clock";
import { addDays, localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { purgeIdempotencyRecords } from "../http/idempotency";
import { anonymizeHistoryChunk, CHUNK_ROWS } from "./anonymize";

export const MAX_STATEMENTS_PER_RUN = 200;
const DAY_MS = 86_400_000;

/** HISTORY_RETENTION_DAYS as a whole number of days ≥ 1, or null when misconfigured. */
export function parseRetentionDays(raw: unknown): number | null {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}

export function retentionDaysOf(env: Env): number | null {
  return parseRetentionDays(env.HISTORY_RETENTION_DAYS);
}

export interface RetentionReport {
  retentionDays: number;
  /** History rows of service days before this date are unlinked. */
  cutoffDate: string;
  historyRowsAnonymized: number;
  citizensDeleted: number;
  consentsDeleted: number;
  /** Stored idempotent answers past their 24 hours. */
  idempotencyRecordsDeleted?: number;
  /** False when the statement budget ran out: the next run continues. */
  complete: boolean;
}

export async function runRetention(env: Env, nowMs: number = now(), opts: { maxStatements?: number } = {}): Promise<RetentionReport | null> {
  const days = retentionDaysOf(env);
  if (days === null) {
    // Never guess a period: a typo must not anonymize (or keep) the wrong years of history.
    console.error("retention skipped: HISTORY_RETENTION_DAYS is not a whole number of days >= 1");
    return null;
  }
  const d1 = env.DB;
  const cutoffDate = addDays(localDateOf(nowMs, VN_TIME_ZONE), -days);
  const cutoffMs = nowMs - days * DAY_MS;
  let budget = opts.maxStatements ?? MAX_STATEMENTS_PER_RUN;
  const report: RetentionReport = { retentionDays: days, cutoffDate, historyRowsAnonymized: 0, citizensDeleted: 0, consentsDeleted: 0, complete: false };

  for (;;) {
    if (budget-- <= 0) return finish(report);
    const n = await anonymizeHistoryChunk(d1, cutoffDate);
    report.historyRowsAnonymized += n;
    if (n < CHUNK_ROWS) break;
  }
  for (;;) {
    if (budget-- <= 0) return finish(report);
    const res = await d1
      .prepare(
        `DELETE FROM citizens WHERE key IN (
           SELECT key FROM citizens c WHERE c.last_seen_at < ?
             AND NOT EXISTS (SELECT 1 FROM ticket_history h WHERE h.citizen_key = c.key)
           LIMIT ${CHUNK_ROWS})`,
      )
      .bind(cutoffMs)
      .run();
    const n = res.meta.changes ?? 0;
    report.citizensDeleted += n;
    if (n < CHUNK_ROWS) break;
  }
  for (;;) {
    if (budget-- <= 0) return finish(report);
    const res = await d1
      .prepare(
        `DELETE FROM citizen_consents WHERE rowid IN (
           SELECT rowid FROM citizen_consents k WHERE max(k.given_at, coalesce(k.withdrawn_at, 0)) < ?
             AND NOT EXISTS (SELECT 1 FROM citizens c WHERE c.key = k.citizen_key)
           LIMIT ${CHUNK_ROWS})`,
      )
      .bind(cutoffMs)
      .run();
    const n = res.meta.changes ?? 0;
    report.consentsDeleted += n;
    if (n < CHUNK_ROWS) break;
  }
  // Stored answers of idempotent calls live 24 hours (worker/http/idempotency.ts).
  for (;;) {
    if (budget-- <= 0) return finish(report);
    const n = await purgeIdempotencyRecords(d1, nowMs, CHUNK_ROWS);
    report.idempotencyRecordsDeleted = (report.idempotencyRecordsDeleted ?? 0) + n;
    if (n < CHUNK_ROWS) break;
  }
  report.complete = true;
  return finish(report);
}

function finish(report: RetentionReport): RetentionReport {
  console.info("retention run", JSON.stringify(report));
  return report;
}
