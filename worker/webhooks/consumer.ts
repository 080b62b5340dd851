/**
 * The webhook queue's consumer (WEBHOOK_QUEUE → this; after the retry budget → the dead-letter
 * queue → `handleDeadLetters`).
 *
 * Two stages on one queue (worker/webhooks/messages.ts):
 *   1. `event` messages come from the branch-days' outboxes. Fan-out happens HERE, not in the
 *      branch-day: subscriptions live in D1, and the branch-day's alarm stays a plain drain that
 *      never reads D1 (a change of subscription applies to every event not yet fanned out). One
 *      `webhook_deliveries` row per subscribed endpoint (id derived from event and endpoint, so a
 *      redelivered event makes no duplicate), then one `delivery` message each (sendBatch).
 *   2. `delivery` messages POST one event to one endpoint, signed. Each endpoint's delivery
 *      retries on its own — a receiver that is down never delays or repeats another's — with
 *      exponential backoff (`message.retry({ delaySeconds })`: 30 s, 1, 2, 4, 8, 16 min); after
 *      max_retries (wrangler.toml) Queues moves it to the dead-letter queue, whose consumer marks
 *      the row dead. An administrator can replay dead deliveries (a fresh budget).
 */

import { incrementUsage } from "../platform/usage";
import { createDeliveries, getDeliveryRows, markDead, recordAttempt } from "./deliveries";
import { deliveryTargets, subscribersOf } from "./endpoints";
import type { EventType, PlatformEvent } from "./events";
import type { WebhookMessage } from "./messages";
import { DELIVERY_ATTEMPT_HEADER, DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signing";

/** First retry after this many seconds, doubling each attempt, never more than MAX_RETRY_DELAY_S. */
export const RETRY_BASE_DELAY_S = 30;
export const MAX_RETRY_DELAY_S = 3600;
/** A receiver has this long to answer. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Kept of a receiver's error answer (it is the receiver's text: short, never shown to citizens). */
const MAX_ERROR_CHARS = 200;

/** Delay before retrying after failed attempt number `attempt` (1-based): 30 s · 2^(attempt−1). */
export function backoffSeconds(attempt: number): number {
  return Math.min(RETRY_BASE_DELAY_S * 2 ** Math.max(0, attempt - 1), MAX_RETRY_DELAY_S);
}

export interface ConsumerDeps {
  /** How a delivery is sent (tests pass a receiver; default the global fetch at call time). */
  fetch?: (request: Request) => Promise<Response>;
}

function isWebhookMessage(body: unknown): body is WebhookMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as { kind?: unknown; event?: { id?: unknown }; deliveryId?: unknown };
  return (b.kind === "event" && typeof b.event?.id === "string") || (b.kind === "delivery" && typeof b.deliveryId === "string");
}

function deliveryMessage(deliveryId: string): MessageSendRequest<WebhookMessage> {
  return { body: { kind: "delivery", deliveryId }, contentType: "json" };
}

/** Sends `delivery` messages for these rows (sendBatch takes at most 100). */
export async function enqueueDeliveries(queue: Queue, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) await queue.sendBatch(ids.slice(i, i + 100).map(deliveryMessage));
}

/** Stage 1: delivery rows and messages for the subscribers of these events. */
async function fanOut(env: Env, events: readonly PlatformEvent[]): Promise<void> {
  const types = [...new Set(events.map((e) => e.type))] as EventType[];
  const subscribers = await subscribersOf(env.DB, types);
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    // The same event twice in one batch (a redelivery): fanned out once.
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const endpoints = subscribers.filter((s) => s.eventTypes.includes(event.type)).map((s) => s.id);
    ids.push(...(await createDeliveries(env.DB, event, endpoints)));
  }
  await enqueueDeliveries(env.WEBHOOK_QUEUE, ids);
}

interface AttemptOutcome {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
}

