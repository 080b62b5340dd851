/**
 * Web Push to the citizen's ticket page: payload encrypted for the browser's subscription with
 * `aes128gcm` (RFC 8291 / RFC 8188), the sender identified with VAPID (RFC 8292,
 * `Authorization: vapid t=<ES256 JWT>, k=<public key>`). The crypto is
 * `@block65/webcrypto-web-push` (Web Crypto only, so it runs in workerd); this file only builds
 * the message, sends it and reads the push service's answer.
 *
 * Keys (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY) are the usual web-push pair, base64url: the public
 * key is the uncompressed P-256 point (65 bytes; the page subscribes with it as
 * `applicationServerKey`), the private key the 32-byte scalar. `npx web-push generate-vapid-keys`
 * prints such a pair. VAPID_SUBJECT is a `mailto:` or `https:` contact for push services.
 *
 * The push service's answer: 2xx sent; 404/410 the subscription is gone (the browser
 * unsubscribed or expired it): the caller forgets it; anything else throws with the status.
 * Endpoints are capability URLs: they never appear in errors or logs.
 */
import { buildPushPayload } from "@block65/webcrypto-web-push";
import type { NotificationKind } from "../../durable/engine/notifications";
import type { FetchLike, Notification, NotificationChannel, PushTarget, SendOutcome } from "./types";

export interface VapidConfig {
  publicKey: string;
  privateKey: string;
  subject: string;
}

