/**
 * Booking across the two consistency points: the citizen's ledger (daily limits) and the
 * branch-day (numbers, caps, window). reserve → issue → confirm; release when the branch-day
 * refuses. Used by every channel: online, kiosk, reception, platform.
 */
import { checkBookingOpen } from "../shared/booking-rules";
import type { DayPlan } from "../shared/branch-config";
import { now } from "../shared/clock";
import { refuse, type Outcome } from "../shared/problems";
import type { Channel, IdentityCheck, PriorityGroup } from "../shared/ticket-vocabulary";
import { TICKET_ID_RE } from "../shared/api-schemas";
import { addDays, isIsoDate, localDateOf, VN_TIME_ZONE } from "../shared/time";
import type { TicketView } from "../durable/engine/views";
import { citizenKeys, type CitizenIdentity } from "./identity/citizen-key";

export interface BookingRequest {
  citizen: CitizenIdentity;
  plan: DayPlan;
  fieldCode: string;
  channel: Channel;
  priority: PriorityGroup | null;
  verifiedBy: IdentityCheck | null;
  idempotencyKey: string | null;
}

export function branchDayName(branchId: string, date: string): string {
  return `${branchId}:${date}`;
}

export function branchDay(env: Env, branchId: string, date: string) {
  return env.BRANCH_DAY.getByName(branchDayName(branchId, date));
}

export function citizenLedger(env: Env, citizenKey: string) {
  return env.CITIZEN_LEDGER.getByName(citizenKey);
}

/**
 * Service days whose branch-day objects a request may wake: a week back (a citizen looking at
 * last week's ticket) to two weeks ahead (beyond any branch's booking horizon). Anything else
 * is refused before it reaches an object, so nobody can make the service create objects for
 * arbitrary days.
 */
const LIVE_DAYS_BACK = 7;
const LIVE_DAYS_AHEAD = 14;

export function isLiveServiceDate(date: string, nowMs: number): boolean {
  const today = localDateOf(nowMs, VN_TIME_ZONE);
  return date >= addDays(today, -LIVE_DAYS_BACK) && date <= addDays(today, LIVE_DAYS_AHEAD);
}

/** Splits "<branchId>:<YYYY-MM-DD>:<seq>"; null when malformed or outside the live days. */
export function parseTicketId(id: string): { branchId: string; date: string; seq: number } | null {
  const m = TICKET_ID_RE.exec(id);
  if (!m || !isIsoDate(m[2]) || !isLiveServiceDate(m[2]!, now())) return null;
  return { branchId: m[1]!, date: m[2]!, seq: Number(m[3]) };
}

/**
 * Books a number for a citizen, honouring every limit; idempotent with an idempotency key.
 * `defer` (the request's `waitUntil`) lets the ledger's confirm finish after the reply.
 */
export async function book(env: Env, req: BookingRequest, defer?: (work: Promise<unknown>) => void): Promise<Outcome<{ ticket: TicketView; replay: boolean }>> {
  const { plan, citizen } = req;
  const ledger = citizenLedger(env, citizen.key);
  const fingerprint = [plan.date, plan.branch.id, req.fieldCode, req.channel, req.priority ?? ""].join("|");
  // Cheap refusals first (the same rules the branch-day enforces), so a closed day or an unknown
  // field never takes a citizen's slot even for a moment.
  if (!plan.branch.fields.some((f) => f.code === req.fieldCode)) return refuse("field_not_offered");
  const open = checkBookingOpen(plan, now());
  if (!open.ok) {
    // A retry of a booking that succeeded before the window closed still gets its ticket.
    const earlier = req.idempotencyKey === null ? null : await ledger.find(req.idempotencyKey, fingerprint);
    if (earlier?.ticketId) {
      const ref = parseTicketId(earlier.ticketId);
      const found = ref ? await branchDay(env, ref.branchId, ref.date).citizenTicket(ref.seq, citizenKeys(citizen)) : null;
      if (found?.ok) return { ok: true, ticket: found.ticket, replay: true };
    }
    return open;
  }

  const reserved = await ledger.reserve({
    serviceDate: plan.date,
    branchId: plan.branch.id,
    fieldCode: req.fieldCode,
    channel: req.channel,
    idempotencyKey: req.idempotencyKey,
    fingerprint,
    heldElsewhere: await heldUnderPreviousKeys(env, citizen, plan.date),
  });
  if (!reserved.ok) return reserved;
  const { reservation } = reserved;
  const day = branchDay(env, reservation.branchId, reservation.serviceDate);

  // A retry of a booking whose ticket was cancelled since: show that ticket, issue nothing.
  if (reservation.status === "cancelled" && reservation.ticketId) {
    const seq = parseTicketId(reservation.ticketId)?.seq ?? 0;
    const found = await day.citizenTicket(seq, citizenKeys(citizen));
    return found.ok ? { ok: true, ticket: found.ticket, replay: true } : found;
  }

  const issued = await day.issue(plan, {
    reservationId: reservation.id,
    fieldCode: req.fieldCode,
    channel: req.channel,
    priority: req.priority,
    citizenKey: citizen.key,
    citizenMasked: citizen.masked,
    verifiedBy: req.verifiedBy,
  });
  if (!issued.ok) {
    await ledger.release(reservation.id, "refused");
    return issued;
  }
  // The ticket is issued and durable; until confirmed, the pending reservation holds the slot
  // (it counts toward the limits like a confirmed one), and if the confirm is lost the ledger's
  // alarm confirms it against the branch-day. So the reply need not wait for it: with `defer`
  // (the request's waitUntil) the confirm runs after the answer, one object round trip less.
  const confirmed = ledger.confirm(reservation.id, issued.ticket.id, issued.ticket.label).catch((err: unknown) => {
    console.error("ledger confirm failed; the ledger will settle it", err instanceof Error ? err.message : err);
  });
  if (defer) defer(confirmed);
  else await confirmed;
  return { ok: true, ticket: issued.ticket, replay: issued.replay || reserved.replay };
}

/**
 * During a key rotation, the field codes of the day's active reservations in the citizen's
 * previous-key ledgers (numbers booked before the rotation), for the current ledger to count.
 */
async function heldUnderPreviousKeys(env: Env, citizen: CitizenIdentity, serviceDate: string): Promise<string[] | undefined> {
  if (citizen.previousKeys.length === 0) return undefined;
  const held = await Promise.all(citizen.previousKeys.map((key) => citizenLedger(env, key).activeForDay(serviceDate)));
  return held.flat().map((r) => r.fieldCode);
}

/** The citizen gives a number back; their slot for that day and field is freed. */
export async function cancelBooking(env: Env, citizen: CitizenIdentity, ticketId: string): Promise<Outcome<{ ticket: TicketView }>> {
  const ref = parseTicketId(ticketId);
  if (!ref) return refuse("ticket_not_found");
  const cancelled = await branchDay(env, ref.branchId, ref.date).cancel(ref.seq, citizenKeys(citizen));
  if (!cancelled.ok) return cancelled;
  // Idempotent on both sides: a retry after a failure here cancels nothing twice. The slot is in
  // the ledger of the key the ticket was booked under (a previous key's, for a ticket booked
  // before a key rotation).
  await citizenLedger(env, cancelled.citizenKey).release(cancelled.reservationId, "cancelled");
  return { ok: true, ticket: cancelled.ticket };
}
