/**
 * City platform clients and webhooks (issue 6). Full paths:
 *
 * Administrators (staff role admin), every change audited:
 * - `GET|POST /api/v1/staff/admin/platform-clients` — list (cursor) / register
 *   `{name, issuer, jwks, scopes}` (public asymmetric keys only; scopes book|read_status|events)
 * - `GET|PATCH|DELETE /api/v1/staff/admin/platform-clients/:clientId` — `{name?, jwks?, scopes?, disabled?}`
 * - `GET /api/v1/staff/admin/platform-clients/:clientId/usage?from=&to=` — calls per day and kind
 * - `GET|POST /api/v1/staff/admin/platform-clients/:clientId/webhooks` — `{url, eventTypes}`;
 *   the signing secret is answered once
 * - `GET|PATCH|DELETE /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId`
 * - `POST /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId/rotate-secret` — `{graceSeconds?}`
 * - `GET /api/v1/staff/admin/webhook-deliveries?status=&clientId=&endpointId=&eventId=` (cursor)
 * - `GET /api/v1/staff/admin/webhook-deliveries/:deliveryId` — with the payload sent
 * - `POST /api/v1/staff/admin/webhook-deliveries/:deliveryId/replay` — a dead one, fresh budget
 * - `POST /api/v1/staff/admin/webhook-deliveries/replay-dead` — `{clientId?, endpointId?}`
 *
 * The platform itself (its own JWT, scope `events`): `GET|POST /api/v1/platform/webhooks`,
 * `GET|PATCH|DELETE /api/v1/platform/webhooks/:webhookId`, `POST …/:webhookId/rotate-secret`,
 * `GET …/:webhookId/deliveries` (cursor).
 *
 * The client `env` is the platform configured by environment (PLATFORM_JWKS…): it has no row to
 * edit, but its webhooks are managed here like any client's.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { isIsoDate } from "../../shared/time";
import { afterCursor, pageOf, pageQuery } from "../http/pagination";
import { readJson, validate } from "../http/body";
import { ProblemError } from "../http/problem";
import { platformConfig } from "../identity/platform-token";
import { platformScope, type PlatformPrincipal } from "../platform/auth";
import {
  createPlatformClient,
  deletePlatformClient,
  ENV_PLATFORM_CLIENT_ID,
  getPlatformClient,
  listPlatformClients,
  platformClientInput,
  platformClientPatch,
  updatePlatformClient,
  type PlatformClient,
} from "../platform/clients";
import { usageOf } from "../platform/usage";
import { audit, auditAs } from "../staff/audit";
import { allow, type StaffPrincipal } from "../staff/authorize";
import { enqueueDeliveries } from "../webhooks/consumer";
import { deadDeliveryIds, getDeliveryRow, listDeliveries, recordOf, reopenDead, WEBHOOK_DELIVERY_STATUSES } from "../webhooks/deliveries";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  rotateSecretInput,
  updateEndpoint,
  webhookEndpointInput,
  webhookEndpointPatch,
} from "../webhooks/endpoints";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { webhookEndpoints } from "../db/schema";

type RoutesEnv = { Bindings: Env; Variables: { staff: StaffPrincipal; platform: PlatformPrincipal } };
type Ctx = Context<RoutesEnv>;

export const platformRoutes = new Hono<RoutesEnv>();

// Mounted under /api/v1 (worker/app.ts): paths here are full below that prefix.
const ADMIN = "/staff/admin";
const PLATFORM = "/platform";

// ---- Schemas (also what the OpenAPI document names) -----------------------------------------

export const idParam = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
export const clientIdParams = z.object({ clientId: idParam });
export const webhookParams = z.object({ clientId: idParam, webhookId: idParam });
export const ownWebhookParams = z.object({ webhookId: idParam });
export const deliveryParams = z.object({ deliveryId: idParam });
export const usageQuery = z.strictObject({
  from: z.string().refine(isIsoDate, "YYYY-MM-DD").optional(),
  to: z.string().refine(isIsoDate, "YYYY-MM-DD").optional(),
});
export const deliveriesQuery = pageQuery.extend({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  clientId: idParam.optional(),
  endpointId: idParam.optional(),
  eventId: z.string().min(1).max(64).optional(),
});
export const ownDeliveriesQuery = pageQuery.extend({ status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional() });
export const replayDeadInput = z.strictObject({ clientId: idParam.optional(), endpointId: idParam.optional() });

/** Replays per call: a larger backlog is replayed by calling again. */
const MAX_REPLAY = 500;

