/**
 * The branch-day's watchers: WebSockets accepted with the hibernation API, so thousands of idle
 * phones and displays cost nothing while nothing happens. Who a socket is lives in its
 * attachment (it survives hibernation); the hub rebuilds its map from `getWebSockets()` when
 * the object wakes. After each commit the hub sends every affected socket a small delta of its
 * audience's view; sockets whose view did not change get nothing.
 */
import { z } from "zod";
import {
  applyPatch,
  errorMessage,
  RECEPTION_WAITING_SHOWN,
  type Audience,
  type AudienceView,
  type LiveEvent,
  type Patch,
  type ServerMessage,
} from "../shared/live-protocol";
import type { DisplayCounter, FieldDayView } from "../shared/live-views";
import type { Changes, Counter, DayState, Ticket } from "./engine/types";
import { viewCounter, viewCounters, viewFields, viewTicket, type ViewContext } from "./engine/views";

/** Who a socket is; set by the Worker after it authorized the upgrade. */
export const subscriptionSchema = z.discriminatedUnion("audience", [
  z.object({ audience: z.literal("citizen"), ticketSeq: z.number().int().positive() }),
  z.object({ audience: z.literal("counter"), counter: z.number().int().positive() }),
  z.object({ audience: z.literal("reception") }),
  z.object({ audience: z.literal("display"), tokenId: z.string().max(64) }),
]);
export type Subscription = z.infer<typeof subscriptionSchema>;

/** Stored on the socket (≤ 2,048 bytes): the subscription and the last version it was sent. */
interface Attachment {
  sub: Subscription;
  sentVersion: number;
}

/** Tags let the object find sockets without deserializing every attachment. */
export function tagsOf(sub: Subscription): string[] {
  const tags: string[] = [sub.audience];
  if (sub.audience === "citizen") tags.push(`ticket:${sub.ticketSeq}`);
  if (sub.audience === "display") tags.push(`display:${sub.tokenId}`);
  return tags;
}

/**
 * With this many sockets or more, changes that call nobody (a number issued, a ticket started, a
 * counter paused) are sent together every COALESCE_MS instead of one delta per change: in the
 * 08:00 rush every issued number changes the field's counts for every phone watching that field,
 * so per-change deltas would make the cost of issuing grow with the number of watchers. Calls are
 * never delayed (they carry everything pending with them). Below the threshold every change goes
 * out at once, as before.
 */
export const COALESCE_MIN_SOCKETS = 200;
export const COALESCE_MS = 250;

interface Pending {
  tickets: Map<number, Ticket>;
  counters: Map<number, Counter>;
  fields: Set<string>;
  event: LiveEvent | null;
  ctx: ViewContext;
  state: DayState;
}

