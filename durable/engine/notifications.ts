/**
 * "Your turn is near" and "you are called": which tickets are due a notification, and the short
 * texts sent. Pure rules, no Cloudflare imports: the branch-day object calls `dueNotifications`
 * after each change, hands what it returns to the notifications adapters (worker/notify/), and
 * records the keys it handed over, so each ticket gets each kind at most once.
 */
import type { TicketStatus } from "../../shared/ticket-vocabulary";

export const NOTIFICATION_KINDS = ["near", "called"] as const;
/** "near": the ticket will be called soon. "called": a counter called it. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * When a waiting ticket counts as "near". Either rule is enough:
 * - `positions`: at most this many tickets are still to be called before it in its field
 *   (0 = only when it is next);
 * - `minutes`: the high end of its wait estimate is at most this many minutes (the pessimistic
 *   end, so "near" means near even on a slow day; no estimate, no minutes rule).
 * A negative or non-finite value turns that rule off.
 */
export interface NearThresholds {
  positions: number;
  minutes: number;
}

/**
 * 5 tickets ahead or 15 minutes: at branch 1's pace (a land dossier takes 10–20 minutes at each
 * of several counters) both leave a citizen nearby time to walk back to the waiting area.
 */
export const DEFAULT_NEAR_THRESHOLDS: Readonly<NearThresholds> = Object.freeze({ positions: 5, minutes: 15 });

/** What the rules read of a ticket; the engine's `Ticket` satisfies it. */
export interface NotifiableTicket {
  seq: number;
  status: TicketStatus;
  fieldCode: string;
  label: string;
  counterNumber: number | null;
}

export interface DueNotification {
  ticketSeq: number;
  kind: NotificationKind;
}

/** The key recorded once a notification was handed over: `${seq}:${kind}`. */
export function notificationKey(ticketSeq: number, kind: NotificationKind): string {
  return `${ticketSeq}:${kind}`;
}

function ruleOn(limit: number): boolean {
  return Number.isFinite(limit) && limit >= 0;
}

/**
 * The notifications due now, "called" ones first, then "near" ones in registration order.
 *
 * - A called ticket is due "called" (a recall does not send it again).
 * - A waiting ticket within `thresholds` is due "near", unless it was already called once: a
 *   ticket transferred to another field after its call waits again but is not told "near"
 *   (it is a ticket that was called without having been near: it gets only "called").
 * - Keys in `sent` (`notificationKey`) are never returned again.
 * - `fieldIsServing` (optional, default: always): "near" only while the ticket's field is being
 *   served. The object passes e.g. `(f) => openCountersFor(state, f) > 0`, so the first numbers of
 *   a day booked in advance are not told "near" at booking time, nor during a break of every
 *   counter of their field.
 */
export function dueNotifications<T extends NotifiableTicket>(
  tickets: readonly T[],
  sent: ReadonlySet<string>,
  thresholds: NearThresholds,
  aheadOf: (ticket: T) => number | null,
  estimateHighMinutesOf: (ticket: T) => number | null,
  fieldIsServing: (fieldCode: string) => boolean = () => true,
): DueNotification[] {
  const called: DueNotification[] = [];
  const near: DueNotification[] = [];
  const servingByField = new Map<string, boolean>();
  const isServing = (fieldCode: string) => {
    let v = servingByField.get(fieldCode);
    if (v === undefined) servingByField.set(fieldCode, (v = fieldIsServing(fieldCode)));
    return v;
  };
  const positionsOn = ruleOn(thresholds.positions);
  const minutesOn = ruleOn(thresholds.minutes);

  for (const t of tickets) {
    if (t.status === "called") {
      if (!sent.has(notificationKey(t.seq, "called"))) called.push({ ticketSeq: t.seq, kind: "called" });
      continue;
    }
    if (t.status !== "waiting") continue;
    if (sent.has(notificationKey(t.seq, "near")) || sent.has(notificationKey(t.seq, "called"))) continue;
    if (!positionsOn && !minutesOn) continue;
    if (!isServing(t.fieldCode)) continue;
    let isNear = false;
    if (positionsOn) {
      const ahead = aheadOf(t);
      isNear = ahead !== null && ahead <= thresholds.positions;
    }
    if (!isNear && minutesOn) {
      const high = estimateHighMinutesOf(t);
      isNear = high !== null && high <= thresholds.minutes;
    }
    if (isNear) near.push({ ticketSeq: t.seq, kind: "near" });
  }
  const bySeq = (a: DueNotification, b: DueNotification) => a.ticketSeq - b.ticketSeq;
  return [...called.sort(bySeq), ...near.sort(bySeq)];
}

export type NotificationLanguage = "vi" | "en";

/**
 * The short text of a notification, the same words as the hall's voice call. Fits one SMS
 * segment once diacritics are stripped (under 160 characters).
 */
export function notificationText(
  kind: NotificationKind,
  ticket: { label: string; counterNumber: number | null },
  lang: NotificationLanguage,
): string {
  const { label, counterNumber } = ticket;
  if (kind === "near") {
    return lang === "vi"
      ? `Sắp đến lượt số ${label} của bạn. Vui lòng có mặt tại khu vực chờ.`
      : `Your number ${label} will be called soon. Please be in the waiting area.`;
  }
  if (counterNumber === null) {
    return lang === "vi"
      ? `Số thứ tự ${label} của bạn đã được gọi. Vui lòng đến quầy tiếp nhận.`
      : `Your number ${label} has been called. Please go to the counters.`;
  }
  return lang === "vi"
    ? `Mời công dân có số thứ tự ${label} đến quầy số ${counterNumber}.`
    : `Number ${label}, please go to counter ${counterNumber}.`;
}