async function post(deps: ConsumerDeps, url: string, body: string, headers: Record<string, string>): Promise<AttemptOutcome> {
  const send = deps.fetch ?? ((r: Request) => fetch(r));
  try {
    const res = await send(new Request(url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) }));
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel();
      return { delivered: true, statusCode: res.status, error: null };
    }
    const text = (await res.text().catch(() => "")).slice(0, MAX_ERROR_CHARS);
    return { delivered: false, statusCode: res.status, error: text === "" ? `HTTP ${res.status}` : text };
  } catch (err) {
    return { delivered: false, statusCode: null, error: (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, MAX_ERROR_CHARS) };
  }
}

/** Handles a batch of the webhook queue. */
export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env, deps: ConsumerDeps = {}): Promise<void> {
  const eventMsgs: Message<unknown>[] = [];
  const deliveryMsgs: Message<unknown>[] = [];
  for (const m of batch.messages) {
    if (!isWebhookMessage(m.body)) {
      console.error("webhook queue: dropping a message of unknown shape");
      m.ack();
    } else if (m.body.kind === "event") eventMsgs.push(m);
    else deliveryMsgs.push(m);
  }

  if (eventMsgs.length > 0) {
    try {
      await fanOut(env, eventMsgs.map((m) => (m.body as Extract<WebhookMessage, { kind: "event" }>).event));
      for (const m of eventMsgs) m.ack();
    } catch (err) {
      console.error("webhook fan-out failed; will retry", err instanceof Error ? err.message : String(err));
      for (const m of eventMsgs) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    }
  }

  if (deliveryMsgs.length === 0) return;
  const ids = deliveryMsgs.map((m) => (m.body as Extract<WebhookMessage, { kind: "delivery" }>).deliveryId);
  let rows: Awaited<ReturnType<typeof getDeliveryRows>>;
  let targets: Awaited<ReturnType<typeof deliveryTargets>>;
  try {
    rows = await getDeliveryRows(env.DB, ids);
    targets = await deliveryTargets(env, [...rows.values()].map((r) => r.endpointId));
  } catch (err) {
    console.error("webhook deliveries: D1 unavailable; will retry", err instanceof Error ? err.message : String(err));
    for (const m of deliveryMsgs) m.retry({ delaySeconds: backoffSeconds(m.attempts) });
    return;
  }

  await Promise.all(
    deliveryMsgs.map(async (m, i) => {
      const row = rows.get(ids[i]!);
      // Gone, or already delivered/dead (a duplicate message): nothing to do.
      if (!row || row.status !== "pending") return m.ack();
      const target = targets.get(row.endpointId);
      if (!target || target.disabled || target.secrets.length === 0) {
        await markDead(env.DB, [row.id], !target ? "endpoint removed" : target.disabled ? "endpoint disabled" : "signing secret unreadable: rotate it");
        return m.ack();
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const outcome = await post(deps, target.url, row.payload, {
        "content-type": "application/json",
        "user-agent": "sothutu-webhooks/1",
        [SIGNATURE_HEADER]: await signatureHeader(target.secrets, timestamp, row.payload),
        [EVENT_ID_HEADER]: row.eventId,
        [EVENT_TYPE_HEADER]: row.eventType,
        [DELIVERY_ID_HEADER]: row.id,
        [DELIVERY_ATTEMPT_HEADER]: String(row.attempts + 1),
      });
      try {
        await recordAttempt(env.DB, row.id, outcome);
      } catch (err) {
        console.error("webhook delivery record failed", err instanceof Error ? err.message : String(err));
      }
      if (outcome.delivered) {
        await incrementUsage(env.DB, target.clientId, "webhook_delivery");
        m.ack();
      } else {
        m.retry({ delaySeconds: backoffSeconds(m.attempts) });
      }
    }),
  );
}

/** The dead-letter queue: a delivery whose budget ran out is marked dead (replayable). */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const dead: string[] = [];
  const events: PlatformEvent[] = [];
  for (const m of batch.messages) {
    if (!isWebhookMessage(m.body)) continue;
    if (m.body.kind === "delivery") dead.push(m.body.deliveryId);
    else events.push(m.body.event);
  }
  // An event whose fan-out kept failing (D1 down for the whole budget) gets one more try here;
  // if that fails too the batch is retried by the dead-letter queue's own budget, then logged.
  if (events.length > 0) await fanOut(env, events);
  await markDead(env.DB, dead);
  batch.ackAll();
}