export class LiveHub {
  private sockets: Map<WebSocket, Attachment> | null = null;
  private pending: Pending | null = null;
  private pendingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: DurableObjectState) {}

  /** Sockets and their attachments, rebuilt once after every wake from hibernation. */
  private all(): Map<WebSocket, Attachment> {
    if (!this.sockets) {
      this.sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as Attachment | null;
        if (att) this.sockets.set(ws, att);
      }
    }
    return this.sockets;
  }

  get size(): number {
    return this.all().size;
  }

  /** Accepts an authorized socket and sends its first snapshot. */
  accept(ws: WebSocket, sub: Subscription, state: DayState, ctx: ViewContext): void {
    this.ctx.acceptWebSocket(ws, tagsOf(sub));
    const att: Attachment = { sub, sentVersion: state.version };
    this.all().set(ws, att);
    this.sendSnapshot(ws, att, state, ctx);
  }

  /** A client saw a gap (or just connected again): send its audience's full view. */
  resync(ws: WebSocket, state: DayState, ctx: ViewContext): void {
    const att = this.all().get(ws);
    if (att) this.sendSnapshot(ws, att, state, ctx);
  }

  forget(ws: WebSocket): void {
    this.all().delete(ws);
  }

  /** Closes every socket carrying a tag (e.g. a revoked display token). */
  closeTagged(tag: string, code: number, reason: string): number {
    const sockets = this.ctx.getWebSockets(tag);
    for (const ws of sockets) {
      this.forget(ws);
      try {
        ws.close(code, reason);
      } catch {
        // Already closing: nothing to do.
      }
    }
    return sockets.length;
  }

  private sendSnapshot(ws: WebSocket, att: Attachment, state: DayState, ctx: ViewContext): void {
    const view = audienceView(att.sub, state, ctx);
    if (!view) {
      send(ws, errorMessage("ticket_not_found"));
      return;
    }
    att.sentVersion = state.version;
    ws.serializeAttachment(att);
    send(ws, { type: "snapshot", v: state.version, audience: att.sub.audience, view });
  }

  /**
   * Sends each affected socket the part of its view that changed. Called after the change was
   * written (the output gate holds these messages until the write is durable).
   */
  broadcast(state: DayState, changes: Changes, affectedFields: ReadonlySet<string>, event: LiveEvent | null, ctx: ViewContext): void {
    const sockets = this.all();
    if (sockets.size === 0) {
      this.dropPending();
      return;
    }
    const calls = event?.kind === "called" || event?.kind === "recalled";
    const immediate = calls || sockets.size < COALESCE_MIN_SOCKETS;
    if (immediate && this.pending === null) {
      this.send(state, changes, affectedFields, event, ctx, false);
      return;
    }
    const p = (this.pending ??= { tickets: new Map(), counters: new Map(), fields: new Set(), event: null, ctx, state });
    for (const t of changes.tickets) p.tickets.set(t.seq, t);
    for (const c of changes.counters) p.counters.set(c.number, c);
    for (const f of affectedFields) p.fields.add(f);
    p.event = event ?? p.event;
    p.ctx = ctx;
    p.state = state;
    if (immediate) this.flushPending();
    else this.pendingTimer ??= setTimeout(() => this.flushPending(), COALESCE_MS);
  }

  /** Sends what gathered since the last delta, as one delta per socket group. */
  flushPending(): void {
    const p = this.pending;
    this.dropPending();
    if (!p) return;
    // The latest state of each changed ticket and counter (the state object is the live one).
    const changes: Changes = {
      tickets: [...p.tickets.values()].map((t) => p.state.tickets[t.seq - 1] ?? t),
      counters: [...p.counters.values()].map((c) => p.state.counters.get(c.number) ?? c),
    };
    this.send(p.state, changes, p.fields, p.event, p.ctx, true);
  }

  private dropPending(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    this.pending = null;
  }

  private send(state: DayState, changes: Changes, affectedFields: ReadonlySet<string>, event: LiveEvent | null, ctx: ViewContext, coalesced: boolean): void {
    const sockets = this.all();
    const changedSeqs = new Set(changes.tickets.map((t) => t.seq));
    // Built once per change, shared by every socket.
    const fieldViews = new Map(viewFields(state).map((f) => [f.code, f]));
    const changedFieldViews = [...affectedFields].map((f) => fieldViews.get(f)).filter((f): f is FieldDayView => f !== undefined);
    const changedCounterNumbers = new Set(changes.counters.map((c) => c.number));
    for (const t of changes.tickets) if (t.counterNumber !== null) changedCounterNumbers.add(t.counterNumber);
    const calledSomeone = event?.kind === "called" || event?.kind === "recalled";

    const summary: ChangeSummary = { changedSeqs, affectedFields, fieldViews, changedFieldViews, changedCounterNumbers, calledSomeone, changes };
    // Sockets of one group (all displays, one counter's tablets, reception, one ticket's phones)
    // see the same patch, and usually continue from the same version: build and serialize each
    // message once, not once per socket (thousands of displays and phones per branch).
    const patches = new Map<string, Patch | null>();
    const messages = new Map<string, string>();
    for (const [ws, att] of sockets) {
      // Already has this version (a snapshot sent while changes were gathering).
      if (coalesced && att.sentVersion === state.version) continue;
      const group = groupOf(att.sub);
      let patch = patches.get(group);
      if (patch === undefined) {
        patch = patchFor(att.sub, state, summary, ctx);
        patches.set(group, patch);
      }
      if (!patch) continue;
      const key = `${group}|${att.sentVersion}`;
      let text = messages.get(key);
      if (text === undefined) {
        text = JSON.stringify({ type: "delta", from: att.sentVersion, v: state.version, event, patch } satisfies ServerMessage);
        messages.set(key, text);
      }
      att.sentVersion = state.version;
      ws.serializeAttachment(att);
      sendText(ws, text);
    }
  }
}

interface ChangeSummary {
  changedSeqs: Set<number>;
  affectedFields: ReadonlySet<string>;
  fieldViews: Map<string, FieldDayView>;
  changedFieldViews: FieldDayView[];
  changedCounterNumbers: Set<number>;
  calledSomeone: boolean;
  changes: Changes;
}

