/**
 * BranchDay: one Durable Object per branch and service day ("<branchId>:<YYYY-MM-DD>"). It
 * serializes issuing and serving for that day. A thin shell: the rules are the pure engine; this
 * class loads and stores state, runs the alarm schedule and drains the history outbox to D1.
 */
import { DurableObject } from "cloudflare:workers";
import { bookingClosesAt, serviceDayEndsAt } from "../shared/booking-rules";
import type { DayPlan } from "../shared/branch-config";
import { configureClock, now } from "../shared/clock";
import { refuse, type Outcome, type Refusal } from "../shared/problems";
import { upsertTicketHistory, type TicketHistoryRow } from "../worker/db/history";
import { AlarmSchedule } from "./alarm-schedule";
import { BranchDayStore } from "./branch-day-store";
import { decideCounterCommand, type CounterCommand } from "./engine/commands";
import { issueTicket, type IssueRequest } from "./engine/issue";
import { cancelTicket, checkIn, expireDay } from "./engine/serving";
import { applyChanges, createState, restoreState } from "./engine/state";
import type { Changes, DayState, IdentityCheck, Ticket } from "./engine/types";
import { viewCounter, viewCounters, viewFields, viewTicket, type CounterView, type FieldDayView, type TicketView, type ViewContext } from "./engine/views";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE, parseClientMessage, type LiveEvent } from "../shared/live-protocol";
import { TicketNotifier } from "./ticket-notifier";
import { dayEndEvent, type ChainCause } from "./engine/fairness";
import { FairnessLog } from "./engine/fairness-log";
import type { ChainEntry, ChainHead } from "../shared/fairness";
import { publishFairnessHead } from "../worker/db/fairness-heads";
import { PlatformEventOutbox } from "./platform-events";
import { WaitEstimates } from "./wait-estimates";
import type { PushTarget } from "../worker/notify";
import { audienceView, LiveHub, subscriptionSchema, type Subscription } from "./live-hub";
import type { AudienceView } from "../shared/live-protocol";

/** Header by which the Worker tells the object who an (already authorized) socket is. */
export const SUBSCRIPTION_HEADER = "x-sothutu-subscription";

/** What a counter command announces to live watchers. */
const EVENT_OF_ACTION: Record<CounterCommand["action"], LiveEvent["kind"]> = {
  open: "counter",
  pause: "counter",
  resume: "counter",
  close: "counter",
  call_next: "called",
  call_specific: "called",
  recall: "recalled",
  no_show: "no_show",
  start: "started",
  complete: "served",
  transfer: "transferred",
};

/** Wait this long after a change before copying history to D1, so a burst goes in one batch. */
const HISTORY_FLUSH_DELAY_MS = 2_000;
/** After a failed flush (D1 unavailable), try again this much later. */
const HISTORY_RETRY_DELAY_MS = 30_000;
/** Tickets per D1 flush (about 30 statements in one batch); the rest go in the next alarm right after. */
const HISTORY_BATCH_SIZE = 100;

const TIMER = { closeBooking: "close_booking", endOfDay: "end_of_day", flush: "history_flush", notify: "notify", events: "platform_events", fairness: "fairness_head" } as const;
/** After a failed publication of the fairness chain's head to D1, try again this much later. */
const FAIRNESS_RETRY_DELAY_MS = 30_000;
/** Platform events wait this long for the rest of a burst, then go to the queue in one batch. */
const EVENTS_DRAIN_DELAY_MS = 500;
/** After a failed send to the webhook queue, try again this much later. */
const EVENTS_RETRY_DELAY_MS = 10_000;
/** After a failed notification delivery, try again this much later. */
const NOTIFY_RETRY_DELAY_MS = 30_000;

export interface DayOverview {
  branchId: string;
  date: string;
  bookingClosed: boolean;
  dayEnded: boolean;
  fields: FieldDayView[];
  counters: CounterView[];
}

/** Ticket lookups by id-seq or by label ("A015"), as reception types or scans them. */
export type TicketRef = { seq: number } | { label: string };

