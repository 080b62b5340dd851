/**
 * Serving: counters open and call numbers; tickets move waiting → called → serving → served (or
 * no-show, cancelled, expired). Pure decisions; the branch-day object persists and applies them.
 * Because the object runs one decision at a time, a ticket is never called at two counters.
 */
import { refuse, type Outcome } from "../../shared/problems";
import type { Changes, Counter, DayState, IdentityCheck, Ticket } from "./types";
import { FINAL_STATUSES } from "./types";

export type ServingOutcome = Outcome<{ changes: Changes; ticket: Ticket | null; counter: Counter | null }>;

function done(tickets: Ticket[], counters: Counter[], ticket: Ticket | null, counter: Counter | null): ServingOutcome {
  return { ok: true, changes: { tickets, counters }, ticket, counter };
}

function bump<T extends { version: number }>(value: T, patch: Partial<T>): T {
  return { ...value, ...patch, version: value.version + 1 };
}

/** The counter as configured for the branch, with its state today. */
function counterOf(state: DayState, counterNumber: number): Counter | null {
  const live = state.counters.get(counterNumber);
  if (live) return live;
  const configured = state.plan.branch.counters.find((c) => c.number === counterNumber);
  if (!configured) return null;
  return { number: counterNumber, status: "closed", fieldCodes: [...configured.fieldCodes], currentSeq: null, version: 0 };
}

/** The ticket the counter is handling (called or being served), if any. */
export function currentTicketOf(state: DayState, counter: Counter): Ticket | null {
  if (counter.currentSeq === null) return null;
  const ticket = state.tickets[counter.currentSeq - 1];
  return ticket && !FINAL_STATUSES.has(ticket.status) && ticket.status !== "waiting" ? ticket : null;
}

/**
 * Opens a counter (or changes the fields it serves), within the fields configured for it. A closed
 * counter remembers who opened it (`openedBy`); re-opening an open one keeps its opener.
 */
export function openCounter(state: DayState, counterNumber: number, fieldCodes?: string[], openedBy: string | null = null): ServingOutcome {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  const configured = state.plan.branch.counters.find((c) => c.number === counterNumber)!.fieldCodes;
  const offered = new Set(state.plan.branch.fields.map((f) => f.code));
  const wanted = fieldCodes && fieldCodes.length > 0 ? [...new Set(fieldCodes)] : configured.filter((f) => offered.has(f));
  if (wanted.some((f) => !configured.includes(f) || !offered.has(f))) return refuse("counter_field_not_served");
  const opener = counter.status === "closed" ? openedBy : (counter.openedBy ?? openedBy);
  const next = bump(counter, { status: "open", fieldCodes: wanted, ...(opener !== null ? { openedBy: opener } : {}) });
  return done([], [next], currentTicketOf(state, counter), next);
}

export function pauseCounter(state: DayState, counterNumber: number): ServingOutcome {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  if (counter.status === "closed") return refuse("counter_not_open");
  const next = bump(counter, { status: "paused" });
  return done([], [next], currentTicketOf(state, counter), next);
}

export function resumeCounter(state: DayState, counterNumber: number): ServingOutcome {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  if (counter.status === "closed") return refuse("counter_not_open");
  const next = bump(counter, { status: "open" });
  return done([], [next], currentTicketOf(state, counter), next);
}

/** Closes a counter; its current ticket must be finished or handed on first. */
export function closeCounter(state: DayState, counterNumber: number): ServingOutcome {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  if (currentTicketOf(state, counter)) return refuse("counter_busy");
  const next = bump(counter, { status: "closed", currentSeq: null, ...(counter.openedBy != null ? { openedBy: null } : {}) });
  return done([], [next], null, next);
}

function openIdleCounter(state: DayState, counterNumber: number): Outcome<{ counter: Counter }> {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  if (counter.status !== "open") return refuse("counter_not_open");
  const current = currentTicketOf(state, counter);
  if (current) return refuse("counter_busy", { ticketId: current.id });
  return { ok: true, counter };
}