// ---- Helpers ----------------------------------------------------------------------------------

function clientJson(client: PlatformClient) {
  return {
    id: client.id,
    name: client.name,
    issuer: client.issuer,
    jwks: client.jwks,
    scopes: client.scopes,
    disabled: client.disabledAt !== null,
    disabledAt: client.disabledAt,
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
  };
}

/** 404 unless the client exists (`env` exists while the environment configures a platform). */
async function requireClient(c: Ctx, clientId: string): Promise<void> {
  if (clientId === ENV_PLATFORM_CLIENT_ID && platformConfig(c.env)) return;
  if (!(await getPlatformClient(c.env.DB, clientId))) throw new ProblemError("platform_client_not_found");
}

function params<S extends z.ZodType>(c: Ctx, schema: S): z.infer<S> {
  return validate(schema, c.req.param());
}

async function endpointIdsOf(d1: D1Database, clientId: string): Promise<string[]> {
  const rows = await drizzle(d1).select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.clientId, clientId));
  return rows.map((r) => r.id);
}

const deliveryCursor = z.object({ createdAt: z.number().int(), id: z.string().max(64) });

async function deliveriesPage(c: Ctx, q: { status?: (typeof WEBHOOK_DELIVERY_STATUSES)[number]; eventId?: string; cursor?: string; limit: number }, endpointIds?: string[]) {
  const before = afterCursor(q.cursor, deliveryCursor);
  const rows = await listDeliveries(c.env.DB, { status: q.status, eventId: q.eventId, endpointIds, before, limit: q.limit });
  return pageOf(rows, q.limit, (r) => ({ createdAt: r.createdAt, id: r.id }));
}

/** The platform's own changes are audited under `platform:<client id>`. */
function auditPlatform(c: Ctx, action: Parameters<typeof audit>[1]["action"], detail: Record<string, string | string[] | number | boolean | null>): void {
  const p = c.get("platform");
  auditAs(c, { staffId: `platform:${p.clientId}`, role: "platform" }, { action, detail });
}

// ---- Administrators: platform clients -------------------------------------------------------

platformRoutes.get(`${ADMIN}/platform-clients`, allow("admin"), async (c) => {
  const q = validate(pageQuery, c.req.query());
  const after = afterCursor(q.cursor, z.object({ id: z.string().max(64) }));
  const { clients } = await listPlatformClients(c.env.DB, after?.id, q.limit + 1);
  const page = pageOf(clients, q.limit, (x) => ({ id: x.id }));
  return c.json({ items: page.items.map(clientJson), nextCursor: page.nextCursor });
});

platformRoutes.post(`${ADMIN}/platform-clients`, allow("admin"), async (c) => {
  const input = await readJson(c, platformClientInput);
  const client = await createPlatformClient(c.env.DB, input, platformConfig(c.env)?.issuer ?? null);
  audit(c, { action: "platform_client.create", detail: { clientId: client.id, issuer: client.issuer, scopes: client.scopes } });
  return c.json({ client: clientJson(client) }, 201);
});

platformRoutes.get(`${ADMIN}/platform-clients/:clientId`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  const client = await getPlatformClient(c.env.DB, clientId);
  if (!client) throw new ProblemError("platform_client_not_found");
  return c.json({ client: clientJson(client) });
});

platformRoutes.patch(`${ADMIN}/platform-clients/:clientId`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  const patch = await readJson(c, platformClientPatch);
  const client = await updatePlatformClient(c.env.DB, clientId, patch);
  audit(c, {
    action: "platform_client.update",
    detail: { clientId, changed: Object.keys(patch), scopes: client.scopes, disabled: client.disabledAt !== null },
  });
  return c.json({ client: clientJson(client) });
});

platformRoutes.delete(`${ADMIN}/platform-clients/:clientId`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  if (!(await deletePlatformClient(c.env.DB, clientId))) throw new ProblemError("platform_client_not_found");
  // Its endpoints go with it; deliveries still queued for them are marked dead when they come up.
  await drizzle(c.env.DB).delete(webhookEndpoints).where(eq(webhookEndpoints.clientId, clientId)).run();
  audit(c, { action: "platform_client.delete", detail: { clientId } });
  return c.json({ deleted: true });
});

platformRoutes.get(`${ADMIN}/platform-clients/:clientId/usage`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  const q = validate(usageQuery, c.req.query());
  await requireClient(c, clientId);
  return c.json({ clientId, usage: await usageOf(c.env.DB, clientId, q.from, q.to) });
});

