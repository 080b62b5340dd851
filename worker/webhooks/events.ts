/**
 * Platform events: what a branch-day announces to subscribed city platforms (webhooks). Pure
 * rules and shapes, no Cloudflare imports: the branch-day decides and records events in the same
 * transaction as the change (durable/platform-events.ts); the queue consumer delivers them.
 *
 * No personal data in an event: the ticket's id, label, field, status, channel, times and
 * counter — never the ID number, the citizen key, a phone, or the priority group (which may say
 * something about health).
 */
import type { Channel, TicketStatus } from "../../shared/ticket-vocabulary";

export const EVENT_TYPES = [
  "ticket.issued",
  "ticket.near",
  "ticket.called",
  "ticket.served",
  "ticket.no_show",
  "ticket.expired",
  "ticket.cancelled",
  "branch.opened",
  "branch.closed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The ticket as an event shows it. */
export interface EventTicket {
  id: string;
  label: string;
  fieldCode: string;
  status: TicketStatus;
  channel: Channel;
  counter: number | null;
  callCount: number;
  registeredAt: number;
  calledAt: number | null;
  endedAt: number | null;
}

/**
 * The JSON body of a delivery. Ordering: `sequence` counts the events of one ticket (1, 2, 3…,
 * no gaps) and `dayVersion` orders every event of the branch-day; receivers apply an event only
 * when it is newer than what they hold, and de-duplicate on `id`.
 */
export interface PlatformEvent {
  id: string;
  type: EventType;
  /** Epoch ms (service clock) at which the change was committed. */
  occurredAt: number;
  branchId: string;
  serviceDate: string;
  /** The branch-day's version after the change: a total order of the day's events. */
  dayVersion: number;
  /** Per ticket (ticket events) or per branch-day (branch events), from 1. */
  sequence: number;
  ticket?: EventTicket;
  /** Branch events: counters open (or paused) after the change. */
  openCounters?: number;
}

/** The ticket fields an event needs (the engine's Ticket has them). */
export interface EventSourceTicket {
  id: string;
  seq: number;
  label: string;
  fieldCode: string;
  status: TicketStatus;
  channel: Channel;
  counterNumber: number | null;
  callCount: number;
  registeredAt: number;
  calledAt: number | null;
  endedAt: number | null;
}

export function eventTicket(t: EventSourceTicket): EventTicket {
  return {
    id: t.id,
    label: t.label,
    fieldCode: t.fieldCode,
    status: t.status,
    channel: t.channel,
    counter: t.counterNumber,
    callCount: t.callCount,
    registeredAt: t.registeredAt,
    calledAt: t.calledAt,
    endedAt: t.endedAt,
  };
}

const TERMINAL_EVENT: Partial<Record<TicketStatus, EventType>> = {
  served: "ticket.served",
  no_show: "ticket.no_show",
  expired: "ticket.expired",
  cancelled: "ticket.cancelled",
};

/**
 * The event a ticket change makes, if any: a new ticket is issued; a call (or a recall, which
 * raises the call count) is "called"; reaching a final status is served/no_show/expired/
 * cancelled. Starting service and transfers announce nothing.
 */
export function ticketEventOf(prev: EventSourceTicket | undefined, next: EventSourceTicket): EventType | null {
  if (!prev) return "ticket.issued";
  if (next.status === "called" && (prev.status !== "called" || prev.callCount !== next.callCount)) return "ticket.called";
  if (prev.status !== next.status) return TERMINAL_EVENT[next.status] ?? null;
  return null;
}

/** Branch events: the first counter of the day opens, or the last open one closes. */
export function branchEventOf(openBefore: number, openAfter: number): EventType | null {
  if (openBefore === 0 && openAfter > 0) return "branch.opened";
  if (openBefore > 0 && openAfter === 0) return "branch.closed";
  return null;
}