export class BranchDay extends DurableObject<Env> {
  private readonly store: BranchDayStore;
  private readonly schedule: AlarmSchedule;
  private state: DayState | null = null;
  private flushScheduled = false;
  private readonly hub: LiveHub;
  private readonly notifier: TicketNotifier;
  private readonly events: PlatformEventOutbox;
  private readonly estimates = new WaitEstimates();
  private readonly fairness: FairnessLog;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    configureClock(env);
    this.hub = new LiveHub(ctx);
    // Heartbeats are answered by the runtime without waking a hibernating object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE));
    this.store = new BranchDayStore(ctx.storage);
    this.schedule = new AlarmSchedule(ctx.storage);
    this.notifier = new TicketNotifier(ctx.storage, env);
    this.fairness = new FairnessLog(ctx.storage.sql);
    this.events = new PlatformEventOutbox(ctx.storage, env);
    this.notifier.decideForEvents = this.events.enabled;
    // Memory is only a cache: rebuild it from SQLite every time the object wakes.
    const plan = this.store.loadPlan();
    if (plan) {
      this.state = restoreState(plan, this.store.loadTickets(), this.store.loadCounters());
      for (const r of this.store.loadVoidedReservations()) this.state.voidedReservations.add(r);
      this.state.bookingClosedAt = this.store.getMeta<number>("booking_closed_at");
      this.state.dayEndedAt = this.store.getMeta<number>("day_ended_at");
    }
    this.flushScheduled = this.schedule.has(TIMER.flush);
    this.schedule.arm();
  }

  // ---- RPC: citizens and booking ----

  /** Issues a number (idempotent by reservation id). */
  issue(plan: DayPlan, req: IssueRequest): Outcome<{ ticket: TicketView; replay: boolean }> {
    const state = this.adopt(plan);
    const outcome = issueTicket(state, req, now());
    if (!outcome.ok) return outcome;
    if (!outcome.replay) this.commit(outcome.changes, this.event("issued", outcome.ticket));
    return { ok: true, ticket: viewTicket(state, state.tickets[outcome.ticket.seq - 1]!, this.viewContext()), replay: outcome.replay };
  }

  /**
   * The ledger's reconciliation: returns the ticket made for a reservation, or makes sure none
   * ever will be (a late issue for a voided reservation is refused).
   */
  settleReservation(reservationId: string): { ticket: TicketView | null } {
    const state = this.state;
    const seq = state?.byReservation.get(reservationId);
    if (state && seq !== undefined) return { ticket: viewTicket(state, state.tickets[seq - 1]!, this.viewContext()) };
    this.store.voidReservation(reservationId);
    state?.voidedReservations.add(reservationId);
    return { ticket: null };
  }

  /**
   * A citizen's own ticket (someone else's is "not found"). `citizenKeys` are all the citizen's
   * keys: the current one and, during a key rotation, those under previous secrets, which name
   * the tickets booked before it.
   */
  citizenTicket(seq: number, citizenKeys: string[]): Outcome<{ ticket: TicketView }> {
    const ticket = this.state?.tickets[seq - 1];
    if (!this.state || !ticket || !citizenKeys.includes(ticket.citizenKey)) return refuse("ticket_not_found");
    return { ok: true, ticket: viewTicket(this.state, ticket, this.viewContext()) };
  }

  /**
   * The citizen gives their number back. Answers the ticket's own citizen key too: its
   * reservation lives in the ledger that key names (a previous-key ledger during a rotation).
   */
  cancel(seq: number, citizenKeys: string[]): Outcome<{ ticket: TicketView; reservationId: string; citizenKey: string }> {
    const state = this.state;
    const held = state?.tickets[seq - 1];
    if (!state || !held || !citizenKeys.includes(held.citizenKey)) return refuse("ticket_not_found");
    const outcome = cancelTicket(state, seq, held.citizenKey, now());
    if (!outcome.ok) return outcome;
    const ticket = outcome.ticket!;
    this.commit(outcome.changes, this.event("cancelled", ticket));
    return { ok: true, ticket: viewTicket(state, ticket, this.viewContext()), reservationId: ticket.reservationId, citizenKey: ticket.citizenKey };
  }

  // ---- RPC: staff ----

  /**
   * Reception: the citizen's identity matched the number; mark arrived and verified. Any of the
   * citizen's keys (current or previous, `citizenTicket`) matches.
   */
  checkIn(plan: DayPlan, ref: TicketRef, citizenKeys: string[], method: IdentityCheck): Outcome<{ ticket: TicketView }> {
    const state = this.adopt(plan);
    const seq = "seq" in ref ? ref.seq : state.byLabel.get(ref.label);
    if (seq === undefined || citizenKeys.length === 0) return refuse("ticket_not_found");
    // The engine compares one key: give it the ticket's own when it is one of the citizen's,
    // else the current one (and it answers identity_mismatch).
    const ticketKey = state.tickets[seq - 1]?.citizenKey;
    const key = ticketKey !== undefined && citizenKeys.includes(ticketKey) ? ticketKey : citizenKeys[0]!;
    const outcome = checkIn(state, seq, key, method, now());
    if (!outcome.ok) return outcome;
    this.commit(outcome.changes, this.event("checked_in", outcome.ticket));
    return { ok: true, ticket: viewTicket(state, outcome.ticket!, this.viewContext()) };
  }

  /** Reception: look a ticket up by label or seq. */
  findTicket(ref: TicketRef): Outcome<{ ticket: TicketView }> {
    const state = this.state;
    const seq = state && ("seq" in ref ? ref.seq : state.byLabel.get(ref.label));
    const ticket = seq === undefined || seq === null ? undefined : state?.tickets[seq - 1];
    if (!state || !ticket) return refuse("ticket_not_found");
    return { ok: true, ticket: viewTicket(state, ticket, this.viewContext()) };
  }

  /** Counter commands: open, pause, call next, complete, transfer… */
  counter(plan: DayPlan, cmd: CounterCommand): Outcome<{ ticket: TicketView | null; counter: CounterView }> {
    const state = this.adopt(plan);
    const outcome = decideCounterCommand(state, cmd, now());
    if (!outcome.ok) return outcome;
    this.commit(outcome.changes, this.event(EVENT_OF_ACTION[cmd.action], outcome.ticket, cmd.counter), { chosenByClerk: cmd.action === "call_specific" });
    const counter = state.counters.get(cmd.counter) ?? outcome.counter;
    const ctx = this.viewContext();
    return {
      ok: true,
      ticket: outcome.ticket ? viewTicket(state, state.tickets[outcome.ticket.seq - 1]!, ctx) : null,
      counter: viewCounter(state, counter!, ctx),
    };
  }

  /** The day at a glance: capacity and queues per field, counters. */
  overview(plan: DayPlan): DayOverview {
    const state = this.adopt(plan);
    return {
      branchId: state.branchId,
      date: state.date,
      bookingClosed: state.bookingClosedAt !== null,
      dayEnded: state.dayEndedAt !== null,
      fields: viewFields(state),
      counters: viewCounters(state, this.viewContext()),
    };
  }

  /** Every ticket of the day in registration order (staff and tests; no raw personal data). */
  tickets(): TicketView[] {
    const state = this.state;
    const ctx = this.viewContext();
    return state ? state.tickets.map((t) => viewTicket(state, t, ctx)) : [];
  }

  /**
   * What a reconciliation against the citizens' ledgers needs (worker/routes/reconcile.ts): each
   * ticket's number, status, citizen key and reservation, and how many tickets' newest versions
   * have not reached D1 yet. Citizen keys are keyed hashes, never ID numbers.
   */
  reconciliationEntries(): {
    tickets: Array<{ seq: number; id: string; label: string; fieldCode: string; number: number; status: string; citizenKey: string; reservationId: string; version: number }>;
    outboxPending: number;
  } {
    const tickets = (this.state?.tickets ?? []).map((t) => ({
      seq: t.seq,
      id: t.id,
      label: t.label,
      fieldCode: t.fieldCode,
      number: t.number,
      status: t.status,
      citizenKey: t.citizenKey,
      reservationId: t.reservationId,
      version: t.version,
    }));
    return { tickets, outboxPending: this.store.outboxSize() };
  }

  /**
   * The day's fairness chain: its head and up to `limit` entries from position `from` on (public:
   * no personal data, the citizen appears only as a per-day keyed tag).
   */
  fairnessChain(from: number, limit: number): { head: ChainHead | null; dayEnded: boolean; entries: ChainEntry[] } {
    const state = this.state;
    if (!state) return { head: null, dayEnded: false, entries: [] };
    return { head: this.fairness.head(state.branchId, state.date), dayEnded: state.dayEndedAt !== null, entries: this.fairness.page(from, limit) };
  }

  // ---- Live watchers (WebSockets, hibernation API) ----

  /** Makes sure the day exists (plan adopted) so watchers can subscribe before any ticket. */
  prepare(plan: DayPlan): { version: number } {
    return { version: this.adopt(plan).version };
  }

  /** The live view of a subscription, for clients that poll instead of keeping a socket. */
  snapshot(plan: DayPlan, sub: Subscription): Outcome<{ v: number; audience: Subscription["audience"]; view: AudienceView }> {
    const state = this.adopt(plan);
    const view = audienceView(sub, state, this.viewContext());
    if (!view) return refuse("ticket_not_found");
    return { ok: true, v: state.version, audience: sub.audience, view };
  }

  /** Upgrades arrive here only from the Worker, which authorized them and names the subscriber. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const parsed = subscriptionSchema.safeParse(safeJson(request.headers.get(SUBSCRIPTION_HEADER)));
    if (!parsed.success || !this.state) return new Response("no subscription", { status: 400 });
    const pair = new WebSocketPair();
    this.hub.accept(pair[1], parsed.data, this.state, this.viewContext());
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const msg = parseClientMessage(message);
    if (msg?.type === "resync" && this.state) this.hub.resync(ws, this.state, this.viewContext());
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.hub.forget(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.hub.forget(ws);
  }

  /** The citizen's browser subscribed to push notifications for their ticket (or withdrew). */
  setPushTarget(seq: number, citizenKeys: string[], target: PushTarget | null): Outcome<object> {
    const ticket = this.state?.tickets[seq - 1];
    if (!ticket || !citizenKeys.includes(ticket.citizenKey)) return refuse("ticket_not_found");
    this.notifier.setPushTarget(seq, target);
    return { ok: true };
  }

  /** A display token was revoked: its screens are disconnected at once. */
  closeDisplays(tokenId: string): number {
    return this.hub.closeTagged(`display:${tokenId}`, 4001, "display token revoked");
  }

  /** How many watchers are connected (operations and tests). */
  watcherCount(): number {
    return this.hub.size;
  }

  // ---- Alarm ----

  override async alarm(): Promise<void> {
    this.schedule.fired();
    const nowMs = now();
    const state = this.state;
    for (const name of this.schedule.due(nowMs)) {
      if (name === TIMER.closeBooking && state) {
        state.bookingClosedAt ??= nowMs;
        this.store.setMeta("booking_closed_at", state.bookingClosedAt);
        this.schedule.delete(name);
      } else if (name === TIMER.endOfDay && state) {
        // Idempotent: a second run finds nothing waiting and keeps the first end time.
        const expiring = expireDay(state, nowMs);
        // The end of the day is one chain entry listing what it expired, written once.
        if (state.dayEndedAt === null) this.fairness.recordEvent(state, nowMs, dayEndEvent(expiring));
        this.commit(expiring, { kind: "expired", label: null, counter: null, fieldCode: null, at: nowMs });
        state.dayEndedAt ??= nowMs;
        this.schedule.set(TIMER.fairness, nowMs, { keepEarlier: true });
        this.store.setMeta("day_ended_at", state.dayEndedAt);
        this.schedule.delete(name);
      }
    }
    if (state && this.schedule.due(now()).includes(TIMER.notify)) {
      this.schedule.delete(TIMER.notify);
      const { remaining, failed } = await this.notifier.deliverPending(state);
      if (remaining > 0) this.schedule.set(TIMER.notify, now() + (failed ? NOTIFY_RETRY_DELAY_MS : 0), { keepEarlier: true });
    }
    if (this.schedule.due(now()).includes(TIMER.events)) await this.drainEvents();
    if (state && this.schedule.due(now()).includes(TIMER.fairness)) await this.publishFairnessHead(state);
    if (this.flushScheduled && this.schedule.due(now()).includes(TIMER.flush)) await this.flushHistory();
    this.schedule.arm();
  }

  /** Sends recorded platform events to the webhook queue (a batch per run; the rest right after). */
  private async drainEvents(): Promise<void> {
    this.schedule.delete(TIMER.events);
    try {
      if ((await this.events.drain(this.env.WEBHOOK_QUEUE)) > 0) this.schedule.set(TIMER.events, now(), { keepEarlier: true });
    } catch (err) {
      console.error("platform events: queue send failed; will retry", err instanceof Error ? err.message : err);
      this.schedule.set(TIMER.events, now() + EVENTS_RETRY_DELAY_MS, { keepEarlier: true });
    }
  }

  /** Publishes the chain's head to D1 (fairness_heads) once the day has ended; idempotent. */
  private async publishFairnessHead(state: DayState): Promise<void> {
    const head = this.fairness.head(state.branchId, state.date);
    try {
      await publishFairnessHead(this.env.DB, state.branchId, state.date, head, now());
      // An entry written while D1 answered set the timer again: leave it for that longer head.
      if (this.fairness.head(state.branchId, state.date).length === head.length) this.schedule.delete(TIMER.fairness);
    } catch (err) {
      console.error("fairness head publication failed; will retry", err instanceof Error ? err.message : err);
      this.schedule.set(TIMER.fairness, now() + FAIRNESS_RETRY_DELAY_MS);
    }
  }

  /** Copies changed tickets to D1's ticket_history (idempotent upserts, ordered by version). */
  private async flushHistory(): Promise<void> {
    const state = this.state;
    const pending = this.store.pendingHistory(HISTORY_BATCH_SIZE);
    if (!state || pending.length === 0) {
      this.schedule.delete(TIMER.flush);
      this.flushScheduled = false;
      return;
    }
    // Send each ticket's newest version; remember which version D1 got.
    const rows = pending.map((p) => toHistoryRow(state.tickets[p.seq - 1]!, state));
    try {
      await upsertTicketHistory(this.env.DB, rows, now());
    } catch (err) {
      console.error("history flush failed; will retry", err instanceof Error ? err.message : err);
      this.schedule.set(TIMER.flush, now() + HISTORY_RETRY_DELAY_MS);
      return;
    }
    this.store.markHistoryFlushed(rows.map((r) => ({ seq: r.seq, version: r.version })));
    if (this.store.outboxSize() > 0) {
      this.schedule.set(TIMER.flush, now());
    } else {
      this.schedule.delete(TIMER.flush);
      this.flushScheduled = false;
    }
  }

  // ---- Internals ----

  /**
   * Takes the Worker's plan if it is the first or newer than the one held, and (re)sets the
   * day's timers from it. The object's identity (branch and day) never changes.
   */
  private adopt(plan: DayPlan): DayState {
    const state = this.state;
    if (state && plan.version <= state.plan.version) return state;
    if (state && (plan.branch.id !== state.branchId || plan.date !== state.date)) {
      throw new Error(`plan for ${plan.branch.id}:${plan.date} sent to ${state.branchId}:${state.date}`);
    }
    this.store.setMeta("plan", plan);
    if (state) state.plan = plan;
    else {
      this.state = createState(plan);
      for (const r of this.store.loadVoidedReservations()) this.state.voidedReservations.add(r);
    }
    const closesAt = bookingClosesAt(plan);
    const endsAt = serviceDayEndsAt(plan);
    if (closesAt !== null) this.schedule.set(TIMER.closeBooking, closesAt);
    else this.schedule.delete(TIMER.closeBooking);
    if (endsAt !== null && this.state!.dayEndedAt === null) this.schedule.set(TIMER.endOfDay, endsAt);
    else this.schedule.delete(TIMER.endOfDay);
    return this.state!;
  }

  /**
   * Persists a decision, applies it to memory, then tells the watchers. No await anywhere: the
   * writes commit together, and the output gate holds the replies and socket messages until
   * they are durable, so nobody is told about a change that could still be lost.
   */
  private commit(changes: Changes, event: LiveEvent | null, cause?: ChainCause): void {
    if (changes.tickets.length === 0 && changes.counters.length === 0) return;
    const state = this.state!;
    const fieldsBefore = new Set<string>();
    for (const t of changes.tickets) {
      const prev = state.tickets[t.seq - 1];
      if (prev) fieldsBefore.add(prev.fieldCode);
    }
    for (const c of changes.counters) for (const f of state.counters.get(c.number)?.fieldCodes ?? []) fieldsBefore.add(f);
    let ctx: ViewContext = {};
    // Fields touched by the change, before and after it (a transfer, or a counter re-opened with
    // other fields, affects both sides).
    const affected = new Set(fieldsBefore);
    for (const t of changes.tickets) affected.add(t.fieldCode);
    for (const c of changes.counters) for (const f of c.fieldCodes) affected.add(f);
    const eventDrafts = this.events.draft(state, changes);
    // One transaction: the change, and the notifications and platform events it makes due.
    this.ctx.storage.transactionSync(() => {
      // First: the chain entries see the state before the change, and give new tickets their receipts.
      this.fairness.record(state, changes, now(), cause);
      if (state.dayEndedAt !== null) this.schedule.set(TIMER.fairness, now(), { keepEarlier: true });
      this.store.saveChanges(changes);
      applyChanges(state, changes);
      this.estimates.invalidate(changes);
      ctx = this.viewContext();
      if (this.notifier.queueDue(state, changes.tickets, affected, ctx) > 0) this.schedule.set(TIMER.notify, now(), { keepEarlier: true });
      if (this.events.record(state, eventDrafts, this.notifier.lastNear) > 0) this.schedule.set(TIMER.events, now() + EVENTS_DRAIN_DELAY_MS, { keepEarlier: true });
    });
    if (changes.tickets.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule.set(TIMER.flush, now() + HISTORY_FLUSH_DELAY_MS, { keepEarlier: true });
    }
    this.hub.broadcast(state, changes, affected, event, ctx);
  }

  private event(kind: LiveEvent["kind"], ticket: Ticket | null, counter: number | null = null): LiveEvent {
    return { kind, label: ticket?.label ?? null, counter: counter ?? ticket?.counterNumber ?? null, fieldCode: ticket?.fieldCode ?? null, at: now() };
  }

  /** Estimates and other per-change context for views. */
  private viewContext(): ViewContext {
    const state = this.state;
    if (!state) return {};
    this.estimates.loadHistory(this.env.DB, state.branchId, state.date, (p) => this.ctx.waitUntil(p));
    return this.estimates.context(state, now());
  }
}

function toHistoryRow(t: Ticket, state: DayState): TicketHistoryRow {
  return {
    id: t.id,
    branchId: state.branchId,
    serviceDate: state.date,
    seq: t.seq,
    fieldCode: t.fieldCode,
    originalFieldCode: t.originalFieldCode,
    number: t.number,
    label: t.label,
    channel: t.channel,
    priority: t.priority,
    citizenKey: t.citizenKey,
    citizenMasked: t.citizenMasked,
    status: t.status,
    registeredAt: t.registeredAt,
    arrivedAt: t.arrivedAt,
    verifiedBy: t.verifiedBy,
    calledAt: t.calledAt,
    counterNumber: t.counterNumber,
    callCount: t.callCount,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    version: t.version,
  };
}

function safeJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export type { Refusal };
