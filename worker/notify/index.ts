/**
 * Notifications: "your turn is near" and "you are called", through every channel the citizen
 * (or the platform that booked for them) gave a target for.
 *
 * Configuration (Worker vars / secrets; every one optional, a channel without its settings is off):
 *
 *   SMS_GATEWAY_URL          https URL of the brandname-SMS gateway's send endpoint       (var)
 *   SMS_GATEWAY_API_KEY      sent as the X-API-Key header                                 (secret)
 *   SMS_BRANDNAME            the registered sender name, e.g. "HCC HANOI"                 (var)
 *                            → SMS is on when all three are set.
 *   PLATFORM_WEBHOOK_URL     https URL of the city platform's receiver                    (var)
 *   PLATFORM_WEBHOOK_SECRET  HMAC-SHA256 key for X-Sothutu-Signature (≥ 16 chars)         (secret)
 *                            → the platform webhook is on when both are set.
 *   VAPID_PUBLIC_KEY         base64url uncompressed P-256 public key (65 bytes); the
 *                            citizen page subscribes with it (applicationServerKey)       (var)
 *   VAPID_PRIVATE_KEY        base64url P-256 private key (32 bytes)                       (secret)
 *   VAPID_SUBJECT            "mailto:…" or "https://…" contact for push services           (var)
 *                            → web push is on when all three are set.
 *   NOTIFY_DEV_OUTBOX        "1": every channel left off gets an in-memory stand-in (dev and
 *                            tests); read it with `devOutbox`. Never set it in production.
 *
 * Half a configuration (e.g. a URL without its key) leaves the channel off and is reported in
 * `problems` (setting names only, never values).
 *
 * Nothing here logs phone numbers, push endpoints or ID numbers: log lines and failure reasons
 * carry the notification id (ticket id and kind), the channel and a status.
 */
import { notificationText, type NotificationKind } from "../../durable/engine/notifications";
import { DevOutboxSms, HttpSmsGateway } from "./sms-gateway";
import type {
  ChannelName,
  FetchLike,
  Notification,
  NotificationChannel,
  NotificationTargets,
  PushTarget,
  SmsTarget,
  WebhookTarget,
} from "./types";
import { DevOutboxPush, WebPushChannel } from "./web-push";
import { DevOutboxWebhook, PlatformWebhook } from "./webhook";

export type * from "./types";

export interface NotifyEnv {
  SMS_GATEWAY_URL?: string;
  SMS_GATEWAY_API_KEY?: string;
  SMS_BRANDNAME?: string;
  PLATFORM_WEBHOOK_URL?: string;
  PLATFORM_WEBHOOK_SECRET?: string;
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  NOTIFY_DEV_OUTBOX?: string;
}

export interface NotificationChannels {
  push: NotificationChannel<PushTarget> | null;
  sms: NotificationChannel<SmsTarget> | null;
  webhook: NotificationChannel<WebhookTarget> | null;
  /** The city platform's receiver from configuration: pass it as `targets.webhook`. */
  platformWebhook: WebhookTarget | null;
  /** The page needs it to subscribe (null when web push is off). */
  vapidPublicKey: string | null;
  /** Configuration that left a channel off (setting names, no values). */
  problems: string[];
}

/**
 * The dev stand-ins' store, one per isolate: what would have been sent. Only filled when
 * NOTIFY_DEV_OUTBOX="1" (in-memory, so each isolate, e.g. each Durable Object's, has its own).
 */
export const devOutbox = {
  sms: new DevOutboxSms(),
  push: new DevOutboxPush(),
  webhook: new DevOutboxWebhook(),
  clear(): void {
    this.sms.clear();
    this.push.clear();
    this.webhook.clear();
  },
};

/** Where the dev webhook stand-in "sends" when no platform URL is configured. */
export const DEV_PLATFORM_WEBHOOK: WebhookTarget = { url: "https://platform.invalid/sothutu-webhook", secret: "dev-outbox-secret" };

function set(v: string | undefined): v is string {
  return typeof v === "string" && v.trim() !== "";
}

function httpsUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "localhost" || u.hostname === "127.0.0.1"));
  } catch {
    return false;
  }
}

/** Checks one group of settings: all set → "on", none → "off", some → a problem. */
function group(env: NotifyEnv, names: ReadonlyArray<keyof NotifyEnv>, problems: string[]): boolean {
  const present = names.filter((n) => set(env[n]));
  if (present.length === names.length) return true;
  if (present.length > 0) problems.push(`${names.filter((n) => !set(env[n])).join(", ")} missing (${present.join(", ")} set)`);
  return false;
}