function base64UrlBytes(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return null;
  try {
    const b64 = value.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Why a VAPID configuration cannot work, or null. Names the setting, never shows a key. */
export function vapidConfigProblem(v: VapidConfig): string | null {
  const pub = base64UrlBytes(v.publicKey);
  if (!pub || pub.length !== 65 || pub[0] !== 0x04) return "VAPID_PUBLIC_KEY is not a base64url uncompressed P-256 public key (65 bytes)";
  const priv = base64UrlBytes(v.privateKey);
  if (!priv || priv.length !== 32) return "VAPID_PRIVATE_KEY is not a base64url P-256 private key (32 bytes)";
  if (!/^(mailto:.+@.+|https:\/\/.+)$/.test(v.subject)) return "VAPID_SUBJECT must be a mailto: or https: contact";
  return null;
}

/**
 * Push services browsers subscribe through (Chrome/Edge/Opera/Samsung via FCM, Firefox, Safari,
 * legacy Edge/WNS). A subscription elsewhere is refused: endpoints come from browsers, i.e. from
 * anyone, and the Worker must not be made to POST to arbitrary hosts.
 */
export const KNOWN_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"] as const;

export function isKnownPushService(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username || url.password || (url.port && url.port !== "443")) return false;
  return KNOWN_PUSH_SERVICE_HOSTS.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`));
}

/** Why a subscription cannot be used, or null (for the route that stores subscriptions, too). */
export function pushTargetProblem(t: PushTarget, isAllowedEndpoint: (endpoint: string) => boolean = isKnownPushService): string | null {
  if (!isAllowedEndpoint(t.endpoint)) return "endpoint is not a known push service";
  const p256dh = base64UrlBytes(t.keys?.p256dh ?? "");
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04) return "p256dh is not an uncompressed P-256 public key";
  const auth = base64UrlBytes(t.keys?.auth ?? "");
  if (!auth || auth.length !== 16) return "auth is not a 16-byte secret";
  return null;
}

/**
 * What the citizen page's service worker receives (JSON, decrypted by the browser). It shows
 * `titleVi`/`textVi` (or the English pair) and uses `ticketId` as the notification tag, so
 * "called" replaces "near" on the screen.
 */
// A type alias, not an interface: the library wants a JSON-compatible value (index signature).
export type PushPayload = {
  v: 1;
  id: string;
  kind: NotificationKind;
  ticketId: string;
  branchId: string;
  serviceDate: string;
  label: string;
  counterNumber: number | null;
  titleVi: string;
  titleEn: string;
  textVi: string;
  textEn: string;
  at: number;
};

export function pushPayload(n: Notification): PushPayload {
  return {
    v: 1,
    id: n.id,
    kind: n.kind,
    ticketId: n.ticketId,
    branchId: n.branchId,
    serviceDate: n.serviceDate,
    label: n.label,
    counterNumber: n.counterNumber,
    titleVi: `Số thứ tự ${n.label}`,
    titleEn: `Number ${n.label}`,
    textVi: n.textVi,
    textEn: n.textEn,
    at: n.at,
  };
}

/**
 * How long a push service keeps an undelivered message: a "near" older than 15 minutes or a
 * "called" older than 10 is wrong rather than late (the number was called, or marked no-show).
 */
export const DEFAULT_PUSH_TTL_SECONDS: Readonly<Record<NotificationKind, number>> = { near: 15 * 60, called: 10 * 60 };

/**
 * The Topic header (RFC 8030 §5.4, ≤ 32 base64url characters): one per ticket, so a "called"
 * waiting at the push service replaces the "near" not yet delivered.
 */
export async function pushTopic(ticketId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ticketId)));
  return btoa(String.fromCharCode(...digest.slice(0, 24)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export interface WebPushOptions {
  fetch?: FetchLike;
  ttlSeconds?: Partial<Record<NotificationKind, number>>;
  /** Which endpoints may be posted to. Default `isKnownPushService`. */
  isAllowedEndpoint?: (endpoint: string) => boolean;
  timeoutMs?: number;
}

export class WebPushChannel implements NotificationChannel<PushTarget> {
  readonly name = "push" as const;
  readonly #vapid: VapidConfig;
  readonly #fetch: FetchLike;
  readonly #ttl: Record<NotificationKind, number>;
  readonly #isAllowedEndpoint: (endpoint: string) => boolean;
  readonly #timeoutMs: number;

  /** Throws when the VAPID configuration cannot work (see `vapidConfigProblem`). */
  constructor(vapid: VapidConfig, options: WebPushOptions = {}) {
    const problem = vapidConfigProblem(vapid);
    if (problem) throw new Error(`push: ${problem}`);
    this.#vapid = vapid;
    this.#fetch = options.fetch ?? ((req) => fetch(req));
    this.#ttl = { ...DEFAULT_PUSH_TTL_SECONDS, ...options.ttlSeconds };
    this.#isAllowedEndpoint = options.isAllowedEndpoint ?? isKnownPushService;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The request this channel sends (encrypted body, VAPID and push headers). */
  async request(n: Notification, target: PushTarget): Promise<Request> {
    const problem = pushTargetProblem(target, this.#isAllowedEndpoint);
    if (problem) throw new Error(`push: subscription refused: ${problem}`);
    const built = await buildPushPayload(
      { data: pushPayload(n), options: { ttl: this.#ttl[n.kind], urgency: "high", topic: await pushTopic(n.ticketId) } },
      { endpoint: target.endpoint, expirationTime: null, keys: { p256dh: target.keys.p256dh, auth: target.keys.auth } },
      { subject: this.#vapid.subject, publicKey: this.#vapid.publicKey, privateKey: this.#vapid.privateKey },
    );
    return new Request(target.endpoint, {
      method: "POST",
      headers: built.headers,
      body: built.body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
  }

  async send(n: Notification, target: PushTarget): Promise<SendOutcome> {
    const request = await this.request(n, target);
    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (e) {
      throw new Error(`push: push service unreachable (${e instanceof Error ? e.name : "error"})`);
    }
    await response.body?.cancel();
    if (response.status === 404 || response.status === 410) return "gone";
    if (!response.ok) throw new Error(`push: push service responded ${response.status}`);
    return "sent";
  }
}

export interface DevPush {
  notificationId: string;
  payload: PushPayload;
}

/**
 * Local stand-in: keeps the payloads it would have pushed (the most recent `capacity`), without
 * the endpoint. Subscriptions are still checked, so a broken one fails here as it would live.
 */
export class DevOutboxPush implements NotificationChannel<PushTarget> {
  readonly name = "push" as const;
  readonly #pushes: DevPush[] = [];
  readonly #capacity: number;
  readonly #isAllowedEndpoint: (endpoint: string) => boolean;

  constructor(options: { capacity?: number; isAllowedEndpoint?: (endpoint: string) => boolean } = {}) {
    this.#capacity = options.capacity ?? 500;
    this.#isAllowedEndpoint = options.isAllowedEndpoint ?? isKnownPushService;
  }

  async send(n: Notification, target: PushTarget): Promise<SendOutcome> {
    const problem = pushTargetProblem(target, this.#isAllowedEndpoint);
    if (problem) throw new Error(`push: subscription refused: ${problem}`);
    this.#pushes.push({ notificationId: n.id, payload: pushPayload(n) });
    if (this.#pushes.length > this.#capacity) this.#pushes.splice(0, this.#pushes.length - this.#capacity);
    return "sent";
  }

  pushes(): readonly DevPush[] {
    return [...this.#pushes];
  }

  clear(): void {
    this.#pushes.length = 0;
  }
}
