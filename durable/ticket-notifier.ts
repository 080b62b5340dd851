/**
 * "Your turn is near" and "you are called" for one branch-day. After each commit it decides
 * which notifications are due (pure rules in engine/notifications.ts) and records them in the
 * same synchronous write, so each is sent at most once per ticket and kind; the alarm delivers
 * them later through the configured channels, off the issuing and calling path.
 */
import { now } from "../shared/clock";
import { buildNotification, deliver, notificationChannels, type NotificationChannels, type NotifyEnv, type PushTarget } from "../worker/notify";
import { DEFAULT_NEAR_THRESHOLDS, dueNotifications, notificationKey, type NotificationKind } from "./engine/notifications";
import type { DayState, Ticket } from "./engine/types";
import { openCountersFor, ticketsAhead, type ViewContext } from "./engine/views";

/** Only the head of each queue can be "near": look no further than this per field. */
const NEAR_SCAN_PER_FIELD = 50;
/** Deliveries per alarm run; the rest go in the next run. */
const DELIVERY_BATCH = 50;
/** Attempts before a notification is given up (channels retry transient failures this way). */
const MAX_DELIVERY_ATTEMPTS = 5;

export class TicketNotifier {
  private readonly channels: NotificationChannels;
  private sent: Set<string> | null = null;
  private pushTargetCount: number;
  /**
   * Platform events (durable/platform-events.ts) want the "near" decisions even where no
   * notification channel is configured: set by the branch-day when its event outbox is on.
   */
  decideForEvents = false;
  /** Seqs the last `queueDue` made "near" (read in the same transaction for ticket.near events). */
  lastNear: number[] = [];

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {
    const sql = storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS notify_sent (key TEXT PRIMARY KEY)");
    sql.exec("CREATE TABLE IF NOT EXISTS notify_outbox (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)");
    // A push subscription is personal data: kept per ticket only for the day's notifications.
    sql.exec("CREATE TABLE IF NOT EXISTS push_targets (seq INTEGER PRIMARY KEY, target TEXT NOT NULL)");
    // The notification settings are all optional vars/secrets (see worker/notify/index.ts), so
    // they are not part of the generated Env type.
    this.channels = notificationChannels(env as unknown as NotifyEnv);
    this.pushTargetCount = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM push_targets").one().n;
  }

  /** Whether any notification could reach anyone: otherwise the rules are not even evaluated. */
  private get active(): boolean {
    return this.channels.webhook !== null || this.channels.sms !== null || (this.channels.push !== null && this.pushTargetCount > 0);
  }

  /**
   * The phone the citizen proved at sign-in (OTP), if any: it lives encrypted in their ledger,
   * which is asked only when SMS is configured and only at delivery time, off the calling path.
   */
  private async smsTarget(ticket: Ticket): Promise<{ phone: string } | undefined> {
    if (this.channels.sms === null) return undefined;
    try {
      const phone = await this.env.CITIZEN_LEDGER.getByName(ticket.citizenKey).contactPhone();
      return phone ? { phone } : undefined;
    } catch {
      return undefined; // no SMS this time; push and the webhook still go out
    }
  }

  private sentKeys(): Set<string> {
    this.sent ??= new Set(this.storage.sql.exec<{ key: string }>("SELECT key FROM notify_sent").toArray().map((r) => r.key));
    return this.sent;
  }

  setPushTarget(seq: number, target: PushTarget | null): void {
    if (target) this.storage.sql.exec("INSERT INTO push_targets (seq, target) VALUES (?, ?) ON CONFLICT(seq) DO UPDATE SET target = excluded.target", seq, JSON.stringify(target));
    else this.storage.sql.exec("DELETE FROM push_targets WHERE seq = ?", seq);
    this.pushTargetCount = this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM push_targets").one().n;
  }

  /**
   * Records the notifications a change made due. Synchronous, called right after the change's
   * own writes: both commit together. Returns how many were queued.
   */
  queueDue(state: DayState, changed: readonly Ticket[], affectedFields: ReadonlySet<string>, ctx: ViewContext): number {
    this.lastNear = [];
    const active = this.active;
    if (!active && !this.decideForEvents) return 0;
    const candidates = new Map<number, Ticket>();
    for (const t of changed) candidates.set(t.seq, state.tickets[t.seq - 1]!);
    for (const field of affectedFields) {
      const queues = state.waiting.get(field);
      if (!queues) continue;
      for (const seq of [...queues.priority, ...queues.regular].slice(0, NEAR_SCAN_PER_FIELD)) candidates.set(seq, state.tickets[seq - 1]!);
    }
    const sent = this.sentKeys();
    const due = dueNotifications(
      [...candidates.values()],
      sent,
      DEFAULT_NEAR_THRESHOLDS,
      (t) => ticketsAhead(state, t),
      (t) => {
        const ahead = ticketsAhead(state, t);
        return ahead === null ? null : (ctx.estimate?.(t, ahead)?.highMinutes ?? null);
      },
      (field) => openCountersFor(state, field) > 0,
    );
    for (const d of due) {
      const key = notificationKey(d.ticketSeq, d.kind);
      sent.add(key);
      this.storage.sql.exec("INSERT OR IGNORE INTO notify_sent (key) VALUES (?)", key);
      if (d.kind === "near") this.lastNear.push(d.ticketSeq);
      // Recorded as sent either way (a ticket is "near" once); delivered only through a channel.
      if (active) this.storage.sql.exec("INSERT OR IGNORE INTO notify_outbox (key, seq, kind) VALUES (?, ?, ?)", key, d.ticketSeq, d.kind);
    }
    return active ? due.length : 0;
  }

  pending(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM notify_outbox").one().n;
  }

  /** Sends queued notifications; says how many still wait and whether some just failed. */
  async deliverPending(state: DayState): Promise<{ remaining: number; failed: boolean }> {
    let anyFailed = false;
    const rows = this.storage.sql
      .exec<{ key: string; seq: number; kind: NotificationKind; attempts: number }>("SELECT key, seq, kind, attempts FROM notify_outbox ORDER BY rowid LIMIT ?", DELIVERY_BATCH)
      .toArray();
    for (const row of rows) {
      const ticket = state.tickets[row.seq - 1];
      const target = this.storage.sql.exec<{ target: string }>("SELECT target FROM push_targets WHERE seq = ?", row.seq).toArray()[0];
      if (!ticket) {
        this.storage.sql.exec("DELETE FROM notify_outbox WHERE key = ?", row.key);
        continue;
      }
      const n = buildNotification(ticket, { branchId: state.branchId, serviceDate: state.date }, row.kind, now());
      const report = await deliver(
        n,
        { push: target ? (JSON.parse(target.target) as PushTarget) : undefined, sms: await this.smsTarget(ticket), webhook: this.channels.platformWebhook ?? undefined },
        this.channels,
      );
      if (report.push?.status === "gone") this.setPushTarget(row.seq, null);
      const failed = Object.values(report).some((r) => r?.status === "failed");
      anyFailed ||= failed;
      if (failed && row.attempts + 1 < MAX_DELIVERY_ATTEMPTS) {
        this.storage.sql.exec("UPDATE notify_outbox SET attempts = attempts + 1 WHERE key = ?", row.key);
      } else {
        this.storage.sql.exec("DELETE FROM notify_outbox WHERE key = ?", row.key);
      }
    }
    return { remaining: this.pending(), failed: anyFailed };
  }
}
