/**
 * The queue engine's data: plain values, no Cloudflare imports. The branch-day object keeps a
 * `DayState` in memory (a cache of its SQLite rows) and persists every ticket and counter the
 * engine hands back.
 */
import type { DayPlan } from "../../shared/branch-config";
import type { ReceiptRef, RecentCall } from "../../shared/live-views";

import type { Channel, IdentityCheck, PriorityGroup, TicketStatus } from "../../shared/ticket-vocabulary";

export type { Channel, IdentityCheck, PriorityGroup, TicketStatus };

/** Statuses a ticket never leaves. */
export const FINAL_STATUSES: ReadonlySet<TicketStatus> = new Set(["served", "no_show", "cancelled", "expired"]);

export interface Ticket {
  /** Registration sequence in the branch-day: 1, 2, 3… across all channels; decides service order. */
  seq: number;
  /** Globally unique: "<branchId>:<YYYY-MM-DD>:<seq>". */
  id: string;
  /** The citizen ledger's reservation this ticket fulfils (makes issuing idempotent). */
  reservationId: string;
  fieldCode: string;
  /** The field the ticket was first issued in, when a counter transferred it. */
  originalFieldCode: string | null;
  /** Number in the field's series (1-based) and how it is written ("A015", "2015"). */
  number: number;
  label: string;
  channel: Channel;
  priority: PriorityGroup | null;
  citizenKey: string;
  citizenMasked: string;
  status: TicketStatus;
  registeredAt: number;
  arrivedAt: number | null;
  verifiedBy: IdentityCheck | null;
  calledAt: number | null;
  counterNumber: number | null;
  callCount: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Bumped on every change; history upserts keep the highest. */
  version: number;
  /** Where the ticket's issue entry sits in the day's fairness chain (absent on tickets from before the chain). */
  receipt?: ReceiptRef;
}

export type CounterStatus = "closed" | "open" | "paused";

export interface Counter {
  number: number;
  status: CounterStatus;
  /** The fields this counter serves today (a subset of its configured fields). */
  fieldCodes: string[];
  currentSeq: number | null;
  version: number;
  /**
   * The staff account that opened the counter (null or absent: closed, or opened by the system).
   * A clerk acts only at a counter they opened; managers and administrators at any counter.
   */
  openedBy?: string | null;
}

/** The in-memory state of one branch-day. Indexes are derived from `tickets` (see state.ts). */
export interface DayState {
  branchId: string;
  date: string;
  plan: DayPlan;
  /** tickets[seq - 1] */
  tickets: Ticket[];
  byReservation: Map<string, number>;
  byLabel: Map<string, number>;
  /** Reservations voided by the ledger's reconciliation: a late issue for them is refused. */
  voidedReservations: Set<string>;
  /** Last number used per field series. */
  lastNumber: Map<string, number>;
  /** Tickets counted against the field's daily cap (everything not cancelled). */
  capUsed: Map<string, number>;
  /** Waiting tickets per field, priority and regular apart, each by seq (registration order). */
  waiting: Map<string, WaitingQueues>;
  /** Label of the ticket most recently called per field ("now serving"). */
  nowServing: Map<string, string>;
  counters: Map<number, Counter>;
  /** Most recent calls first (recalls included), at most RECENT_CALLS_KEPT: the hall display's list. */
  recentCalls: RecentCall[];
  /**
   * The day's version: the sum of every ticket's and counter's version. Each commit raises it,
   * it is the same after a restart, and live clients use it to notice a missed update.
   */
  version: number;
  /** Set by the close-of-booking alarm: no number is issued after it, whatever a clock says. */
  bookingClosedAt: number | null;
  /** Set by the end-of-day alarm. */
  dayEndedAt: number | null;
}

export interface WaitingQueues {
  priority: number[];
  regular: number[];
}

/** What a decision changed: the shell persists these, then applies them to the state. */
export interface Changes {
  tickets: Ticket[];
  counters: Counter[];
}
