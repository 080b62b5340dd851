/**
 * Many named timers over the one alarm a Durable Object has. Rows live in SQLite so a restart
 * keeps them; the alarm is always armed at the earliest row. Alarms are at-least-once, so every
 * handler the owner runs for a row must be idempotent.
 *
 * The rows are also mirrored in memory (read once when the object starts), so `has()` and
 * `arm()` cost no SQL statement: on a booking they ran on every reserve and confirm. Every write
 * goes to SQLite first and the mirror takes what SQLite answered. The one way the two can part is
 * a write inside a `transactionSync` that rolls back after it (the mirror keeps the write); the
 * mirror is read again from the table at every alarm (`fired()`), and `due()` asks the table, so
 * a rolled-back `set()` can at worst wake the object early once. A `delete()` must not be made
 * inside a transaction that may roll back (none is: branch-day only sets timers in one).
 *
 * An owner may also hold timers in memory only (`derive()`), for times it can always work out
 * again from its own rows when it starts; they arm the alarm like stored ones.
 */
import { toSystemTime } from "../shared/clock";

/** Past-due alarms do not fire in local dev, and a just-restarted object must not miss one. */
const MIN_ALARM_DELAY_MS = 50;

const SCHEMA = "CREATE TABLE IF NOT EXISTS schedule (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL)";
const LOAD = "SELECT name, due_at FROM schedule";

type TimerRow = { name: string; due_at: number };

export class AlarmSchedule {
  /** This table, for an owner that creates it with its own tables in one call (see the constructor). */
  static readonly SCHEMA = SCHEMA;

  private armedAtMs: number | null = null;
  /** name → due time (service clock), as in the `schedule` table. */
  private timers = new Map<string, number>();
  /** Timers the owner derives from its own rows (`derive()`); never written. */
  private readonly derived = new Map<string, number>();

  /**
   * Creates the table if needed and reads its rows (one native call). `preloaded`: the owner has
   * already run `AlarmSchedule.SCHEMA` and read `SELECT name, due_at FROM schedule` within its own
   * start-up statement — for an object created on nearly every booking (a citizen's ledger),
   * each separate statement is a measurable share of the booking's CPU.
   */
  constructor(
    private readonly storage: DurableObjectStorage,
    preloaded?: { rows: Iterable<TimerRow> },
  ) {
    this.load(preloaded ? preloaded.rows : storage.sql.exec<TimerRow>(`${SCHEMA};\n${LOAD}`));
  }

  /** Sets a timer (service-clock ms). With `keepEarlier`, an earlier existing time wins. */
  set(name: string, dueAtMs: number, opts: { keepEarlier?: boolean } = {}): void {
    const conflict = opts.keepEarlier ? "due_at = MIN(due_at, excluded.due_at)" : "due_at = excluded.due_at";
    const row = this.storage.sql
      .exec<{ due_at: number }>(`INSERT INTO schedule (name, due_at) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET ${conflict} RETURNING due_at`, name, dueAtMs)
      .one();
    this.timers.set(name, row.due_at);
    this.arm();
  }

  delete(name: string): void {
    // Only when the mirror knows the row: a fresh object would otherwise pay a statement for a
    // timer that was never set.
    if (!this.timers.has(name)) return;
    this.storage.sql.exec("DELETE FROM schedule WHERE name = ?", name);
    this.timers.delete(name);
  }

  /**
   * Sets (or, with null, clears) a timer kept in memory only, and re-arms. For a time the owner
   * can always work out again from its own rows — and does whenever the object starts — so no
   * write is needed each time it changes (a citizen's settle timer: the oldest pending
   * reservation). It arms the alarm like a stored timer; `has()` and `due()` know only stored ones.
   */
  derive(name: string, dueAtMs: number | null): void {
    if (dueAtMs === null) this.derived.delete(name);
    else this.derived.set(name, dueAtMs);
    this.arm();
  }

  /** Whether a stored timer of that name is set. */
  has(name: string): boolean {
    return this.timers.has(name);
  }

  /** Names whose time has come, earliest first (read from the table: alarm path only). */
  due(nowMs: number): string[] {
    return this.storage.sql
      .exec<{ name: string }>("SELECT name FROM schedule WHERE due_at <= ? ORDER BY due_at, name", nowMs)
      .toArray()
      .map((r) => r.name);
  }

  /** Arms the object's alarm at the earliest timer (or clears it when none is left). */
  arm(): void {
    let due: number | null = null;
    for (const t of this.timers.values()) if (due === null || t < due) due = t;
    for (const t of this.derived.values()) if (due === null || t < due) due = t;
    if (due === null) {
      if (this.armedAtMs !== null) this.storage.deleteAlarm().catch(() => undefined);
      this.armedAtMs = null;
      return;
    }
    const at = Math.max(toSystemTime(due), Date.now() + MIN_ALARM_DELAY_MS);
    // Re-arming on every write would cost a storage op per ticket; only move it when it matters.
    if (this.armedAtMs !== null && this.armedAtMs <= at && this.armedAtMs > Date.now()) return;
    this.armedAtMs = at;
    this.storage.setAlarm(at).catch((err: unknown) => {
      this.armedAtMs = null;
      console.error("setAlarm failed", err instanceof Error ? err.message : err);
    });
  }

  /**
   * Called at the start of alarm(): the runtime has consumed the armed alarm. Reads the rows
   * again, so the mirror never drifts from the table for longer than until the next alarm.
   */
  fired(): void {
    this.armedAtMs = null;
    this.load(this.storage.sql.exec<TimerRow>(LOAD));
  }

  private load(rows: Iterable<TimerRow>): void {
    this.timers = new Map();
    for (const r of rows) this.timers.set(r.name, r.due_at);
  }
}