// ---- Administrators: a client's webhooks ----------------------------------------------------

platformRoutes.get(`${ADMIN}/platform-clients/:clientId/webhooks`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  const q = validate(pageQuery, c.req.query());
  await requireClient(c, clientId);
  const after = afterCursor(q.cursor, z.object({ id: z.string().max(64) }));
  const rows = await listEndpoints(c.env.DB, clientId, after?.id ?? null, q.limit + 1);
  return c.json(pageOf(rows, q.limit, (e) => ({ id: e.id })));
});

platformRoutes.post(`${ADMIN}/platform-clients/:clientId/webhooks`, allow("admin"), async (c) => {
  const { clientId } = params(c, clientIdParams);
  const input = await readJson(c, webhookEndpointInput);
  await requireClient(c, clientId);
  const { endpoint, secret } = await createEndpoint(c.env, clientId, input);
  audit(c, { action: "webhook_endpoint.create", detail: { clientId, endpointId: endpoint.id, eventTypes: endpoint.eventTypes } });
  return c.json({ webhook: endpoint, secret }, 201);
});

platformRoutes.get(`${ADMIN}/platform-clients/:clientId/webhooks/:webhookId`, allow("admin"), async (c) => {
  const { clientId, webhookId } = params(c, webhookParams);
  return c.json({ webhook: await getEndpoint(c.env.DB, clientId, webhookId) });
});

platformRoutes.patch(`${ADMIN}/platform-clients/:clientId/webhooks/:webhookId`, allow("admin"), async (c) => {
  const { clientId, webhookId } = params(c, webhookParams);
  const patch = await readJson(c, webhookEndpointPatch);
  const endpoint = await updateEndpoint(c.env, clientId, webhookId, patch);
  audit(c, { action: "webhook_endpoint.update", detail: { clientId, endpointId: webhookId, changed: Object.keys(patch) } });
  return c.json({ webhook: endpoint });
});

platformRoutes.delete(`${ADMIN}/platform-clients/:clientId/webhooks/:webhookId`, allow("admin"), async (c) => {
  const { clientId, webhookId } = params(c, webhookParams);
  await deleteEndpoint(c.env.DB, clientId, webhookId);
  audit(c, { action: "webhook_endpoint.delete", detail: { clientId, endpointId: webhookId } });
  return c.json({ deleted: true });
});

platformRoutes.post(`${ADMIN}/platform-clients/:clientId/webhooks/:webhookId/rotate-secret`, allow("admin"), async (c) => {
  const { clientId, webhookId } = params(c, webhookParams);
  const { graceSeconds } = await readJson(c, rotateSecretInput);
  const { endpoint, secret } = await rotateEndpointSecret(c.env, clientId, webhookId, graceSeconds);
  audit(c, { action: "webhook_endpoint.rotate_secret", detail: { clientId, endpointId: webhookId, graceSeconds: graceSeconds ?? null } });
  return c.json({ webhook: endpoint, secret });
});

// ---- Administrators: deliveries -------------------------------------------------------------

platformRoutes.get(`${ADMIN}/webhook-deliveries`, allow("admin"), async (c) => {
  const q = validate(deliveriesQuery, c.req.query());
  let endpointIds: string[] | undefined;
  if (q.clientId !== undefined) endpointIds = await endpointIdsOf(c.env.DB, q.clientId);
  if (q.endpointId !== undefined) endpointIds = endpointIds ? endpointIds.filter((e) => e === q.endpointId) : [q.endpointId];
  return c.json(await deliveriesPage(c, q, endpointIds));
});

platformRoutes.post(`${ADMIN}/webhook-deliveries/replay-dead`, allow("admin"), async (c) => {
  const input = await readJson(c, replayDeadInput);
  let endpointIds: string[] | null = null;
  if (input.clientId !== undefined) endpointIds = await endpointIdsOf(c.env.DB, input.clientId);
  if (input.endpointId !== undefined) endpointIds = endpointIds ? endpointIds.filter((e) => e === input.endpointId) : [input.endpointId];
  const dead = await deadDeliveryIds(c.env.DB, endpointIds, MAX_REPLAY);
  const reopened = await reopenDead(c.env.DB, dead);
  await enqueueDeliveries(c.env.WEBHOOK_QUEUE, reopened);
  audit(c, { action: "webhook_delivery.replay_dead", detail: { clientId: input.clientId ?? null, endpointId: input.endpointId ?? null, replayed: reopened.length } });
  return c.json({ replayed: reopened.length, more: dead.length === MAX_REPLAY });
});