/** Builds the configured channels. `deps.fetch` / `deps.now` are for tests. */
export function notificationChannels(env: NotifyEnv, deps: { fetch?: FetchLike; now?: () => number } = {}): NotificationChannels {
  const problems: string[] = [];
  const dev = env.NOTIFY_DEV_OUTBOX === "1";

  let sms: NotificationChannel<SmsTarget> | null = null;
  if (group(env, ["SMS_GATEWAY_URL", "SMS_GATEWAY_API_KEY", "SMS_BRANDNAME"], problems)) {
    if (httpsUrl(env.SMS_GATEWAY_URL!)) {
      sms = new HttpSmsGateway({ url: env.SMS_GATEWAY_URL!, apiKey: env.SMS_GATEWAY_API_KEY!, brandname: env.SMS_BRANDNAME!, fetch: deps.fetch });
    } else problems.push("SMS_GATEWAY_URL is not an https URL");
  }

  let webhook: NotificationChannel<WebhookTarget> | null = null;
  let platformWebhook: WebhookTarget | null = null;
  if (group(env, ["PLATFORM_WEBHOOK_URL", "PLATFORM_WEBHOOK_SECRET"], problems)) {
    if (!httpsUrl(env.PLATFORM_WEBHOOK_URL!)) problems.push("PLATFORM_WEBHOOK_URL is not an https URL");
    else if (env.PLATFORM_WEBHOOK_SECRET!.length < 16) problems.push("PLATFORM_WEBHOOK_SECRET is shorter than 16 characters");
    else {
      webhook = new PlatformWebhook({ fetch: deps.fetch, now: deps.now });
      platformWebhook = { url: env.PLATFORM_WEBHOOK_URL!, secret: env.PLATFORM_WEBHOOK_SECRET! };
    }
  }

  let push: NotificationChannel<PushTarget> | null = null;
  let vapidPublicKey: string | null = null;
  if (group(env, ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"], problems)) {
    try {
      const vapid = { publicKey: env.VAPID_PUBLIC_KEY!.trim(), privateKey: env.VAPID_PRIVATE_KEY!.trim(), subject: env.VAPID_SUBJECT!.trim() };
      push = new WebPushChannel(vapid, { fetch: deps.fetch });
      vapidPublicKey = vapid.publicKey;
    } catch (e) {
      problems.push(e instanceof Error ? e.message : "VAPID configuration refused");
    }
  }

  if (dev) {
    sms ??= devOutbox.sms;
    push ??= devOutbox.push;
    if (!webhook) {
      webhook = devOutbox.webhook;
      platformWebhook = DEV_PLATFORM_WEBHOOK;
    }
  }
  return { push, sms, webhook, platformWebhook, vapidPublicKey, problems };
}

/** The notification for a ticket; `id` is `${ticket.id}:${kind}`. */
export function buildNotification(
  ticket: { id: string; label: string; counterNumber: number | null },
  where: { branchId: string; serviceDate: string },
  kind: NotificationKind,
  at: number,
): Notification {
  const counterNumber = kind === "called" ? ticket.counterNumber : null;
  const shown = { label: ticket.label, counterNumber };
  return {
    id: `${ticket.id}:${kind}`,
    ticketId: ticket.id,
    branchId: where.branchId,
    serviceDate: where.serviceDate,
    kind,
    label: ticket.label,
    counterNumber,
    textVi: notificationText(kind, shown, "vi"),
    textEn: notificationText(kind, shown, "en"),
    at,
  };
}

export type ChannelResult =
  | { status: "ok" }
  /** The target no longer exists (a dropped push subscription): forget it. */
  | { status: "gone" }
  | { status: "failed"; reason: string }
  /** A target was given but the channel is not configured. */
  | { status: "off" };

/** One entry per channel that had a target. */
export type DeliveryReport = Partial<Record<ChannelName, ChannelResult>>;

function reasonOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * Sends `n` through every channel that has a target, all at once; one channel failing (throwing,
 * timing out) never stops the others. Never throws. Failures are logged with the notification id,
 * the channel and the reason (adapters keep recipients out of reasons).
 */
export async function deliver(
  n: Notification,
  targets: NotificationTargets,
  channels: Pick<NotificationChannels, "push" | "sms" | "webhook">,
): Promise<DeliveryReport> {
  const report: DeliveryReport = {};
  const jobs: Promise<void>[] = [];
  const run = <T>(name: ChannelName, channel: NotificationChannel<T> | null, target: T | null | undefined) => {
    if (target === null || target === undefined) return;
    if (!channel) {
      report[name] = { status: "off" };
      return;
    }
    jobs.push(
      (async () => {
        try {
          const outcome = await channel.send(n, target);
          report[name] = outcome === "gone" ? { status: "gone" } : { status: "ok" };
        } catch (e) {
          const reason = reasonOf(e);
          report[name] = { status: "failed", reason };
          console.warn(`notify: ${name} failed for ${n.id}: ${reason}`);
        }
      })(),
    );
  };
  run("push", channels.push, targets.push);
  run("sms", channels.sms, targets.sms);
  run("webhook", channels.webhook, targets.webhook);
  await Promise.all(jobs);
  return report;
}

export { DevOutboxSms, HttpSmsGateway, normalizeVietnameseMobile } from "./sms-gateway";
export { DevOutboxPush, isKnownPushService, pushTargetProblem, WebPushChannel } from "./web-push";
export { DevOutboxWebhook, PlatformWebhook, signWebhookBody, verifyWebhookSignature } from "./webhook";
