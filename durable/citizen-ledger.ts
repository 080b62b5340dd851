/**
 * CitizenLedger: one Durable Object per citizen (named by the keyed hash of the ID number), the
 * single consistency point for the per-citizen limits across branches, fields and channels.
 *
 * Booking is reserve → issue (branch-day) → confirm, or release on refusal. A reservation left
 * pending by a crashed request is settled by the alarm: the branch-day either has the ticket
 * (confirm) or voids the reservation so it can never be issued later (release). Every step is
 * idempotent, so retries at any point neither lose a ticket nor exceed a limit.
 */
import { DurableObject } from "cloudflare:workers";
import { configureClock, now } from "../shared/clock";
import { CONSENT_WITHDRAWN_DETAIL, refuse, type Outcome } from "../shared/problems";
import { MAX_TICKETS_PER_CITIZEN_DAY, MAX_TICKETS_PER_CITIZEN_FIELD_DAY } from "../shared/citizen-limits";
import { AlarmSchedule } from "./alarm-schedule";
import { CitizenOtp, type OtpRequestOutcome, type OtpVerifyOutcome } from "./citizen-otp";
import { ERASE_RETRY_DELAY_MS, LedgerErasure, TIMER_ERASE } from "./ledger-erasure";
import type { Channel } from "./engine/types";
import type { StoredPhone } from "./otp-store";

/** A pending reservation older than this belongs to a request that died: settle it. */
const PENDING_SETTLE_AFTER_MS = 60_000;
/**
 * Due a minute after the oldest pending reservation. Worked out from the reservations (when the
 * object starts, and after each alarm) and kept in memory (`AlarmSchedule.derive`), so a booking
 * writes no timer row: the alarm it arms is durable by itself, and a restarted object finds the
 * pending rows and arms it again. Objects made by earlier code may still hold a stored row of
 * this name; it is honoured and deleted like before.
 */
const TIMER_SETTLE = "settle_pending";
/** Sign-in codes and the phone: erase what expired (durable/citizen-otp.ts). */
const TIMER_OTP = "otp_housekeeping";

/**
 * Start-up, in one native call: the reservations table, the alarm schedule's table, the timers,
 * whether `consent_state` exists, and the pending reservations (how many, the oldest).
 *
 * A citizen's ledger is a new object for nearly every booking in a rush, and each statement a
 * new object runs is a visible share of the booking's CPU (a V8 profile of 600 bookings: ~1% of
 * the isolate's time per CREATE TABLE), so only what a booking needs is created here and the
 * rest on first use: `consent_state` when consent is first withdrawn (until then nothing is
 * withdrawn), the sign-in code and phone tables (durable/otp-store.ts), `erasure`
 * (durable/ledger-erasure.ts). Measured: creating those three in this same call instead costs
 * ~0.5 ms of CPU per booking more. Same names and columns as ever, `IF NOT EXISTS`: objects made
 * by earlier code keep working.
 *
 * Earlier code also made an index `reservations_by_day (service_date, status)`; new objects do
 * without it (it stays where it exists): a citizen's table holds a few rows per booking day,
 * which SQLite scans faster than it keeps a third index up to date on every insert and update
 * (~1% of the isolate's time per booking, start-up + reserve + confirm).
 */
const STARTUP = `CREATE TABLE IF NOT EXISTS reservations (
      id TEXT PRIMARY KEY, idempotency_key TEXT UNIQUE, fingerprint TEXT NOT NULL,
      service_date TEXT NOT NULL, branch_id TEXT NOT NULL, field_code TEXT NOT NULL, channel TEXT NOT NULL,
      status TEXT NOT NULL, ticket_id TEXT, ticket_label TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    ${AlarmSchedule.SCHEMA};
    SELECT 'timer' AS kind, name, due_at, NULL AS n FROM schedule
    UNION ALL SELECT 'table', name, NULL, NULL FROM sqlite_master WHERE type = 'table' AND name = 'consent_state'
    UNION ALL SELECT 'pending', NULL, MIN(created_at), COUNT(*) FROM reservations WHERE status = 'pending'`;

