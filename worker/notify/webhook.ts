/**
 * Signed webhooks to the city platform (e.g. iHanoi), which tells its own users through its app.
 *
 *   POST <PLATFORM_WEBHOOK_URL>
 *   Content-Type: application/json
 *   X-Sothutu-Event-Id: <notification id>        (stable across retries: de-duplicate on it)
 *   X-Sothutu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 *   { "id": "<notification id>", "type": "ticket.near" | "ticket.called",
 *     "occurredAt": "<ISO 8601>", "data": { "ticketId", "branchId", "serviceDate", "label",
 *     "counterNumber", "textVi", "textEn" } }
 *
 * The body carries the ticket, never the person: the platform knows whose ticket it booked.
 * Receivers verify with `verifyWebhookSignature` (or the same three lines in their language):
 * HMAC the exact bytes received, compare in constant time, refuse a timestamp more than
 * 5 minutes off (replays). `t` is the time of sending, so a retry carries a fresh signature.
 * Any 2xx is delivered; anything else throws (the caller's queue retries).
 */
import { toHex } from "../../shared/hex";
import type { FetchLike, Notification, NotificationChannel, SendOutcome, WebhookTarget } from "./types";

export const SIGNATURE_HEADER = "X-Sothutu-Signature";
export const EVENT_ID_HEADER = "X-Sothutu-Event-Id";

export interface WebhookEvent {
  id: string;
  type: `ticket.${Notification["kind"]}`;
  occurredAt: string;
  data: {
    ticketId: string;
    branchId: string;
    serviceDate: string;
    label: string;
    counterNumber: number | null;
    textVi: string;
    textEn: string;
  };
}

export function webhookEvent(n: Notification): WebhookEvent {
  return {
    id: n.id,
    type: `ticket.${n.kind}`,
    occurredAt: new Date(n.at).toISOString(),
    data: {
      ticketId: n.ticketId,
      branchId: n.branchId,
      serviceDate: n.serviceDate,
      label: n.label,
      counterNumber: n.counterNumber,
      textVi: n.textVi,
      textEn: n.textEn,
    },
  };
}

const encoder = new TextEncoder();

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}


function fromHex(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The `X-Sothutu-Signature` value for `body` sent at `timestampSeconds`. */
export async function signWebhookBody(secret: string, body: string, timestampSeconds: number): Promise<string> {
  const t = Math.floor(timestampSeconds);
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), encoder.encode(`${t}.${body}`));
  return `t=${t},v1=${toHex(mac)}`;
}

/**
 * True when `header` signs exactly `body` with `secret` and its timestamp is within
 * `toleranceSeconds` of `nowSeconds` (either side). Several `v1=` entries are allowed (a sender
 * rotating secrets); one match is enough. The comparison is constant-time (`subtle.verify`).
 */
export async function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): Promise<boolean> {
  if (!header) return false;
  let t: number | null = null;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t") {
      if (!/^\d{1,12}$/.test(value) || t !== null) return false;
      t = Number(value);
    } else if (name === "v1") {
      const sig = fromHex(value);
      if (sig && sig.length === 32) signatures.push(sig);
    }
  }
  if (t === null || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const key = await hmacKey(secret, "verify");
  const data = encoder.encode(`${t}.${body}`);
  for (const sig of signatures) {
    if (await crypto.subtle.verify("HMAC", key, sig, data)) return true;
  }
  return false;
}

export interface WebhookOptions {
  fetch?: FetchLike;
  /** Clock for the signature's timestamp (epoch ms). */
  now?: () => number;
  timeoutMs?: number;
}

/** The signed request for a notification, as sent (exported for the dev outbox and tests). */
export async function webhookRequest(n: Notification, target: WebhookTarget, nowMs: number, timeoutMs = 10_000): Promise<Request> {
  const body = JSON.stringify(webhookEvent(n));
  return new Request(target.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "User-Agent": "sothutu-webhook/1",
      [EVENT_ID_HEADER]: n.id,
      [SIGNATURE_HEADER]: await signWebhookBody(target.secret, body, nowMs / 1000),
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

export class PlatformWebhook implements NotificationChannel<WebhookTarget> {
  readonly name = "webhook" as const;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #timeoutMs: number;

  constructor(options: WebhookOptions = {}) {
    this.#fetch = options.fetch ?? ((req) => fetch(req));
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send(n: Notification, target: WebhookTarget): Promise<SendOutcome> {
    const request = await webhookRequest(n, target, this.#now(), this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (e) {
      throw new Error(`webhook: receiver unreachable (${e instanceof Error ? e.name : "error"})`);
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook: receiver responded ${response.status}`);
    return "sent";
  }
}

export interface DevWebhook {
  notificationId: string;
  url: string;
  signature: string;
  body: string;
}

/** Local stand-in: keeps the signed requests it would have sent (the most recent `capacity`). */
export class DevOutboxWebhook implements NotificationChannel<WebhookTarget> {
  readonly name = "webhook" as const;
  readonly #events: DevWebhook[] = [];
  readonly #now: () => number;
  readonly #capacity: number;

  constructor(options: { now?: () => number; capacity?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#capacity = options.capacity ?? 500;
  }

  async send(n: Notification, target: WebhookTarget): Promise<SendOutcome> {
    const request = await webhookRequest(n, target, this.#now());
    this.#events.push({
      notificationId: n.id,
      url: target.url,
      signature: request.headers.get(SIGNATURE_HEADER)!,
      body: await request.text(),
    });
    if (this.#events.length > this.#capacity) this.#events.splice(0, this.#events.length - this.#capacity);
    return "sent";
  }

  events(): readonly DevWebhook[] {
    return [...this.#events];
  }

  clear(): void {
    this.#events.length = 0;
  }
}