platformRoutes.get(`${ADMIN}/webhook-deliveries/:deliveryId`, allow("admin"), async (c) => {
  const { deliveryId } = params(c, deliveryParams);
  const row = await getDeliveryRow(c.env.DB, deliveryId);
  if (!row) throw new ProblemError("webhook_delivery_not_found");
  return c.json({ delivery: { ...recordOf(row), payload: JSON.parse(row.payload) as unknown } });
});

platformRoutes.post(`${ADMIN}/webhook-deliveries/:deliveryId/replay`, allow("admin"), async (c) => {
  const { deliveryId } = params(c, deliveryParams);
  const row = await getDeliveryRow(c.env.DB, deliveryId);
  if (!row) throw new ProblemError("webhook_delivery_not_found");
  const reopened = await reopenDead(c.env.DB, [deliveryId]);
  if (reopened.length === 0) throw new ProblemError("webhook_delivery_not_dead");
  await enqueueDeliveries(c.env.WEBHOOK_QUEUE, reopened);
  audit(c, { action: "webhook_delivery.replay", detail: { deliveryId, endpointId: row.endpointId, eventId: row.eventId } });
  return c.json({ delivery: recordOf((await getDeliveryRow(c.env.DB, deliveryId))!) }, 202);
});

// ---- The platform: its own webhooks (scope `events`) -----------------------------------------

platformRoutes.get(`${PLATFORM}/webhooks`, platformScope("events"), async (c) => {
  const q = validate(pageQuery, c.req.query());
  const after = afterCursor(q.cursor, z.object({ id: z.string().max(64) }));
  const rows = await listEndpoints(c.env.DB, c.get("platform").clientId, after?.id ?? null, q.limit + 1);
  return c.json(pageOf(rows, q.limit, (e) => ({ id: e.id })));
});

platformRoutes.post(`${PLATFORM}/webhooks`, platformScope("events"), async (c) => {
  const input = await readJson(c, webhookEndpointInput);
  const { endpoint, secret } = await createEndpoint(c.env, c.get("platform").clientId, input);
  auditPlatform(c, "webhook_endpoint.create", { endpointId: endpoint.id, eventTypes: endpoint.eventTypes });
  return c.json({ webhook: endpoint, secret }, 201);
});

platformRoutes.get(`${PLATFORM}/webhooks/:webhookId`, platformScope("events"), async (c) => {
  const { webhookId } = params(c, ownWebhookParams);
  return c.json({ webhook: await getEndpoint(c.env.DB, c.get("platform").clientId, webhookId) });
});

platformRoutes.patch(`${PLATFORM}/webhooks/:webhookId`, platformScope("events"), async (c) => {
  const { webhookId } = params(c, ownWebhookParams);
  const patch = await readJson(c, webhookEndpointPatch);
  const endpoint = await updateEndpoint(c.env, c.get("platform").clientId, webhookId, patch);
  auditPlatform(c, "webhook_endpoint.update", { endpointId: webhookId, changed: Object.keys(patch) });
  return c.json({ webhook: endpoint });
});

platformRoutes.delete(`${PLATFORM}/webhooks/:webhookId`, platformScope("events"), async (c) => {
  const { webhookId } = params(c, ownWebhookParams);
  await deleteEndpoint(c.env.DB, c.get("platform").clientId, webhookId);
  auditPlatform(c, "webhook_endpoint.delete", { endpointId: webhookId });
  return c.json({ deleted: true });
});

platformRoutes.post(`${PLATFORM}/webhooks/:webhookId/rotate-secret`, platformScope("events"), async (c) => {
  const { webhookId } = params(c, ownWebhookParams);
  const { graceSeconds } = await readJson(c, rotateSecretInput);
  const { endpoint, secret } = await rotateEndpointSecret(c.env, c.get("platform").clientId, webhookId, graceSeconds);
  auditPlatform(c, "webhook_endpoint.rotate_secret", { endpointId: webhookId, graceSeconds: graceSeconds ?? null });
  return c.json({ webhook: endpoint, secret });
});

platformRoutes.get(`${PLATFORM}/webhooks/:webhookId/deliveries`, platformScope("events"), async (c) => {
  const { webhookId } = params(c, ownWebhookParams);
  const q = validate(ownDeliveriesQuery, c.req.query());
  await getEndpoint(c.env.DB, c.get("platform").clientId, webhookId); // 404 unless its own
  return c.json(await deliveriesPage(c, q, [webhookId]));
});
