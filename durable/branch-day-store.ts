/**
 * The branch-day object's SQLite tables. Every call here is synchronous (`sql.exec`), so a
 * decision's writes and the in-memory update happen with no `await` between them: they commit
 * together, and the output gate holds the reply until they are durable.
 */
import type { DayPlan } from "../shared/branch-config";
import type { Changes, Counter, Ticket } from "./engine/types";

export class BranchDayStore {
  constructor(private readonly storage: DurableObjectStorage) {
    const sql = storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // reservation_id is UNIQUE so even a bug above could not store two tickets for one booking.
    sql.exec("CREATE TABLE IF NOT EXISTS tickets (seq INTEGER PRIMARY KEY, reservation_id TEXT NOT NULL UNIQUE, data TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS counters (number INTEGER PRIMARY KEY, data TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS voided_reservations (reservation_id TEXT PRIMARY KEY)");
    // Tickets whose newest version has not reached D1 yet.
    sql.exec("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, version INTEGER NOT NULL)");
  }

  getMeta<T>(key: string): T | null {
    const rows = this.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray();
    return rows[0] ? (JSON.parse(rows[0].value) as T) : null;
  }

  setMeta(key: string, value: unknown): void {
    this.storage.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }

  loadPlan(): DayPlan | null {
    return this.getMeta<DayPlan>("plan");
  }

  loadTickets(): Ticket[] {
    return this.storage.sql
      .exec<{ data: string }>("SELECT data FROM tickets ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(r.data) as Ticket);
  }

  loadCounters(): Counter[] {
    return this.storage.sql
      .exec<{ data: string }>("SELECT data FROM counters")
      .toArray()
      .map((r) => JSON.parse(r.data) as Counter);
  }

  loadVoidedReservations(): string[] {
    return this.storage.sql
      .exec<{ reservation_id: string }>("SELECT reservation_id FROM voided_reservations")
      .toArray()
      .map((r) => r.reservation_id);
  }

  voidReservation(reservationId: string): void {
    this.storage.sql.exec("INSERT OR IGNORE INTO voided_reservations (reservation_id) VALUES (?)", reservationId);
  }

  /** Writes a decision's changes and queues the tickets for the history outbox. */
  saveChanges(changes: Changes): void {
    const sql = this.storage.sql;
    for (const t of changes.tickets) {
      sql.exec(
        "INSERT INTO tickets (seq, reservation_id, data) VALUES (?, ?, ?) ON CONFLICT(seq) DO UPDATE SET data = excluded.data",
        t.seq,
        t.reservationId,
        JSON.stringify(t),
      );
      sql.exec(
        "INSERT INTO outbox (seq, version) VALUES (?, ?) ON CONFLICT(seq) DO UPDATE SET version = MAX(version, excluded.version)",
        t.seq,
        t.version,
      );
    }
    for (const c of changes.counters) {
      sql.exec(
        "INSERT INTO counters (number, data) VALUES (?, ?) ON CONFLICT(number) DO UPDATE SET data = excluded.data",
        c.number,
        JSON.stringify(c),
      );
    }
  }

  /** The oldest outbox entries: which tickets to copy to D1 next. */
  pendingHistory(limit: number): Array<{ seq: number; version: number }> {
    return this.storage.sql.exec<{ seq: number; version: number }>("SELECT seq, version FROM outbox ORDER BY seq LIMIT ?", limit).toArray();
  }

  /** Clears outbox entries that D1 now holds, unless the ticket changed again meanwhile. */
  markHistoryFlushed(entries: Array<{ seq: number; version: number }>): void {
    for (const e of entries) this.storage.sql.exec("DELETE FROM outbox WHERE seq = ? AND version <= ?", e.seq, e.version);
  }

  outboxSize(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }
}