/** May this ticket be called now? With "verified only", reception must have checked it. */
function callable(state: DayState, ticket: Ticket): boolean {
  return !state.plan.branch.callVerifiedOnly || (ticket.verifiedBy !== null && ticket.arrivedAt !== null);
}

function firstCallable(state: DayState, seqs: number[]): number | undefined {
  for (const seq of seqs) if (callable(state, state.tickets[seq - 1]!)) return seq;
  return undefined;
}

/** The next ticket for a set of fields: priority first, then earliest registered. */
export function nextInLine(state: DayState, fieldCodes: readonly string[]): Ticket | null {
  let best: number | undefined;
  for (const lane of ["priority", "regular"] as const) {
    for (const field of fieldCodes) {
      const queues = state.waiting.get(field);
      const seq = queues && firstCallable(state, queues[lane]);
      if (seq !== undefined && (best === undefined || seq < best)) best = seq;
    }
    if (best !== undefined) return state.tickets[best - 1]!;
  }
  return null;
}

function call(state: DayState, counter: Counter, ticket: Ticket, nowMs: number): ServingOutcome {
  const called = bump(ticket, { status: "called", calledAt: nowMs, counterNumber: counter.number, callCount: ticket.callCount + 1 });
  const next = bump(counter, { currentSeq: ticket.seq });
  return done([called], [next], called, next);
}

/** Calls the next number for the counter's fields. */
export function callNext(state: DayState, counterNumber: number, nowMs: number): ServingOutcome {
  const ready = openIdleCounter(state, counterNumber);
  if (!ready.ok) return ready;
  const ticket = nextInLine(state, ready.counter.fieldCodes);
  if (!ticket) return refuse("queue_empty");
  return call(state, ready.counter, ticket, nowMs);
}

/** Calls a specific waiting number out of turn (the clerk chose it; the call is recorded). */
export function callSpecific(state: DayState, counterNumber: number, label: string, nowMs: number): ServingOutcome {
  const ready = openIdleCounter(state, counterNumber);
  if (!ready.ok) return ready;
  const seq = state.byLabel.get(label);
  const ticket = seq === undefined ? undefined : state.tickets[seq - 1];
  if (!ticket) return refuse("ticket_not_found");
  if (ticket.status !== "waiting" || !callable(state, ticket)) return refuse("invalid_transition");
  if (!ready.counter.fieldCodes.includes(ticket.fieldCode)) return refuse("counter_field_not_served");
  return call(state, ready.counter, ticket, nowMs);
}

function withCurrent(
  state: DayState,
  counterNumber: number,
  allowed: ReadonlyArray<Ticket["status"]>,
): Outcome<{ counter: Counter; ticket: Ticket }> {
  const counter = counterOf(state, counterNumber);
  if (!counter) return refuse("counter_not_found");
  const ticket = currentTicketOf(state, counter);
  if (!ticket) return refuse("counter_idle");
  if (!allowed.includes(ticket.status)) return refuse("invalid_transition", { ticketId: ticket.id });
  return { ok: true, counter, ticket };
}

/** Announces the counter's called number again. */
export function recall(state: DayState, counterNumber: number): ServingOutcome {
  const cur = withCurrent(state, counterNumber, ["called"]);
  if (!cur.ok) return cur;
  const ticket = bump(cur.ticket, { callCount: cur.ticket.callCount + 1 });
  return done([ticket], [], ticket, cur.counter);
}

/** The citizen did not come to the counter. */
export function markNoShow(state: DayState, counterNumber: number, nowMs: number): ServingOutcome {
  const cur = withCurrent(state, counterNumber, ["called"]);
  if (!cur.ok) return cur;
  const ticket = bump(cur.ticket, { status: "no_show", endedAt: nowMs });
  const counter = bump(cur.counter, { currentSeq: null });
  return done([ticket], [counter], ticket, counter);
}

