/**
 * Unlinking the ticket history from people (Personal Data Protection Law 91/2025): a deletion
 * request or the retention period replaces `ticket_history.citizen_key` with a random token,
 * a fresh one per row, so nothing links two rows to one person any more, while every count and
 * report (tickets per day, field, channel, status, wait and service times) still adds up.
 *
 * The token is made by SQLite itself (`randomblob`, evaluated per row), so one statement
 * anonymizes a whole chunk without sending a parameter per row (D1 allows 100 per statement).
 */
import { toHex } from "../../shared/hex";

/** Anonymized rows carry `anon:` + 32 hex digits of randomness; a citizen key never starts so. */
export const ANON_PREFIX = "anon:";
const ANON_TOKEN_SQL = `'${ANON_PREFIX}' || lower(hex(randomblob(16)))`;
const NOT_YET_ANON = `citizen_key NOT LIKE '${ANON_PREFIX}%'`;

/** Rows per statement in bulk work: short statements, well inside D1's time limit per query. */
export const CHUNK_ROWS = 500;

export function isAnonToken(citizenKey: string): boolean {
  return citizenKey.startsWith(ANON_PREFIX);
}

/** A token like the ones SQLite makes, for code that writes rows itself. */
export function anonToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return ANON_PREFIX + toHex(bytes);
}

/**
 * A citizen's erasure in D1: their history rows unlinked (up to `throughDate` inclusive when
 * given: tickets of later days are a new booking made after the request), their `citizens` row
 * deleted unless rows of later days still name them, their consent records deleted. One batch.
 */
export async function eraseCitizenInD1(d1: D1Database, citizenKey: string, opts: { throughDate?: string; consents?: boolean } = {}): Promise<{ historyRows: number }> {
  const through = opts.throughDate ?? "9999-12-31";
  const statements = [
    d1.prepare(`UPDATE ticket_history SET citizen_key = ${ANON_TOKEN_SQL} WHERE citizen_key = ? AND service_date <= ?`).bind(citizenKey, through),
    d1.prepare("DELETE FROM citizens WHERE key = ? AND NOT EXISTS (SELECT 1 FROM ticket_history WHERE citizen_key = ?)").bind(citizenKey, citizenKey),
  ];
  if (opts.consents !== false) statements.push(d1.prepare("DELETE FROM citizen_consents WHERE citizen_key = ?").bind(citizenKey));
  const [history] = await d1.batch(statements);
  return { historyRows: history?.meta.changes ?? 0 };
}

/**
 * Unlinks up to `CHUNK_ROWS` history rows of service days before `beforeDate`. Returns how many
 * it changed: fewer than `CHUNK_ROWS` means none are left.
 */
export async function anonymizeHistoryChunk(d1: D1Database, beforeDate: string): Promise<number> {
  const res = await d1
    .prepare(
      `UPDATE ticket_history SET citizen_key = ${ANON_TOKEN_SQL}
       WHERE id IN (SELECT id FROM ticket_history WHERE service_date < ? AND ${NOT_YET_ANON} LIMIT ${CHUNK_ROWS})`,
    )
    .bind(beforeDate)
    .run();
  return res.meta.changes ?? 0;
}
