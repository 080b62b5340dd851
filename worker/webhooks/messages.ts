/**
 * Messages on the webhook queue (WEBHOOK_QUEUE, consumer worker/webhooks/consumer.ts):
 * - `event`: one platform event from a branch-day's outbox, to fan out to subscribed endpoints;
 * - `delivery`: one event for one endpoint (a `webhook_deliveries` row), retried on its own with
 *   exponential backoff and dead-lettered after the retry budget.
 */
import type { PlatformEvent } from "./events";

export type WebhookMessage = { kind: "event"; event: PlatformEvent } | { kind: "delivery"; deliveryId: string };
