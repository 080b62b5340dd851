/**
 * The ticket archive in D1, filled by the branch-day objects' outboxes. A flush may be retried,
 * duplicated or overtaken by a later flush, so the write is an idempotent upsert ordered by the
 * ticket's version: the same version twice changes nothing, and an older version never
 * overwrites a newer one. All statements of a flush go in one `batch` (D1's only transaction).
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { BatchItem } from "drizzle-orm/batch";
import {
  type Channel,
  citizens,
  type NewCitizenRow,
  type NewTicketHistoryDbRow,
  type TicketStatus,
  ticketHistory,
  type VerificationMethod,
} from "./schema";

/** One ticket as the branch-day object knows it (ticket_history minus flushed_at, plus the masked ID). */
export interface TicketHistoryRow {
  /** "<branchId>:<YYYY-MM-DD>:<seq>" */
  id: string;
  branchId: string;
  serviceDate: string;
  seq: number;
  fieldCode: string;
  originalFieldCode: string | null;
  number: number;
  label: string;
  channel: Channel;
  priority: string | null;
  /** Keyed hash of the citizen's ID number. */
  citizenKey: string;
  /** Masked ID number for display, e.g. "001******345". Never the full number. */
  citizenMasked: string;
  status: TicketStatus;
  registeredAt: number;
  arrivedAt: number | null;
  verifiedBy: VerificationMethod | null;
  calledAt: number | null;
  counterNumber: number | null;
  callCount: number;
  startedAt: number | null;
  endedAt: number | null;
  version: number;
}

/** D1 accepts at most 100 bound parameters per statement. */
const MAX_PARAMS = 100;
const HISTORY_COLUMNS = Object.keys(getTableColumns(ticketHistory)).length;
const CITIZEN_COLUMNS = Object.keys(getTableColumns(citizens)).length;
const HISTORY_ROWS_PER_STATEMENT = Math.floor(MAX_PARAMS / HISTORY_COLUMNS);
const CITIZEN_ROWS_PER_STATEMENT = Math.floor(MAX_PARAMS / CITIZEN_COLUMNS);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `excluded.<column>` for every column but the key: "take the incoming row". */
function excludedAll(table: typeof ticketHistory): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [property, column] of Object.entries(getTableColumns(table))) {
    if (column.primary) continue;
    set[property] = sql.raw(`excluded.${column.name}`);
  }
  return set;
}

// A masked ID keeps at most a few digits in a row; a run of 7 or more is a full number leaking.
const LONG_DIGIT_RUN = /\d{7,}/;
/** A 12-digit run: by chance in a base64url HMAC about once in 10^8 keys, always in a raw ID. */
const RAW_ID_SHAPE = /\d{12}/;

function assertNoRawId(row: TicketHistoryRow): void {
  // The masked form may never hold a long digit run; the key is an HMAC in base64url (43 chars)
  // where 7 digits in a row happen by chance (about 1 key in 12,000), so it is refused only when
  // it has an ID number's shape.
  if (LONG_DIGIT_RUN.test(row.citizenMasked) || RAW_ID_SHAPE.test(row.citizenKey)) {
    throw new Error(`ticket ${row.id}: citizen fields must be hashed/masked, not an ID number`);
  }
}

/**
 * Archive tickets and the citizens they belong to. Safe to retry: rows already at the same or a
 * newer version stay as they are. Citizens keep their first-seen time; last-seen moves forward to
 * the latest registration seen. `nowMs` is recorded as the row's flushed-at time.
 *
 * @throws Error if a row carries what looks like a raw ID number (nothing is written then).
 */
export async function upsertTicketHistory(
  d1: D1Database,
  rows: TicketHistoryRow[],
  nowMs: number,
): Promise<void> {
  if (rows.length === 0) return;
  rows.forEach(assertNoRawId);

  // Within one flush keep the newest version of each ticket, and one row per citizen.
  const latest = new Map<string, TicketHistoryRow>();
  for (const r of rows) {
    const seen = latest.get(r.id);
    if (seen === undefined || r.version > seen.version) latest.set(r.id, r);
  }
  const people = new Map<string, NewCitizenRow>();
  for (const r of latest.values()) {
    const p = people.get(r.citizenKey);
    if (p === undefined) {
      people.set(r.citizenKey, {
        key: r.citizenKey,
        masked: r.citizenMasked,
        firstSeenAt: r.registeredAt,
        lastSeenAt: r.registeredAt,
      });
    } else {
      p.firstSeenAt = Math.min(p.firstSeenAt, r.registeredAt);
      if (r.registeredAt >= p.lastSeenAt) {
        p.lastSeenAt = r.registeredAt;
        p.masked = r.citizenMasked;
      }
    }
  }

  const db = drizzle(d1);
  const statements: BatchItem<"sqlite">[] = [];

  // Citizens first (first/last seen per citizen key; the history rows name the same key).
  for (const part of chunks([...people.values()], CITIZEN_ROWS_PER_STATEMENT)) {
    statements.push(
      db
        .insert(citizens)
        .values(part)
        .onConflictDoUpdate({
          target: citizens.key,
          set: {
            // The mask of the latest registration wins, whatever order flushes arrive in.
            masked: sql`CASE WHEN excluded.last_seen_at >= ${citizens.lastSeenAt} THEN excluded.masked ELSE ${citizens.masked} END`,
            firstSeenAt: sql`min(${citizens.firstSeenAt}, excluded.first_seen_at)`,
            lastSeenAt: sql`max(${citizens.lastSeenAt}, excluded.last_seen_at)`,
          },
        }),
    );
  }

  const historyRows: NewTicketHistoryDbRow[] = [...latest.values()].map(
    ({ citizenMasked: _masked, ...r }) => ({ ...r, flushedAt: nowMs }),
  );
  const takeIncoming = excludedAll(ticketHistory);
  for (const part of chunks(historyRows, HISTORY_ROWS_PER_STATEMENT)) {
    statements.push(
      db
        .insert(ticketHistory)
        .values(part)
        .onConflictDoUpdate({
          target: ticketHistory.id,
          set: takeIncoming,
          setWhere: sql`excluded.version > ${ticketHistory.version}`,
        }),
    );
  }

  const [first, ...rest] = statements;
  if (first === undefined) return;
  await db.batch([first, ...rest]);
}
