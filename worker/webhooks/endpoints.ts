/**
 * Webhook endpoints (D1 `webhook_endpoints`): a platform client's URL and the event types it
 * wants, with its signing secret (encrypted at rest; the previous one stays valid for a grace
 * period after a rotation).
 */
import { and, asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { now } from "../../shared/clock";
import { ProblemError } from "../http/problem";
import { webhookEndpoints } from "../db/schema";
import { randomId } from "../platform/ids";
import { EVENT_TYPES, type EventType } from "./events";
import { decryptSecret, encryptSecret, newWebhookSecret } from "./signing";

/** How long the previous secret still signs after a rotation, unless the caller says otherwise. */
export const DEFAULT_ROTATION_GRACE_S = 24 * 3600;
export const MAX_ROTATION_GRACE_S = 7 * 24 * 3600;
/** Endpoints per client: enough for a city, small enough to fan out quickly. */
export const MAX_ENDPOINTS_PER_CLIENT = 20;

export interface WebhookEndpoint {
  id: string;
  clientId: string;
  url: string;
  eventTypes: EventType[];
  createdAt: number;
  updatedAt: number;
  disabled: boolean;
  /** Epoch ms until which the previous secret also signs (null: no rotation in progress). */
  previousSecretValidUntil: number | null;
}

const eventTypesSchema = z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length);

export const webhookEndpointInput = z.strictObject({
  url: z.string().trim().min(1).max(2048),
  eventTypes: eventTypesSchema,
});
export const webhookEndpointPatch = z.strictObject({
  url: z.string().trim().min(1).max(2048).optional(),
  eventTypes: eventTypesSchema.optional(),
  disabled: z.boolean().optional(),
});
export const rotateSecretInput = z.strictObject({
  /** Seconds the previous secret keeps signing (0 ends it now). */
  graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_S).optional(),
});

/**
 * https only; plain http only to localhost and only where DEV_STAND_INS is "1" (local
 * development). No credentials in the URL. Throws 422 `webhook_url_invalid`.
 */
export function checkWebhookUrl(env: Env, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProblemError("webhook_url_invalid", { reason: "not_a_url" });
  }
  if (url.username !== "" || url.password !== "") throw new ProblemError("webhook_url_invalid", { reason: "credentials" });
  if (url.hash !== "") throw new ProblemError("webhook_url_invalid", { reason: "fragment" });
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  if (url.protocol === "https:") return url.toString();
  if (url.protocol === "http:" && local && env.DEV_STAND_INS === "1") return url.toString();
  throw new ProblemError("webhook_url_invalid", { reason: "not_https" });
}

type Row = typeof webhookEndpoints.$inferSelect;

function fromRow(r: Row): WebhookEndpoint {
  const until = r.previousSecretUntil !== null && r.previousSecretUntil > now() ? r.previousSecretUntil : null;
  return {
    id: r.id,
    clientId: r.clientId,
    url: r.url,
    eventTypes: JSON.parse(r.eventTypes) as EventType[],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    disabled: r.disabledAt !== null,
    previousSecretValidUntil: until,
  };
}

const ordered = (types: EventType[]): EventType[] => EVENT_TYPES.filter((t) => types.includes(t));

/** Creates an endpoint; answers it with its secret (shown this once). */
export async function createEndpoint(env: Env, clientId: string, input: { url: string; eventTypes: EventType[] }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = checkWebhookUrl(env, input.url);
  const db = drizzle(env.DB);
  const count = (await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.clientId, clientId))).length;
  if (count >= MAX_ENDPOINTS_PER_CLIENT) throw new ProblemError("invalid_request", { errors: [{ path: "url", message: `at most ${MAX_ENDPOINTS_PER_CLIENT} endpoints per client` }] });
  const secret = newWebhookSecret();
  const at = now();
  const row: Row = {
    id: randomId("we"),
    clientId,
    url,
    eventTypes: JSON.stringify(ordered(input.eventTypes)),
    secret: await encryptSecret(env, secret),
    previousSecret: null,
    previousSecretUntil: null,
    createdAt: at,
    updatedAt: at,
    disabledAt: null,
  };
  await db.insert(webhookEndpoints).values(row).run();
  return { endpoint: fromRow(row), secret };
}

async function rowOf(d1: D1Database, clientId: string, id: string): Promise<Row> {
  const row = await drizzle(d1)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.clientId, clientId)))
    .get();
  if (!row) throw new ProblemError("webhook_endpoint_not_found");
  return row;
}

export async function getEndpoint(d1: D1Database, clientId: string, id: string): Promise<WebhookEndpoint> {
  return fromRow(await rowOf(d1, clientId, id));
}

