/**
 * The branch-day's outbox of platform events (webhooks). Events are decided from the change
 * itself and written in the SAME synchronous transaction as the change (so an event exists if and
 * only if its change committed), then drained by the object's alarm into the WEBHOOK_QUEUE with
 * `sendBatch`; the queue consumer fans each event out to the subscribed endpoints
 * (worker/webhooks/consumer.ts). A drain that fails leaves the rows for the next alarm; a drain
 * that sent but crashed before deleting sends them again: receivers de-duplicate on the event id.
 *
 * Each event carries a unique id, a per-ticket `sequence` (1, 2, 3… over that ticket's events,
 * kept in SQLite) and the day's version, so receivers can order what the queue may reorder.
 */
import { now } from "../shared/clock";
import { branchEventOf, eventTicket, ticketEventOf, type EventType, type PlatformEvent } from "../worker/webhooks/events";
import type { WebhookMessage } from "../worker/webhooks/messages";
import { randomId } from "../worker/platform/ids";
import type { Changes, DayState } from "./engine/types";

/** Events per sendBatch (the Queues limit is 100 messages and 256 KB; an event is under 1 KB). */
const DRAIN_BATCH = 100;

/** What a change will announce, decided before it is applied (the previous state is needed). */
export interface EventDraft {
  type: EventType;
  /** Ticket events: the ticket's seq. */
  seq?: number;
}

export class PlatformEventOutbox {
  /** Off when the deployment has no webhook queue, or WEBHOOK_EVENTS is "0". */
  readonly enabled: boolean;

  constructor(
    private readonly storage: DurableObjectStorage,
    env: Env,
  ) {
    const switchedOff = (env as unknown as { WEBHOOK_EVENTS?: string }).WEBHOOK_EVENTS === "0";
    this.enabled = !switchedOff && (env as Partial<Pick<Env, "WEBHOOK_QUEUE">>).WEBHOOK_QUEUE !== undefined;
    storage.sql.exec("CREATE TABLE IF NOT EXISTS event_outbox (n INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)");
    // Per-subject event counters: "t<seq>" for a ticket, "branch" for the branch-day.
    storage.sql.exec("CREATE TABLE IF NOT EXISTS event_sequences (subject TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }

  /** The events a change makes (ticket transitions, branch opened/closed). Call before applying it. */
  draft(state: DayState, changes: Changes): EventDraft[] {
    if (!this.enabled) return [];
    const drafts: EventDraft[] = [];
    for (const next of changes.tickets) {
      const type = ticketEventOf(state.tickets[next.seq - 1], next);
      if (type) drafts.push({ type, seq: next.seq });
    }
    if (changes.counters.length > 0) {
      let before = 0;
      for (const c of state.counters.values()) if (c.status !== "closed") before++;
      let after = before;
      for (const c of changes.counters) {
        const was = state.counters.get(c.number)?.status ?? "closed";
        after += (c.status !== "closed" ? 1 : 0) - (was !== "closed" ? 1 : 0);
      }
      const type = branchEventOf(before, after);
      if (type) drafts.push({ type });
    }
    return drafts;
  }

  /**
   * Writes the drafted events and the "near" ones the notification rules decided, with the state
   * AFTER the change. Synchronous: call inside the change's transaction. Returns how many.
   */
  record(state: DayState, drafts: readonly EventDraft[], nearSeqs: readonly number[]): number {
    if (!this.enabled) return 0;
    const all: EventDraft[] = [...drafts, ...nearSeqs.map((seq) => ({ type: "ticket.near" as const, seq }))];
    const at = now();
    let openCounters = 0;
    for (const c of state.counters.values()) if (c.status !== "closed") openCounters++;
    for (const d of all) {
      const ticket = d.seq !== undefined ? state.tickets[d.seq - 1] : undefined;
      if (d.seq !== undefined && !ticket) continue;
      const subject = ticket ? `t${ticket.seq}` : "branch";
      const sequence = this.storage.sql
        .exec<{ n: number }>("INSERT INTO event_sequences (subject, n) VALUES (?, 1) ON CONFLICT(subject) DO UPDATE SET n = n + 1 RETURNING n", subject)
        .one().n;
      const event: PlatformEvent = {
        id: randomId("evt"),
        type: d.type,
        occurredAt: at,
        branchId: state.branchId,
        serviceDate: state.date,
        dayVersion: state.version,
        sequence,
        ...(ticket ? { ticket: eventTicket(ticket) } : { openCounters }),
      };
      this.storage.sql.exec("INSERT INTO event_outbox (body) VALUES (?)", JSON.stringify(event));
    }
    return all.length;
  }

  pending(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_outbox").one().n;
  }

  /** Sends the oldest events to the queue (one batch); says how many still wait. Throws if sending failed. */
  async drain(queue: Queue): Promise<number> {
    const rows = this.storage.sql.exec<{ n: number; body: string }>("SELECT n, body FROM event_outbox ORDER BY n LIMIT ?", DRAIN_BATCH).toArray();
    if (rows.length === 0) return 0;
    const messages: MessageSendRequest<WebhookMessage>[] = rows.map((r) => ({
      body: { kind: "event", event: JSON.parse(r.body) as PlatformEvent },
      contentType: "json",
    }));
    await queue.sendBatch(messages);
    this.storage.sql.exec("DELETE FROM event_outbox WHERE n <= ?", rows[rows.length - 1]!.n);
    return this.pending();
  }
}
