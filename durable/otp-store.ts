/**
 * Where a citizen's ledger object keeps its OTP state (one row, table `otp_state`) and the
 * citizen's phone number (one row, table `contact_phone`). Storage only: the rules are in
 * otp-rules.ts, the flow in citizen-otp.ts.
 *
 * What is stored: the code's keyed hash (never the code), the phone number given with the
 * request encrypted (AES-GCM, worker/privacy/phone-crypto.ts; deleted with the code), counters
 * and times. Nothing here is an ID number: the object itself is named by the keyed hash.
 */
import { EMPTY_OTP_STATE, type OtpState } from "./otp-rules";

/** OTP state plus what belongs to the code that is out. */
export interface StoredOtp extends OtpState {
  /** HMAC of the code that is out (null when none). */
  codeHash: ArrayBuffer | null;
  /** The phone the code was sent to, encrypted; becomes the citizen's phone when the code is verified. */
  pendingPhone: string | null;
}

type OtpRow = {
  challenge_id: string | null;
  code_hash: ArrayBuffer | null;
  pending_phone: string | null;
  issued_at: number | null;
  expires_at: number | null;
  wrong_attempts: number;
  locked_until: number | null;
  sends: string;
};

/**
 * Runs `CREATE TABLE IF NOT EXISTS` once per object instance, on first use rather than when the
 * object starts: the ledger object is created for every citizen who books, and a booking never
 * touches these tables (each statement at start-up was ~1% of a booking's CPU). `IF NOT EXISTS`
 * keeps objects made by earlier code, whose tables exist already, as they are.
 */
class LazyTable {
  private ready = false;

  constructor(
    private readonly db: SqlStorage,
    private readonly ddl: string,
  ) {}

  get sql(): SqlStorage {
    if (!this.ready) {
      this.db.exec(this.ddl);
      this.ready = true;
    }
    return this.db;
  }
}

export class OtpStore {
  private readonly table: LazyTable;

  constructor(storage: DurableObjectStorage) {
    this.table = new LazyTable(
      storage.sql,
      `CREATE TABLE IF NOT EXISTS otp_state (
      slot INTEGER PRIMARY KEY CHECK (slot = 0),
      challenge_id TEXT, code_hash BLOB, pending_phone TEXT, issued_at INTEGER, expires_at INTEGER,
      wrong_attempts INTEGER NOT NULL DEFAULT 0, locked_until INTEGER, sends TEXT NOT NULL DEFAULT '[]')`,
    );
  }

  private get sql(): SqlStorage {
    return this.table.sql;
  }

  load(): StoredOtp {
    const row = this.sql.exec<OtpRow>("SELECT * FROM otp_state WHERE slot = 0").toArray()[0];
    if (!row) return { ...EMPTY_OTP_STATE, codeHash: null, pendingPhone: null };
    const challenge =
      row.challenge_id !== null && row.issued_at !== null && row.expires_at !== null
        ? { id: row.challenge_id, issuedAt: row.issued_at, expiresAt: row.expires_at, wrongAttempts: row.wrong_attempts }
        : null;
    return {
      challenge,
      lockedUntil: row.locked_until,
      sends: parseSends(row.sends),
      codeHash: challenge ? row.code_hash : null,
      pendingPhone: challenge ? row.pending_phone : null,
    };
  }

  /** Writes the whole state; without a challenge, the hash and the pending phone are erased. */
  save(s: StoredOtp): void {
    const c = s.challenge;
    this.sql.exec(
      `INSERT INTO otp_state (slot, challenge_id, code_hash, pending_phone, issued_at, expires_at, wrong_attempts, locked_until, sends)
       VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(slot) DO UPDATE SET challenge_id = excluded.challenge_id, code_hash = excluded.code_hash,
         pending_phone = excluded.pending_phone, issued_at = excluded.issued_at, expires_at = excluded.expires_at,
         wrong_attempts = excluded.wrong_attempts, locked_until = excluded.locked_until, sends = excluded.sends`,
      c?.id ?? null,
      c ? s.codeHash : null,
      c ? s.pendingPhone : null,
      c?.issuedAt ?? null,
      c?.expiresAt ?? null,
      c?.wrongAttempts ?? 0,
      s.lockedUntil,
      JSON.stringify(s.sends),
    );
  }

  /** Erases everything (a deletion request). */
  clear(): void {
    this.sql.exec("DELETE FROM otp_state");
  }
}

function parseSends(text: string): number[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === "number").sort((a, b) => a - b) : [];
  } catch {
    return [];
  }
}

export interface StoredPhone {
  /** Encrypted (phone-crypto blob). */
  blob: string;
  /** When it was last used (a code sent or verified, a notification sent): retention counts from here. */
  lastUsedAt: number;
}

/** The citizen's phone for codes and "your turn is near" messages, encrypted, with its last use. */
export class PhoneStore {
  private readonly table: LazyTable;

  constructor(storage: DurableObjectStorage) {
    this.table = new LazyTable(
      storage.sql,
      `CREATE TABLE IF NOT EXISTS contact_phone (
      slot INTEGER PRIMARY KEY CHECK (slot = 0), phone_enc TEXT NOT NULL, last_used_at INTEGER NOT NULL)`,
    );
  }

  private get sql(): SqlStorage {
    return this.table.sql;
  }

  get(): StoredPhone | null {
    const row = this.sql.exec<{ phone_enc: string; last_used_at: number }>("SELECT phone_enc, last_used_at FROM contact_phone WHERE slot = 0").toArray()[0];
    return row ? { blob: row.phone_enc, lastUsedAt: row.last_used_at } : null;
  }

  set(blob: string, lastUsedAt: number): void {
    this.sql.exec(
      "INSERT INTO contact_phone (slot, phone_enc, last_used_at) VALUES (0, ?, ?) ON CONFLICT(slot) DO UPDATE SET phone_enc = excluded.phone_enc, last_used_at = excluded.last_used_at",
      blob,
      lastUsedAt,
    );
  }

  touch(lastUsedAt: number): void {
    this.sql.exec("UPDATE contact_phone SET last_used_at = MAX(last_used_at, ?) WHERE slot = 0", lastUsedAt);
  }

  delete(): void {
    this.sql.exec("DELETE FROM contact_phone");
  }
}