type StartupRow =
  | { kind: "timer"; name: string; due_at: number; n: null }
  | { kind: "table"; name: string; due_at: null; n: null }
  | { kind: "pending"; name: null; due_at: number | null; n: number };

/**
 * Consent withdrawn (Law 91/2025) is kept here, where every online booking already passes, so
 * honouring it costs no D1 read on the booking path. D1 keeps the consent records themselves.
 */
const CONSENT_SCHEMA = "CREATE TABLE IF NOT EXISTS consent_state (id INTEGER PRIMARY KEY CHECK (id = 1), withdrawn_at INTEGER)";

export type ReservationStatus = "pending" | "confirmed" | "refused" | "cancelled";

export interface Reservation {
  id: string;
  serviceDate: string;
  branchId: string;
  fieldCode: string;
  channel: Channel;
  status: ReservationStatus;
  ticketId: string | null;
  ticketLabel: string | null;
  createdAt: number;
}

export interface ReserveRequest {
  serviceDate: string;
  branchId: string;
  fieldCode: string;
  channel: Channel;
  /** The client's Idempotency-Key (scoped to this citizen), or null. */
  idempotencyKey: string | null;
  /** What the request asked for; the same key with a different request is refused. */
  fingerprint: string;
  /**
   * Field codes of the citizen's active reservations for the same day held in their other
   * ledgers (those named by their keys under previous CITIZEN_KEY_SECRETs, during a rotation):
   * they count toward the limits like this ledger's own.
   */
  heldElsewhere?: string[];
}

type Row = {
  id: string;
  idempotency_key: string | null;
  fingerprint: string;
  service_date: string;
  branch_id: string;
  field_code: string;
  channel: string;
  status: string;
  ticket_id: string | null;
  ticket_label: string | null;
  created_at: number;
};

function toReservation(r: Row): Reservation {
  return {
    id: r.id,
    serviceDate: r.service_date,
    branchId: r.branch_id,
    fieldCode: r.field_code,
    channel: r.channel as Channel,
    status: r.status as ReservationStatus,
    ticketId: r.ticket_id,
    ticketLabel: r.ticket_label,
    createdAt: r.created_at,
  };
}

