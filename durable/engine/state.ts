/**
 * Building and updating a branch-day's in-memory state. Decisions (issue.ts, serving.ts) never
 * mutate; `applyChanges` is the one place that does, so indexes cannot drift from the tickets.
 */
import type { DayPlan } from "../../shared/branch-config";
import { RECENT_CALLS_KEPT } from "../../shared/live-protocol";
import type { Changes, Counter, DayState, Ticket, WaitingQueues } from "./types";

export function createState(plan: DayPlan): DayState {
  return {
    branchId: plan.branch.id,
    date: plan.date,
    plan,
    tickets: [],
    byReservation: new Map(),
    byLabel: new Map(),
    voidedReservations: new Set(),
    lastNumber: new Map(),
    capUsed: new Map(),
    waiting: new Map(),
    nowServing: new Map(),
    counters: new Map(),
    recentCalls: [],
    version: 0,
    bookingClosedAt: null,
    dayEndedAt: null,
  };
}

/** Rebuilds the state from persisted rows (tickets in any order). */
export function restoreState(plan: DayPlan, tickets: Ticket[], counters: Counter[]): DayState {
  const state = createState(plan);
  const sorted = [...tickets].sort((a, b) => a.seq - b.seq);
  applyChanges(state, { tickets: sorted, counters });
  // "Now serving" is the latest call per field; rebuild it from call times, not load order.
  const lastCall = new Map<string, Ticket>();
  for (const t of sorted) {
    if (t.calledAt === null) continue;
    const prev = lastCall.get(t.fieldCode);
    if (!prev || (prev.calledAt ?? 0) <= t.calledAt) lastCall.set(t.fieldCode, t);
  }
  state.nowServing = new Map([...lastCall].map(([field, t]) => [field, t.label]));
  state.recentCalls = sorted
    .filter((t) => t.calledAt !== null && t.counterNumber !== null)
    .sort((a, b) => b.calledAt! - a.calledAt!)
    .slice(0, RECENT_CALLS_KEPT)
    .map((t) => ({ label: t.label, counter: t.counterNumber!, fieldCode: t.fieldCode, at: t.calledAt!, callCount: t.callCount }));
  return state;
}

/** The field whose daily cap a ticket uses: the one it was issued in. */
export function capFieldOf(ticket: Ticket): string {
  return ticket.originalFieldCode ?? ticket.fieldCode;
}

export function ticketBySeq(state: DayState, seq: number): Ticket | undefined {
  return state.tickets[seq - 1];
}

/** Applies persisted changes to the in-memory state and its indexes. */
export function applyChanges(state: DayState, changes: Changes): void {
  for (const next of changes.tickets) applyTicket(state, next);
  for (const counter of changes.counters) {
    state.version += counter.version - (state.counters.get(counter.number)?.version ?? 0);
    state.counters.set(counter.number, counter);
  }
}

function applyTicket(state: DayState, next: Ticket): void {
  const prev = state.tickets[next.seq - 1];
  if (prev?.status === "waiting") removeSorted(waitingList(state, prev), prev.seq);
  if (next.status === "waiting") insertSorted(waitingList(state, next), next.seq);

  const prevCounts = prev !== undefined && prev.status !== "cancelled";
  const nextCounts = next.status !== "cancelled";
  if (prevCounts !== nextCounts) {
    const field = capFieldOf(next);
    state.capUsed.set(field, (state.capUsed.get(field) ?? 0) + (nextCounts ? 1 : -1));
  }
  if (!prev) {
    const field = capFieldOf(next);
    state.lastNumber.set(field, Math.max(state.lastNumber.get(field) ?? 0, next.number));
    state.byReservation.set(next.reservationId, next.seq);
    state.byLabel.set(next.label, next.seq);
  }
  if (next.status === "called" && (prev?.status !== "called" || prev.callCount !== next.callCount)) {
    state.nowServing.set(next.fieldCode, next.label);
    const call = { label: next.label, counter: next.counterNumber!, fieldCode: next.fieldCode, at: next.calledAt!, callCount: next.callCount };
    state.recentCalls = [call, ...state.recentCalls].slice(0, RECENT_CALLS_KEPT);
  }
  state.version += next.version - (prev?.version ?? 0);
  state.tickets[next.seq - 1] = next;
}

/** The waiting queues of a field (created empty on first use). */
export function waitingQueues(state: DayState, fieldCode: string): WaitingQueues {
  let queues = state.waiting.get(fieldCode);
  if (!queues) {
    queues = { priority: [], regular: [] };
    state.waiting.set(fieldCode, queues);
  }
  return queues;
}

function waitingList(state: DayState, ticket: Ticket): number[] {
  const queues = waitingQueues(state, ticket.fieldCode);
  return ticket.priority ? queues.priority : queues.regular;
}

function lowerBound(list: number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(list: number[], value: number): void {
  // New tickets always carry the highest seq, so the common case is a push.
  if (list.length === 0 || list[list.length - 1]! < value) list.push(value);
  else list.splice(lowerBound(list, value), 0, value);
}

function removeSorted(list: number[], value: number): void {
  const at = lowerBound(list, value);
  if (list[at] === value) list.splice(at, 1);
}
