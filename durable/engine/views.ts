/**
 * What people see of a branch-day: a citizen's ticket with its place in line, the day's fields
 * with capacity left, the counters. Plain JSON-able values; no personal data beyond the masked ID.
 */
import { nextWorkingDayAfter } from "../../shared/booking-rules";
import type { CounterView, FieldDayView, TicketView, WaitEstimate } from "../../shared/live-views";
import { currentTicketOf } from "./serving";
import type { Counter, DayState, Ticket } from "./types";

/** How many waiting tickets of the same field come before this one. */
export function ticketsAhead(state: DayState, ticket: Ticket): number | null {
  if (ticket.status !== "waiting") return null;
  const queues = state.waiting.get(ticket.fieldCode);
  if (!queues) return 0;
  // Waiting lists are sorted by seq: a binary search counts those before in O(log n), which
  // matters when every call recomputes the position of thousands of watching citizens.
  const before = (list: number[]) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! < ticket.seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return ticket.priority ? before(queues.priority) : queues.priority.length + before(queues.regular);
}

/** What the shell adds to views: the wait estimate, computed once per change per field. */
export interface ViewContext {
  estimate?: (ticket: Ticket, ahead: number) => WaitEstimate | null;
}

export function viewTicket(state: DayState, ticket: Ticket, ctx: ViewContext = {}): TicketView {
  const ahead = ticketsAhead(state, ticket);
  return {
    id: ticket.id,
    branchId: state.branchId,
    serviceDate: state.date,
    label: ticket.label,
    number: ticket.number,
    fieldCode: ticket.fieldCode,
    originalFieldCode: ticket.originalFieldCode,
    channel: ticket.channel,
    priority: ticket.priority,
    status: ticket.status,
    citizenMasked: ticket.citizenMasked,
    registeredAt: ticket.registeredAt,
    arrivedAt: ticket.arrivedAt,
    verified: ticket.verifiedBy !== null,
    calledAt: ticket.calledAt,
    counterNumber: ticket.counterNumber,
    endedAt: ticket.endedAt,
    ahead,
    nowServing: state.nowServing.get(ticket.fieldCode) ?? null,
    bookAgainOn: ticket.status === "expired" ? nextWorkingDayAfter(state.plan) : null,
    estimate: ahead !== null && ctx.estimate ? ctx.estimate(ticket, ahead) : null,
    receipt: ticket.receipt ?? null,
  };
}

/** Counters open (not paused) and serving a field right now. */
export function openCountersFor(state: DayState, fieldCode: string): number {
  let n = 0;
  for (const c of state.counters.values()) if (c.status === "open" && c.fieldCodes.includes(fieldCode)) n++;
  return n;
}

export function viewFields(state: DayState): FieldDayView[] {
  return state.plan.branch.fields.map((f) => {
    const used = state.capUsed.get(f.code) ?? 0;
    const queues = state.waiting.get(f.code);
    return {
      code: f.code,
      nameVi: f.nameVi,
      nameEn: f.nameEn,
      dailyCap: f.dailyCap,
      issued: used,
      remaining: Math.max(0, f.dailyCap - used),
      waiting: queues ? queues.priority.length + queues.regular.length : 0,
      nowServing: state.nowServing.get(f.code) ?? null,
      openCounters: openCountersFor(state, f.code),
    };
  });
}

export function viewCounter(state: DayState, counter: Counter, ctx: ViewContext = {}): CounterView {
  const current = currentTicketOf(state, counter);
  return { number: counter.number, status: counter.status, fieldCodes: counter.fieldCodes, current: current ? viewTicket(state, current, ctx) : null };
}

/** Every configured counter, closed ones included. */
export function viewCounters(state: DayState, ctx: ViewContext = {}): CounterView[] {
  return state.plan.branch.counters.map((c) =>
    viewCounter(state, state.counters.get(c.number) ?? { number: c.number, status: "closed", fieldCodes: c.fieldCodes, currentSeq: null, version: 0 }, ctx),
  );
}

export type { CounterView, FieldDayView, TicketView };
