/**
 * The notifications adapters' vocabulary: one notification, where it can go (targets) and the
 * channels that carry it. Each outside service (push services, an SMS gateway, the city
 * platform) sits behind one small channel with a local stand-in for development and tests.
 *
 * Personal data rule for everything in worker/notify/: phone numbers, push endpoints and ID
 * numbers never appear in logs or error messages. Errors say which channel failed and the
 * status, nothing about the recipient.
 */
import type { NotificationKind } from "../../durable/engine/notifications";

export type { NotificationKind };

export interface Notification {
  /** `${ticketId}:${kind}`: stable across retries, for de-duplication downstream. */
  id: string;
  /** "<branchId>:<YYYY-MM-DD>:<seq>". */
  ticketId: string;
  branchId: string;
  serviceDate: string;
  kind: NotificationKind;
  /** The number as written and called ("A015"). */
  label: string;
  /** The counter that called the ticket ("called" only). */
  counterNumber: number | null;
  textVi: string;
  textEn: string;
  /** When the event happened (epoch ms), not when it is sent. */
  at: number;
}

/** A browser's push subscription, as `PushSubscription.toJSON()` gives it (base64url keys). */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A mobile phone number in E.164, Vietnamese: "+84" and 9 digits ("+84912345678"). */
export interface SmsTarget {
  phone: string;
}

/** Where a signed webhook goes: the city platform's receiver and the secret shared with it. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

export const CHANNEL_NAMES = ["push", "sms", "webhook"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Where one notification may go; a channel with no target is not used. */
export interface NotificationTargets {
  push?: PushTarget | null;
  sms?: SmsTarget | null;
  webhook?: WebhookTarget | null;
}

/**
 * What a channel reports when it did not throw: "sent" (accepted by the service) or "gone"
 * (the target no longer exists, e.g. a push subscription the browser dropped: forget it).
 * Any failure is thrown, with a message free of personal data.
 */
export type SendOutcome = "sent" | "gone";

export interface NotificationChannel<Target> {
  readonly name: ChannelName;
  send(notification: Notification, target: Target): Promise<SendOutcome>;
}

/** The `fetch` adapters call; injectable so tests capture the exact request. */
export type FetchLike = (input: Request) => Promise<Response>;
