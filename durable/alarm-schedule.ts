/**
 * Many named timers over the one alarm a Durable Object has. Rows live in SQLite so a restart
 * keeps them; the alarm is always armed at the earliest row. Alarms are at-least-once, so every
 * handler the owner runs for a row must be idempotent.
 */
import { toSystemTime } from "../shared/clock";

/** Past-due alarms do not fire in local dev, and a just-restarted object must not miss one. */
const MIN_ALARM_DELAY_MS = 50;

export class AlarmSchedule {
  private armedAtMs: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS schedule (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
  }

  /** Sets a timer (service-clock ms). With `keepEarlier`, an earlier existing time wins. */
  set(name: string, dueAtMs: number, opts: { keepEarlier?: boolean } = {}): void {
    const conflict = opts.keepEarlier ? "due_at = MIN(due_at, excluded.due_at)" : "due_at = excluded.due_at";
    this.storage.sql.exec(`INSERT INTO schedule (name, due_at) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET ${conflict}`, name, dueAtMs);
    this.arm();
  }

  delete(name: string): void {
    this.storage.sql.exec("DELETE FROM schedule WHERE name = ?", name);
  }

  has(name: string): boolean {
    return this.storage.sql.exec("SELECT 1 FROM schedule WHERE name = ?", name).toArray().length > 0;
  }

  /** Names whose time has come, earliest first. */
  due(nowMs: number): string[] {
    return this.storage.sql
      .exec<{ name: string }>("SELECT name FROM schedule WHERE due_at <= ? ORDER BY due_at, name", nowMs)
      .toArray()
      .map((r) => r.name);
  }

  /** Arms the object's alarm at the earliest timer (or clears it when none is left). */
  arm(): void {
    const row = this.storage.sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM schedule").one();
    if (row.due === null) {
      if (this.armedAtMs !== null) this.storage.deleteAlarm().catch(() => undefined);
      this.armedAtMs = null;
      return;
    }
    const at = Math.max(toSystemTime(row.due), Date.now() + MIN_ALARM_DELAY_MS);
    // Re-arming on every write would cost a storage op per ticket; only move it when it matters.
    if (this.armedAtMs !== null && this.armedAtMs <= at && this.armedAtMs > Date.now()) return;
    this.armedAtMs = at;
    this.storage.setAlarm(at).catch((err: unknown) => {
      this.armedAtMs = null;
      console.error("setAlarm failed", err instanceof Error ? err.message : err);
    });
  }

  /** Called at the start of alarm(): the runtime has consumed the armed alarm. */
  fired(): void {
    this.armedAtMs = null;
  }
}
