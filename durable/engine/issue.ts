/**
 * Issuing a number: the branch-day's half of booking (the citizen ledger already reserved the
 * citizen's slot). Pure: reads the state, returns the new ticket or a refusal.
 */
import { checkBookingOpen, nextWorkingDayAfter } from "../../shared/booking-rules";
import { formatTicketLabel } from "../../shared/numbering";
import { refuse, type Outcome } from "../../shared/problems";
import type { Channel, Changes, DayState, IdentityCheck, PriorityGroup, Ticket } from "./types";

export interface IssueRequest {
  /** The ledger reservation this ticket fulfils; the same id always yields the same ticket. */
  reservationId: string;
  fieldCode: string;
  channel: Channel;
  priority: PriorityGroup | null;
  citizenKey: string;
  citizenMasked: string;
  /** Set when staff checked identity while issuing (walk-in at reception or kiosk). */
  verifiedBy: IdentityCheck | null;
}

export type IssueOutcome = Outcome<{ ticket: Ticket; changes: Changes; replay: boolean }>;

/** Channels where the citizen is physically in the hall when the number is issued. */
const WALK_IN_CHANNELS: ReadonlySet<Channel> = new Set(["kiosk", "reception"]);

export function ticketId(state: DayState, seq: number): string {
  return `${state.branchId}:${state.date}:${seq}`;
}

/** Decides whether to issue the next number for a field, and which one. */
export function issueTicket(state: DayState, req: IssueRequest, nowMs: number): IssueOutcome {
  const existing = state.byReservation.get(req.reservationId);
  if (existing !== undefined) {
    return { ok: true, ticket: state.tickets[existing - 1]!, changes: { tickets: [], counters: [] }, replay: true };
  }
  if (state.voidedReservations.has(req.reservationId)) return refuse("reservation_expired");

  const offer = state.plan.branch.fields.find((f) => f.code === req.fieldCode);
  if (!offer) return refuse("field_not_offered");

  if (state.bookingClosedAt !== null || state.dayEndedAt !== null) {
    return refuse("booking_window_closed", { nextWorkingDay: nextWorkingDayAfter(state.plan) });
  }
  const open = checkBookingOpen(state.plan, nowMs);
  if (!open.ok) return open;

  if ((state.capUsed.get(offer.code) ?? 0) >= offer.dailyCap) {
    return refuse("field_cap_reached", { nextWorkingDay: nextWorkingDayAfter(state.plan) });
  }

  const seq = state.tickets.length + 1;
  const number = (state.lastNumber.get(offer.code) ?? 0) + 1;
  const walkIn = WALK_IN_CHANNELS.has(req.channel);
  const ticket: Ticket = {
    seq,
    id: ticketId(state, seq),
    reservationId: req.reservationId,
    fieldCode: offer.code,
    originalFieldCode: null,
    number,
    label: formatTicketLabel(offer.series, number),
    channel: req.channel,
    priority: req.priority,
    citizenKey: req.citizenKey,
    citizenMasked: req.citizenMasked,
    status: "waiting",
    registeredAt: nowMs,
    arrivedAt: walkIn ? nowMs : null,
    verifiedBy: walkIn ? req.verifiedBy : null,
    calledAt: null,
    counterNumber: null,
    callCount: 0,
    startedAt: null,
    endedAt: null,
    version: 1,
  };
  return { ok: true, ticket, changes: { tickets: [ticket], counters: [] }, replay: false };
}
