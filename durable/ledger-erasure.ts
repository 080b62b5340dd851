/**
 * A citizen's deletion request, on the citizen-ledger side (Personal Data Protection Law 91/2025).
 *
 * The ledger forgets every reservation except the active ones (pending or confirmed) of today
 * and later. Those stay because the tickets they stand for stay: deletion cancels nothing, and
 * if the ledger forgot them the citizen could delete, book two more numbers the same day and
 * hold four, breaking the daily limit the ledger exists to keep. What they hold is no more than
 * the slot itself (day, branch, field, ticket id; never the ID number).
 *
 * While such tickets live, their branch-days keep sending new versions of them to D1, which
 * links the history rows to the citizen again. So the ledger remembers the request (its own
 * citizen key, which is also its name, and the last day kept) and, the morning after that day,
 * unlinks those rows in D1 again and forgets the reservations up to it.
 */
import { addDays, epochAt, VN_TIME_ZONE } from "../shared/time";
import { eraseCitizenInD1 } from "../worker/privacy/anonymize";

export const TIMER_ERASE = "erase_after_kept_tickets";
/** Local time, the day after the last kept ticket's day: its day ended and its history was flushed. */
const FINISH_AT_HHMM = "03:00";
/** After a failed finish (D1 unavailable), try again this much later. */
export const ERASE_RETRY_DELAY_MS = 10 * 60_000;

export class LedgerErasure {
  private ready = false;

  constructor(private readonly db: SqlStorage) {}

  /**
   * The `erasure` table is created on first use in this object instance, not when the object
   * starts: the ledger object is created for every citizen who books, and a booking never needs
   * it. `IF NOT EXISTS` keeps the table of an object made by earlier code as it is.
   */
  private get sql(): SqlStorage {
    if (!this.ready) {
      this.db.exec("CREATE TABLE IF NOT EXISTS erasure (slot INTEGER PRIMARY KEY CHECK (slot = 1), citizen_key TEXT NOT NULL, through TEXT NOT NULL)");
      this.ready = true;
    }
    return this.db;
  }

  /**
   * Deletes every reservation but today's and later active ones. Returns the last day still
   * kept and when to finish (null when nothing is kept: the erasure is complete now).
   */
  forget(citizenKey: string, today: string): { keptThrough: string | null; finishAt: number | null } {
    this.sql.exec("DELETE FROM reservations WHERE service_date < ? OR status NOT IN ('pending', 'confirmed')", today);
    const through = this.sql.exec<{ d: string | null }>("SELECT MAX(service_date) AS d FROM reservations").one().d;
    if (through === null) {
      this.sql.exec("DELETE FROM erasure");
      return { keptThrough: null, finishAt: null };
    }
    // A second request while one is pending keeps the later day.
    this.sql.exec(
      `INSERT INTO erasure (slot, citizen_key, through) VALUES (1, ?, ?)
       ON CONFLICT (slot) DO UPDATE SET citizen_key = excluded.citizen_key, through = MAX(through, excluded.through)`,
      citizenKey,
      through,
    );
    const kept = this.sql.exec<{ through: string }>("SELECT through FROM erasure").one().through;
    return { keptThrough: kept, finishAt: epochAt(addDays(kept, 1), FINISH_AT_HHMM, VN_TIME_ZONE) };
  }

  pending(): { citizenKey: string; through: string } | null {
    const row = this.sql.exec<{ citizen_key: string; through: string }>("SELECT citizen_key, through FROM erasure").toArray()[0];
    return row ? { citizenKey: row.citizen_key, through: row.through } : null;
  }

  /** Unlinks the kept tickets' history in D1 and forgets their reservations. Idempotent. */
  async finish(d1: D1Database): Promise<void> {
    const job = this.pending();
    if (!job) return;
    // Consents given again after the request belong to the citizen's new relationship: kept.
    await eraseCitizenInD1(d1, job.citizenKey, { throughDate: job.through, consents: false });
    this.sql.exec("DELETE FROM reservations WHERE service_date <= ?", job.through);
    this.sql.exec("DELETE FROM erasure");
  }
}