/** A client's endpoints, oldest id first, after the cursor's id. */
export async function listEndpoints(d1: D1Database, clientId: string, afterId: string | null, limit: number): Promise<WebhookEndpoint[]> {
  const rows = await drizzle(d1)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.clientId, clientId), afterId === null ? undefined : gt(webhookEndpoints.id, afterId)))
    .orderBy(asc(webhookEndpoints.id))
    .limit(limit);
  return rows.map(fromRow);
}

export async function updateEndpoint(env: Env, clientId: string, id: string, patch: { url?: string; eventTypes?: EventType[]; disabled?: boolean }): Promise<WebhookEndpoint> {
  const current = await rowOf(env.DB, clientId, id);
  const set: Partial<Row> = { updatedAt: now() };
  if (patch.url !== undefined) set.url = checkWebhookUrl(env, patch.url);
  if (patch.eventTypes !== undefined) set.eventTypes = JSON.stringify(ordered(patch.eventTypes));
  if (patch.disabled !== undefined) set.disabledAt = patch.disabled ? (current.disabledAt ?? now()) : null;
  await drizzle(env.DB).update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).run();
  return fromRow({ ...current, ...set });
}

export async function deleteEndpoint(d1: D1Database, clientId: string, id: string): Promise<void> {
  await rowOf(d1, clientId, id);
  await drizzle(d1).delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).run();
}

/** A new secret; the current one keeps signing beside it for `graceSeconds`. Answers the new secret once. */
export async function rotateEndpointSecret(env: Env, clientId: string, id: string, graceSeconds = DEFAULT_ROTATION_GRACE_S): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const current = await rowOf(env.DB, clientId, id);
  const secret = newWebhookSecret();
  const at = now();
  const set: Partial<Row> = {
    secret: await encryptSecret(env, secret),
    previousSecret: graceSeconds > 0 ? current.secret : null,
    previousSecretUntil: graceSeconds > 0 ? at + graceSeconds * 1000 : null,
    updatedAt: at,
  };
  await drizzle(env.DB).update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).run();
  return { endpoint: fromRow({ ...current, ...set }), secret };
}

/** What a delivery needs of an endpoint: its URL and the secrets that sign now (current first). */
export interface DeliveryTarget {
  id: string;
  clientId: string;
  url: string;
  eventTypes: EventType[];
  disabled: boolean;
  secrets: string[];
}

export async function deliveryTargets(env: Env, ids: readonly string[]): Promise<Map<string, DeliveryTarget>> {
  const out = new Map<string, DeliveryTarget>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  const placeholders = unique.map(() => "?").join(",");
  const { results } = await env.DB.prepare(
    `SELECT id, client_id, url, event_types, secret, previous_secret, previous_secret_until, disabled_at FROM webhook_endpoints WHERE id IN (${placeholders})`,
  )
    .bind(...unique)
    .all<{ id: string; client_id: string; url: string; event_types: string; secret: string; previous_secret: string | null; previous_secret_until: number | null; disabled_at: number | null }>();
  for (const r of results) {
    // A secret that cannot be decrypted (the encryption key changed) leaves `secrets` empty: that
    // endpoint's deliveries fail alone instead of the whole batch.
    const secrets: string[] = [];
    try {
      secrets.push(await decryptSecret(env, r.secret));
      if (r.previous_secret && r.previous_secret_until !== null && r.previous_secret_until > now()) secrets.push(await decryptSecret(env, r.previous_secret));
    } catch {
      console.error("webhook endpoint secret unreadable; rotate it", r.id);
    }
    out.set(r.id, { id: r.id, clientId: r.client_id, url: r.url, eventTypes: JSON.parse(r.event_types) as EventType[], disabled: r.disabled_at !== null, secrets });
  }
  return out;
}

/** Enabled endpoints subscribed to `type`, of clients that may receive events. */
export async function subscribersOf(d1: D1Database, types: readonly EventType[]): Promise<Array<{ id: string; clientId: string; eventTypes: EventType[] }>> {
  if (types.length === 0) return [];
  // Few rows (≤20 per client): read the enabled ones and filter here; a client that lost the
  // `events` scope or was disabled stops receiving (the env platform has every scope).
  const { results } = await d1
    .prepare(
      `SELECT e.id, e.client_id, e.event_types FROM webhook_endpoints e LEFT JOIN platform_clients c ON c.id = e.client_id
       WHERE e.disabled_at IS NULL AND (e.client_id = 'env' OR (c.disabled_at IS NULL AND c.scopes LIKE '%"events"%'))`,
    )
    .all<{ id: string; client_id: string; event_types: string }>();
  return results
    .map((r) => ({ id: r.id, clientId: r.client_id, eventTypes: JSON.parse(r.event_types) as EventType[] }))
    .filter((e) => e.eventTypes.some((t) => types.includes(t)));
}
