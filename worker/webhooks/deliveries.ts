/**
 * Delivery records (D1 `webhook_deliveries`): one row per event and endpoint — pending, then
 * delivered or dead — with the attempts made and the receiver's last answer. The row's id is
 * derived from (event id, endpoint id), so fanning the same event out twice (a queue redelivery)
 * makes no second row.
 */
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { now } from "../../shared/clock";
import { webhookDeliveries, WEBHOOK_DELIVERY_STATUSES } from "../db/schema";
import type { PlatformEvent } from "./events";
import { idFromBytes } from "../platform/ids";

export type DeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
export { WEBHOOK_DELIVERY_STATUSES };

export interface DeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

type Row = typeof webhookDeliveries.$inferSelect;

export function recordOf(r: Row): DeliveryRecord {
  return {
    id: r.id,
    endpointId: r.endpointId,
    eventId: r.eventId,
    eventType: r.eventType,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    deliveredAt: r.deliveredAt,
  };
}

/** `whd_` + 20 symbols of SHA-256(event id, endpoint id): the same pair always names the same row. */
export async function deliveryIdOf(eventId: string, endpointId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${eventId}\n${endpointId}`));
  return idFromBytes("whd", new Uint8Array(digest));
}

/**
 * Rows for an event's subscribers (INSERT OR IGNORE). Returns the ids of the event's deliveries
 * never attempted yet (new, or left by a fan-out interrupted before it enqueued them), which the
 * caller enqueues. A redelivered event may so enqueue a delivery twice before its first attempt:
 * receivers de-duplicate on the event id (at-least-once, as Queues itself).
 */
export async function createDeliveries(d1: D1Database, event: PlatformEvent, endpointIds: readonly string[]): Promise<string[]> {
  if (endpointIds.length === 0) return [];
  const at = now();
  const payload = JSON.stringify(event);
  const ids = await Promise.all(endpointIds.map((e) => deliveryIdOf(event.id, e)));
  const statements = endpointIds.map((endpointId, i) =>
    d1
      .prepare(
        "INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
      )
      .bind(ids[i], endpointId, event.id, event.type, payload, at, at),
  );
  await d1.batch(statements);
  const { results } = await d1
    .prepare(`SELECT id FROM webhook_deliveries WHERE id IN (${ids.map(() => "?").join(",")}) AND status = 'pending' AND attempts = 0`)
    .bind(...ids)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function getDeliveryRow(d1: D1Database, id: string): Promise<Row | undefined> {
  return drizzle(d1).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
}

export async function getDeliveryRows(d1: D1Database, ids: readonly string[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  const { results } = await d1
    .prepare(`SELECT * FROM webhook_deliveries WHERE id IN (${unique.map(() => "?").join(",")})`)
    .bind(...unique)
    .all<Record<string, unknown>>();
  for (const r of results) {
    out.set(r.id as string, {
      id: r.id as string,
      endpointId: r.endpoint_id as string,
      eventId: r.event_id as string,
      eventType: r.event_type as string,
      payload: r.payload as string,
      status: r.status as DeliveryStatus,
      attempts: r.attempts as number,
      lastStatusCode: (r.last_status_code as number | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      createdAt: r.created_at as number,
      updatedAt: r.updated_at as number,
      deliveredAt: (r.delivered_at as number | null) ?? null,
    });
  }
  return out;
}

/** One attempt's outcome: counts the attempt and keeps the receiver's answer. */
export async function recordAttempt(
  d1: D1Database,
  id: string,
  outcome: { delivered: boolean; statusCode: number | null; error: string | null },
): Promise<void> {
  const at = now();
  await d1
    .prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = ?, last_error = ?, updated_at = ?,
         status = CASE WHEN ? THEN 'delivered' ELSE status END, delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END
       WHERE id = ?`,
    )
    .bind(outcome.statusCode, outcome.error, at, outcome.delivered ? 1 : 0, outcome.delivered ? 1 : 0, at, id)
    .run();
}

/** The retry budget ran out (dead-letter queue), or the endpoint is gone: no more attempts. */
export async function markDead(d1: D1Database, ids: readonly string[], error?: string): Promise<void> {
  if (ids.length === 0) return;
  const at = now();
  await d1.batch(
    ids.map((id) =>
      d1
        .prepare("UPDATE webhook_deliveries SET status = 'dead', updated_at = ?, last_error = COALESCE(?, last_error) WHERE id = ? AND status = 'pending'")
        .bind(at, error ?? null, id),
    ),
  );
}

/** Back to pending for a replay (only dead ones); returns the ids that were dead. */
export async function reopenDead(d1: D1Database, ids: readonly string[]): Promise<string[]> {
  const reopened: string[] = [];
  const at = now();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const { results } = await d1
      .prepare(`UPDATE webhook_deliveries SET status = 'pending', updated_at = ? WHERE status = 'dead' AND id IN (${chunk.map(() => "?").join(",")}) RETURNING id`)
      .bind(at, ...chunk)
      .all<{ id: string }>();
    for (const r of results) reopened.push(r.id);
  }
  return reopened;
}

/** Dead deliveries (optionally of some endpoints), oldest first, at most `limit`. */
export async function deadDeliveryIds(d1: D1Database, endpointIds: readonly string[] | null, limit: number): Promise<string[]> {
  const db = drizzle(d1);
  const where: SQL[] = [eq(webhookDeliveries.status, "dead")];
  if (endpointIds !== null) {
    if (endpointIds.length === 0) return [];
    where.push(or(...endpointIds.map((e) => eq(webhookDeliveries.endpointId, e)))!);
  }
  const rows = await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(and(...where)).orderBy(webhookDeliveries.updatedAt).limit(limit);
  return rows.map((r) => r.id);
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  endpointIds?: string[];
  eventId?: string;
  /** Continue after this (createdAt, id), newest first. */
  before?: { createdAt: number; id: string } | null;
  limit: number;
}

/** Newest first, keyset-paged on (created_at, id); fetches limit + 1 rows. */
export async function listDeliveries(d1: D1Database, q: DeliveryQuery): Promise<DeliveryRecord[]> {
  const where: SQL[] = [];
  if (q.status) where.push(eq(webhookDeliveries.status, q.status));
  if (q.eventId) where.push(eq(webhookDeliveries.eventId, q.eventId));
  if (q.endpointIds) {
    if (q.endpointIds.length === 0) return [];
    where.push(or(...q.endpointIds.map((e) => eq(webhookDeliveries.endpointId, e)))!);
  }
  if (q.before) {
    where.push(or(lt(webhookDeliveries.createdAt, q.before.createdAt), and(eq(webhookDeliveries.createdAt, q.before.createdAt), lt(webhookDeliveries.id, q.before.id)))!);
  }
  const rows = await drizzle(d1)
    .select()
    .from(webhookDeliveries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(q.limit + 1);
  return rows.map(recordOf);
}