function patchFor(sub: Subscription, state: DayState, s: ChangeSummary, ctx: ViewContext): Patch | null {
  switch (sub.audience) {
    case "citizen": {
      const ticket = state.tickets[sub.ticketSeq - 1];
      if (!ticket) return null;
      // A citizen's view changes when their ticket or anything in its field changes (position,
      // now serving, estimate).
      if (!s.changedSeqs.has(ticket.seq) && !s.affectedFields.has(ticket.fieldCode)) return null;
      return { ticket: viewTicket(state, ticket, ctx), field: s.fieldViews.get(ticket.fieldCode) ?? null };
    }
    case "counter": {
      // A closed counter's tablet still follows the queues of the fields it is set up for.
      const counter = state.counters.get(sub.counter) ?? configuredCounter(state, sub.counter);
      const fields = s.changedFieldViews.filter((f) => counter.fieldCodes.includes(f.code));
      if (!s.changedCounterNumbers.has(sub.counter) && fields.length === 0) return null;
      return { counter: viewCounter(state, counter, ctx), fields };
    }
    case "reception": {
      const tickets = s.changes.tickets.map((t) => viewTicket(state, t, ctx));
      const counters = [...s.changedCounterNumbers].map((n) => state.counters.get(n)).filter((c) => c !== undefined).map((c) => viewCounter(state, c, ctx));
      return { fields: s.changedFieldViews, counters, tickets };
    }
    case "display": {
      const counters = [...s.changedCounterNumbers].map((n) => displayCounter(state, n)).filter((c): c is DisplayCounter => c !== null);
      if (counters.length === 0 && s.changedFieldViews.length === 0 && !s.calledSomeone) return null;
      return { counters, fields: s.changedFieldViews, ...(s.calledSomeone ? { recentCalls: state.recentCalls } : {}) };
    }
  }
}

/** A counter as configured, before it opened today. */
function configuredCounter(state: DayState, number: number): Counter {
  const fieldCodes = state.plan.branch.counters.find((c) => c.number === number)?.fieldCodes ?? [];
  return { number, status: "closed", fieldCodes, currentSeq: null, version: 0 };
}

function displayCounter(state: DayState, number: number): DisplayCounter | null {
  const c = state.counters.get(number) ?? state.plan.branch.counters.find((x) => x.number === number);
  if (!c) return null;
  const live = state.counters.get(number);
  const current: Ticket | undefined = live?.currentSeq ? state.tickets[live.currentSeq - 1] : undefined;
  const showing = current && (current.status === "called" || current.status === "serving") ? current.label : null;
  return { number, status: live?.status ?? "closed", currentLabel: showing };
}

/** The full view a subscription sees now, or null when its ticket does not exist. */
export function audienceView(sub: Subscription, state: DayState, ctx: ViewContext): AudienceView | null {
  switch (sub.audience) {
    case "citizen": {
      const ticket = state.tickets[sub.ticketSeq - 1];
      if (!ticket) return null;
      return { ticket: viewTicket(state, ticket, ctx), field: viewFields(state).find((f) => f.code === ticket.fieldCode) ?? null };
    }
    case "counter": {
      const counter = state.counters.get(sub.counter) ?? configuredCounter(state, sub.counter);
      return { counter: viewCounter(state, counter, ctx), fields: viewFields(state).filter((f) => counter.fieldCodes.includes(f.code)) };
    }
    case "reception": {
      const tickets: Ticket[] = [];
      for (const queues of state.waiting.values()) {
        for (const seq of [...queues.priority, ...queues.regular].slice(0, RECEPTION_WAITING_SHOWN)) tickets.push(state.tickets[seq - 1]!);
      }
      return { fields: viewFields(state), counters: viewCounters(state, ctx), tickets: tickets.map((t) => viewTicket(state, t, ctx)) };
    }
    case "display":
      return {
        counters: state.plan.branch.counters.map((c) => displayCounter(state, c.number)!),
        fields: viewFields(state),
        recentCalls: state.recentCalls,
      };
  }
}

/** Sockets that always see the same view. */
function groupOf(sub: Subscription): string {
  switch (sub.audience) {
    case "citizen":
      return `ticket:${sub.ticketSeq}`;
    case "counter":
      return `counter:${sub.counter}`;
    default:
      return sub.audience;
  }
}

function send(ws: WebSocket, message: ServerMessage): void {
  sendText(ws, JSON.stringify(message));
}

function sendText(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // The socket is closing; its close handler forgets it.
  }
}

export type { Audience };
export { applyPatch };
