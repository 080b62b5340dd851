/**
 * What people see of a branch-day: a citizen's ticket with its place in line, the day's fields
 * with capacity left, the counters. Plain JSON-able values; no personal data beyond the masked ID.
 */
import { nextWorkingDayAfter } from "../../shared/booking-rules";
import { currentTicketOf } from "./serving";
import type { Counter, DayState, Ticket } from "./types";

export interface TicketView {
  id: string;
  branchId: string;
  serviceDate: string;
  label: string;
  number: number;
  fieldCode: string;
  originalFieldCode: string | null;
  channel: Ticket["channel"];
  priority: Ticket["priority"];
  status: Ticket["status"];
  citizenMasked: string;
  registeredAt: number;
  arrivedAt: number | null;
  verified: boolean;
  calledAt: number | null;
  counterNumber: number | null;
  endedAt: number | null;
  /** Tickets that will be called before this one in its field (0 = next); null once not waiting. */
  ahead: number | null;
  /** The number most recently called in this ticket's field. */
  nowServing: string | null;
  /** For expired tickets: the day to book again. */
  bookAgainOn: string | null;
}

/** How many waiting tickets of the same field come before this one. */
export function ticketsAhead(state: DayState, ticket: Ticket): number | null {
  if (ticket.status !== "waiting") return null;
  const queues = state.waiting.get(ticket.fieldCode);
  if (!queues) return 0;
  const before = (list: number[]) => {
    let n = 0;
    for (const seq of list) {
      if (seq >= ticket.seq) break;
      n++;
    }
    return n;
  };
  return ticket.priority ? before(queues.priority) : queues.priority.length + before(queues.regular);
}

export function viewTicket(state: DayState, ticket: Ticket): TicketView {
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
    ahead: ticketsAhead(state, ticket),
    nowServing: state.nowServing.get(ticket.fieldCode) ?? null,
    bookAgainOn: ticket.status === "expired" ? nextWorkingDayAfter(state.plan) : null,
  };
}

export interface FieldDayView {
  code: string;
  nameVi: string;
  nameEn: string;
  dailyCap: number;
  issued: number;
  remaining: number;
  waiting: number;
  nowServing: string | null;
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
    };
  });
}

export interface CounterView {
  number: number;
  status: Counter["status"];
  fieldCodes: string[];
  current: TicketView | null;
}

export function viewCounter(state: DayState, counter: Counter): CounterView {
  const current = currentTicketOf(state, counter);
  return { number: counter.number, status: counter.status, fieldCodes: counter.fieldCodes, current: current ? viewTicket(state, current) : null };
}

/** Every configured counter, closed ones included. */
export function viewCounters(state: DayState): CounterView[] {
  return state.plan.branch.counters.map((c) =>
    viewCounter(state, state.counters.get(c.number) ?? { number: c.number, status: "closed", fieldCodes: c.fieldCodes, currentSeq: null, version: 0 }),
  );
}
