/**
 * What a decision adds to the day's fairness chain (shared/fairness.ts). Derived from the
 * changes themselves, before they are applied, so every path that changes a ticket or a counter
 * is recorded without each call site having to remember it. Pure.
 */
import { citizenTag, type CallReason, type ChainEvent } from "../../shared/fairness";
import type { Changes, Counter, DayState, Ticket } from "./types";

/** What the changes cannot tell: a clerk chose the called number (call_specific). */
export interface ChainCause {
  chosenByClerk?: boolean;
}

function verified(t: Ticket): boolean {
  return t.verifiedBy !== null && t.arrivedAt !== null;
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

function counterEvent(prev: Counter | undefined, next: Counter): ChainEvent | null {
  if (prev && prev.status === next.status && sameFields(prev.fieldCodes, next.fieldCodes)) return null;
  if (!prev && next.status === "closed") return null;
  return { kind: "counter", counter: next.number, status: next.status, fields: [...next.fieldCodes] };
}

function ticketEvents(state: DayState, prev: Ticket | undefined, next: Ticket, cause: ChainCause): ChainEvent[] {
  if (!prev) {
    return [
      {
        kind: "issue",
        seq: next.seq,
        label: next.label,
        field: next.fieldCode,
        priority: next.priority !== null,
        channel: next.channel,
        verified: verified(next),
        citizen: citizenTag(next.citizenKey, state.branchId, state.date),
      },
    ];
  }
  const events: ChainEvent[] = [];
  if (!verified(prev) && verified(next)) events.push({ kind: "check_in", seq: next.seq });
  const atCounter = prev.status === "called" || prev.status === "serving";
  const counter = prev.counterNumber ?? 0;
  if (prev.status === "waiting" && next.status === "cancelled") events.push({ kind: "cancel", seq: next.seq });
  else if (prev.status === "waiting" && next.status === "called") {
    const reason: CallReason = cause.chosenByClerk ? "specific" : next.priority ? "priority" : "next";
    events.push({ kind: "call", seq: next.seq, counter: next.counterNumber!, reason });
  } else if (prev.status === "called" && next.status === "called" && next.callCount > prev.callCount) {
    events.push({ kind: "recall", seq: next.seq, counter });
  } else if (atCounter && next.status === "no_show") events.push({ kind: "no_show", seq: next.seq, counter });
  else if (atCounter && next.status === "served") events.push({ kind: "serve", seq: next.seq, counter });
  else if (atCounter && next.status === "waiting") events.push({ kind: "transfer", seq: next.seq, counter, toField: next.fieldCode });
  // → expired is recorded once for the whole day by the end-of-day entry (`dayEndEvent`).
  return events;
}

/** The chain events of a decision, in order: counters first, then tickets as changed. */
export function chainEventsOf(state: DayState, changes: Changes, cause: ChainCause = {}): ChainEvent[] {
  const events: ChainEvent[] = [];
  for (const c of changes.counters) {
    const e = counterEvent(state.counters.get(c.number), c);
    if (e) events.push(e);
  }
  for (const t of changes.tickets) events.push(...ticketEvents(state, state.tickets[t.seq - 1], t, cause));
  return events;
}

/** The end of the service day: the numbers it expires (from `expireDay`'s changes). */
export function dayEndEvent(changes: Changes): ChainEvent {
  return { kind: "expire", seqs: changes.tickets.filter((t) => t.status === "expired").map((t) => t.seq) };
}

/** The calling rule in force, recorded whenever it differs from the last one in the chain. */
export function rulesEvent(state: DayState, recorded: boolean | null): ChainEvent | null {
  const now = state.plan.branch.callVerifiedOnly;
  return recorded === now ? null : { kind: "rules", callVerifiedOnly: now };
}