export function startService(state: DayState, counterNumber: number, nowMs: number): ServingOutcome {
  const cur = withCurrent(state, counterNumber, ["called"]);
  if (!cur.ok) return cur;
  const ticket = bump(cur.ticket, { status: "serving", startedAt: nowMs });
  return done([ticket], [], ticket, cur.counter);
}

/** Service finished. A called ticket may be completed directly: service began at the call. */
export function completeService(state: DayState, counterNumber: number, nowMs: number): ServingOutcome {
  const cur = withCurrent(state, counterNumber, ["called", "serving"]);
  if (!cur.ok) return cur;
  const ticket = bump(cur.ticket, { status: "served", startedAt: cur.ticket.startedAt ?? cur.ticket.calledAt, endedAt: nowMs });
  const counter = bump(cur.counter, { currentSeq: null });
  return done([ticket], [counter], ticket, counter);
}

/**
 * Hands the counter's ticket to another field. It keeps its number and its registration time,
 * so it waits ahead of everyone who registered after it.
 */
export function transferTicket(state: DayState, counterNumber: number, toFieldCode: string): ServingOutcome {
  const cur = withCurrent(state, counterNumber, ["called", "serving"]);
  if (!cur.ok) return cur;
  if (!state.plan.branch.fields.some((f) => f.code === toFieldCode)) return refuse("field_not_offered");
  if (toFieldCode === cur.ticket.fieldCode) return refuse("invalid_transition", { ticketId: cur.ticket.id });
  const ticket = bump(cur.ticket, {
    status: "waiting",
    fieldCode: toFieldCode,
    originalFieldCode: cur.ticket.originalFieldCode ?? cur.ticket.fieldCode,
    counterNumber: null,
    calledAt: null,
    startedAt: null,
  });
  const counter = bump(cur.counter, { currentSeq: null });
  return done([ticket], [counter], ticket, counter);
}

/** The citizen gives the number back before it is called; the field's capacity is freed. */
export function cancelTicket(state: DayState, seq: number, citizenKey: string, nowMs: number): ServingOutcome {
  const ticket = state.tickets[seq - 1];
  // Someone else's ticket is "not found": its existence is nobody else's business.
  if (!ticket || ticket.citizenKey !== citizenKey) return refuse("ticket_not_found");
  if (ticket.status === "cancelled") return done([], [], ticket, null);
  if (ticket.status !== "waiting") return refuse("invalid_transition", { ticketId: ticket.id });
  const next = bump(ticket, { status: "cancelled", endedAt: nowMs });
  return done([next], [], next, null);
}

/** Reception checked the citizen's identity against the number: arrived and verified. */
export function checkIn(state: DayState, seq: number, citizenKey: string, method: IdentityCheck, nowMs: number): ServingOutcome {
  const ticket = state.tickets[seq - 1];
  if (!ticket) return refuse("ticket_not_found");
  if (ticket.citizenKey !== citizenKey) return refuse("identity_mismatch");
  if (ticket.status !== "waiting" && ticket.status !== "called") return refuse("invalid_transition", { ticketId: ticket.id });
  const next = bump(ticket, { arrivedAt: ticket.arrivedAt ?? nowMs, verifiedBy: method });
  return done([next], [], next, null);
}

/** End of the service day: every number not yet at a counter expires. */
export function expireDay(state: DayState, nowMs: number): Changes {
  const tickets: Ticket[] = [];
  const expiredSeqs = new Set<number>();
  for (const ticket of state.tickets) {
    if (ticket.status === "waiting" || ticket.status === "called") {
      tickets.push(bump(ticket, { status: "expired", endedAt: nowMs }));
      expiredSeqs.add(ticket.seq);
    }
  }
  const counters: Counter[] = [];
  for (const counter of state.counters.values()) {
    if (counter.currentSeq !== null && expiredSeqs.has(counter.currentSeq)) counters.push(bump(counter, { currentSeq: null }));
  }
  return { tickets, counters };
}