export class CitizenLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly schedule: AlarmSchedule;
  private readonly otp: CitizenOtp;
  private readonly erasure: LedgerErasure;
  /** Whether `consent_state` exists (created on the first withdrawal): without it, nothing is withdrawn. */
  private consentTable: boolean;
  /**
   * Pending reservations, counted at start-up and on every change this object makes (reserve
   * adds one; confirm and release know from their UPDATE whether the row was pending). Never
   * below the truth: the only other change, a deletion request, can only leave it too high, and
   * then the alarm fires once for nothing and counts again.
   */
  private pending: number;
  /** When the settle timer is due (a minute after the oldest pending reservation), or null. */
  private settleDueAt: number | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    configureClock(env);
    this.sql = ctx.storage.sql;
    const startup = this.sql.exec<StartupRow>(STARTUP).toArray();
    this.consentTable = startup.some((r) => r.kind === "table");
    this.schedule = new AlarmSchedule(ctx.storage, { rows: startup.filter((r) => r.kind === "timer") });
    const pending = startup.find((r) => r.kind === "pending");
    this.pending = pending?.n ?? 0;
    this.settleDueAt = pending?.due_at == null ? null : pending.due_at + PENDING_SETTLE_AFTER_MS;
    if (this.settleDueAt !== null) this.schedule.derive(TIMER_SETTLE, this.settleDueAt);
    this.erasure = new LedgerErasure(this.sql);
    this.otp = new CitizenOtp(ctx.storage, env, (due) => (due === null ? this.schedule.delete(TIMER_OTP) : this.schedule.set(TIMER_OTP, due)));
    this.schedule.arm();
  }

  // ---- Sign-in codes and the citizen's phone (rules and storage: durable/citizen-otp.ts) ----

  /** Sends a sign-in code to a Vietnamese mobile number (the Worker validated the ID number). */
  requestOtp(phone: string): Promise<OtpRequestOutcome> {
    return this.otp.request(phone);
  }

  /** Checks a sign-in code: attempts, lockout and expiry are kept here, per citizen. */
  verifyOtp(code: string): Promise<OtpVerifyOutcome> {
    return this.otp.verify(code);
  }

  /** The citizen's phone (E.164) for a notification, or null; counts as a use for retention. */
  contactPhone(): Promise<string | null> {
    return this.otp.contactPhone();
  }

  /** The phone as stored (ciphertext), for a key rotation to carry to the citizen's new ledger. */
  storedPhone(): StoredPhone | null {
    return this.otp.storedPhone();
  }

  /** Takes the phone held by the citizen's ledger under a previous key, unless one is held here. */
  adoptPhone(held: StoredPhone): void {
    this.otp.adoptPhone(held);
  }

  /** Deletes the phone and all sign-in code state (a deletion request). */
  forgetContactData(): void {
    this.otp.forget();
  }

  /**
   * Holds one of the citizen's slots for a day and field, or says which limit stops it. With a
   * known idempotency key it returns the earlier reservation instead (a retry, not a new booking).
   */
  reserve(req: ReserveRequest): Outcome<{ reservation: Reservation; replay: boolean }> {
    // Everything the decision needs in one statement: consent, the reservation an idempotency key
    // already names (null key: matches nothing), and the day's active reservations (pending +
    // confirmed), in all and in this field. No await from here to the insert: one atomic check.
    const withdrawn = this.consentTable ? "(SELECT withdrawn_at FROM consent_state WHERE id = 1)" : "NULL";
    const seen = this.sql
      .exec<{ withdrawn_at: number | null; earlier_id: string | null; day_n: number; field_n: number }>(
        `SELECT ${withdrawn} AS withdrawn_at,
           (SELECT id FROM reservations WHERE idempotency_key = ?) AS earlier_id,
           COUNT(*) AS day_n, COALESCE(SUM(field_code = ?), 0) AS field_n
         FROM reservations WHERE service_date = ? AND status IN ('pending', 'confirmed')`,
        req.idempotencyKey,
        req.fieldCode,
        req.serviceDate,
      )
      .one();
    // Walk-ins at reception or a kiosk are served in person whatever the online consent says.
    if ((req.channel === "online" || req.channel === "platform") && seen.withdrawn_at !== null) {
      return refuse("consent_required", { policyVersion: this.env.PRIVACY_POLICY_VERSION }, CONSENT_WITHDRAWN_DETAIL);
    }
    if (req.idempotencyKey !== null && seen.earlier_id !== null) {
      const earlier = this.byIdempotencyKey(req.idempotencyKey);
      if (earlier) {
        if (earlier.fingerprint !== req.fingerprint) return refuse("idempotency_key_reused");
        return { ok: true, reservation: toReservation(earlier), replay: true };
      }
    }
    // `heldElsewhere` was read from the previous-key ledgers just before this call. Those take no
    // new reservations, so what they hold can only have shrunk since: counting the snapshot
    // within this one atomic check never lets a limit be exceeded (at worst it refuses a slot
    // freed by a cancel in the same instant).
    const elsewhere = req.heldElsewhere ?? [];
    if (seen.day_n + elsewhere.length >= MAX_TICKETS_PER_CITIZEN_DAY) return refuse("citizen_daily_limit");
    if (seen.field_n + elsewhere.filter((code) => code === req.fieldCode).length >= MAX_TICKETS_PER_CITIZEN_FIELD_DAY) {
      return refuse("citizen_field_limit");
    }
    const nowMs = now();
    const id = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO reservations (id, idempotency_key, fingerprint, service_date, branch_id, field_code, channel, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      id,
      req.idempotencyKey,
      req.fingerprint,
      req.serviceDate,
      req.branchId,
      req.fieldCode,
      req.channel,
      nowMs,
      nowMs,
    );
    // In the same synchronous step as the insert (no await between): the alarm that settles the
    // pending row is armed with it, and both are durable before the reply leaves (output gate).
    this.pending += 1;
    const due = nowMs + PENDING_SETTLE_AFTER_MS;
    if (this.settleDueAt === null || due < this.settleDueAt) this.settleDueAt = due;
    this.schedule.derive(TIMER_SETTLE, this.settleDueAt);
    // The row just written, without reading it back (one statement less on every booking).
    const reservation: Reservation = {
      id,
      serviceDate: req.serviceDate,
      branchId: req.branchId,
      fieldCode: req.fieldCode,
      channel: req.channel,
      status: "pending",
      ticketId: null,
      ticketLabel: null,
      createdAt: nowMs,
    };
    return { ok: true, reservation, replay: false };
  }

  /** The reservation an idempotency key names for this same request, if any (retries). */
  find(idempotencyKey: string, fingerprint: string): Reservation | null {
    const row = this.byIdempotencyKey(idempotencyKey);
    return row && row.fingerprint === fingerprint ? toReservation(row) : null;
  }

  private byIdempotencyKey(key: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM reservations WHERE idempotency_key = ?", key).toArray()[0];
  }

  /** Records that the citizen withdrew consent (a time) or gave it again (null). */
  setConsentWithdrawn(atMs: number | null): void {
    if (!this.consentTable) {
      // Never withdrawn here: consenting (every sign-in) has nothing to lift and creates nothing.
      if (atMs === null) return;
      this.sql.exec(CONSENT_SCHEMA);
      this.consentTable = true;
    }
    this.sql.exec("INSERT INTO consent_state (id, withdrawn_at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET withdrawn_at = excluded.withdrawn_at", atMs);
  }

  consentWithdrawnAt(): number | null {
    if (!this.consentTable) return null;
    return this.sql.exec<{ withdrawn_at: number | null }>("SELECT withdrawn_at FROM consent_state WHERE id = 1").toArray()[0]?.withdrawn_at ?? null;
  }

  /** The branch-day issued the ticket: the slot is taken. */
  confirm(reservationId: string, ticketId: string, ticketLabel: string): void {
    this.moveOn(reservationId, "status = 'confirmed', ticket_id = ?, ticket_label = ?, updated_at = ?", [ticketId, ticketLabel, now()], "pending");
  }

  /**
   * Updates a reservation that is pending or confirmed (anything else is left as it is), trying
   * the likelier status first: one statement on the usual path, and the UPDATE itself tells
   * whether a pending reservation was settled.
   */
  private moveOn(reservationId: string, set: string, values: (string | number)[], likelier: "pending" | "confirmed"): void {
    for (const from of likelier === "pending" ? (["pending", "confirmed"] as const) : (["confirmed", "pending"] as const)) {
      const hit = this.sql.exec(`UPDATE reservations SET ${set} WHERE id = ? AND status = '${from}' RETURNING id`, ...values, reservationId).toArray().length > 0;
      if (!hit) continue;
      if (from === "pending") this.pendingSettled();
      return;
    }
  }

  /**
   * With nothing pending any more, the settle timer reserve() armed has nothing to do: drop it
   * (and the alarm), so a booking does not wake this object again a minute later (one more
   * invocation per citizen in a rush). A reservation still pending keeps it: the alarm settles it.
   */
  private pendingSettled(): void {
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending > 0) return;
    this.settleDueAt = null;
    // A row stored by earlier code, if the object has one (no statement otherwise).
    this.schedule.delete(TIMER_SETTLE);
    this.schedule.derive(TIMER_SETTLE, null);
  }

  /** Counts the pending reservations again and sets the settle timer from the oldest. */
  private recountPending(): void {
    const row = this.sql.exec<{ n: number; oldest: number | null }>("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM reservations WHERE status = 'pending'").one();
    this.pending = row.n;
    this.settleDueAt = row.oldest === null ? null : row.oldest + PENDING_SETTLE_AFTER_MS;
    this.schedule.derive(TIMER_SETTLE, this.settleDueAt);
  }

  /**
   * Frees the slot. "refused": no ticket was issued, and the idempotency key is forgotten so a
   * retry is judged afresh. "cancelled": the citizen gave the ticket back; the key still names it.
   */
  release(reservationId: string, why: "refused" | "cancelled"): void {
    const forget = why === "refused" ? ", idempotency_key = NULL" : "";
    // Refused: the branch-day issued nothing, so still pending; cancelled: a confirmed ticket.
    this.moveOn(reservationId, `status = ?, updated_at = ?${forget}`, [why, now()], why === "refused" ? "pending" : "confirmed");
  }

  /** The citizen's reservations from a day on (tickets of today and upcoming days). */
  list(fromDate: string): Reservation[] {
    return this.sql
      .exec<Row>("SELECT * FROM reservations WHERE service_date >= ? ORDER BY service_date, created_at", fromDate)
      .toArray()
      .map(toReservation);
  }

  /** The day's active reservations (pending + confirmed): what counts toward the limits. */
  activeForDay(serviceDate: string): { fieldCode: string }[] {
    return this.sql
      .exec<{ field_code: string }>("SELECT field_code FROM reservations WHERE service_date = ? AND status IN ('pending', 'confirmed')", serviceDate)
      .toArray()
      .map((r) => ({ fieldCode: r.field_code }));
  }

  /** Tickets held per day (pending + confirmed), for reconciliation checks. */
  activeCount(serviceDate: string): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations WHERE service_date = ? AND status IN ('pending', 'confirmed')", serviceDate)
      .one().n;
  }

  /** Settles pending reservations older than the cut-off against their branch-days. */
  async settlePending(olderThanMs = PENDING_SETTLE_AFTER_MS): Promise<number> {
    const cutoff = now() - olderThanMs;
    const stale = this.sql.exec<Row>("SELECT * FROM reservations WHERE status = 'pending' AND created_at <= ?", cutoff).toArray();
    for (const r of stale) {
      const day = this.env.BRANCH_DAY.getByName(`${r.branch_id}:${r.service_date}`);
      const { ticket } = await day.settleReservation(r.id);
      if (ticket) this.confirm(r.id, ticket.id, ticket.label);
      else this.release(r.id, "refused");
    }
    return stale.length;
  }

  override async alarm(): Promise<void> {
    this.schedule.fired();
    // A row stored by earlier code, if any: from now on the timer is derived (recountPending).
    this.schedule.delete(TIMER_SETTLE);
    await this.settlePending();
    this.recountPending();
    this.otp.housekeeping();
    if (this.schedule.due(now()).includes(TIMER_ERASE)) {
      try {
        await this.erasure.finish(this.env.DB);
        this.schedule.delete(TIMER_ERASE);
      } catch (err) {
        console.error("erasure finish failed; will retry", err instanceof Error ? err.message : err);
        this.schedule.set(TIMER_ERASE, now() + ERASE_RETRY_DELAY_MS);
      }
    }
    this.schedule.arm();
  }

  // ---- Personal data rights (worker/privacy/erasure.ts, durable/ledger-erasure.ts) ----

  /**
   * A deletion request: forgets the phone and sign-in codes, and every reservation except the
   * active ones of today and later (their tickets stay, and so must their slots, or the citizen
   * could exceed the daily limit by deleting and booking again). Returns those kept.
   */
  forget(citizenKey: string, today: string): { kept: Reservation[]; keptThrough: string | null } {
    this.otp.forget();
    const { keptThrough, finishAt } = this.erasure.forget(citizenKey, today);
    // It may have deleted pending reservations of past days: count again.
    this.recountPending();
    if (finishAt === null) this.schedule.delete(TIMER_ERASE);
    else this.schedule.set(TIMER_ERASE, finishAt);
    this.schedule.arm();
    return { kept: this.list(today), keptThrough };
  }

  /** What GET /api/v1/me shows from here: whether a phone is held (never the number). */
  privacySummary(): { phoneHeld: boolean } {
    return { phoneHeld: this.otp.hasPhone() };
  }
}
