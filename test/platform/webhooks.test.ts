/**
 * Webhooks to city platforms: events decided by the branch-day in the transaction of the change,
 * fanned out and delivered through the webhook queue, signed, retried with exponential backoff,
 * dead-lettered after the budget, listed and replayed by an administrator.
 *
 * Two ways in: the consumer called directly with `createMessageBatch` (each attempt's ack/retry
 * and delay visible through `getQueueResult`), and the real path — branch-day outbox → alarm →
 * WEBHOOK_QUEUE → the Worker's `queue` handler → the receiver — with the receiver standing in
 * for the global fetch (the Worker runs in the tests' isolate).
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testClock } from "../../shared/clock";
import { branchDay } from "../../worker/booking";
import { backoffSeconds, handleDeadLetters, handleWebhookBatch } from "../../worker/webhooks/consumer";
import type { PlatformEvent } from "../../worker/webhooks/events";
import type { WebhookMessage } from "../../worker/webhooks/messages";
import { verifySignatureHeader } from "../../worker/webhooks/signing";
import { api, bookOnline, closeService, counter, expectOk, expectProblem, openService } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { platformToken } from "../support/platform";
import { bearer, clientToken, expectAudited, registerClient } from "./support";

const DAY = "2026-11-23";
const MONDAY_9AM = hanoi(DAY, "09:00");
const MAX_RETRIES = 6; // wrangler.toml [[queues.consumers]] max_retries for sothutu-webhooks

beforeAll(() => openService(MONDAY_9AM));
afterAll(closeService);
afterEach(() => vi.unstubAllGlobals());

// ---- A receiver: records what it got, fails the first `failFirst` attempts ----------------------

interface Received {
  url: string;
  headers: Headers;
  body: string;
}

function receiver(opts: { failFirst?: number; status?: number } = {}) {
  const got: Received[] = [];
  let calls = 0;
  const fetch = async (request: Request): Promise<Response> => {
    got.push({ url: request.url, headers: request.headers, body: await request.text() });
    calls++;
    if (calls <= (opts.failFirst ?? 0)) return new Response("receiver busy", { status: opts.status ?? 503 });
    return new Response(null, { status: 204 });
  };
  return { fetch, got };
}

/** The Worker's env with a queue that only records what is sent (so the direct tests stay direct). */
function envWithCapturedQueue() {
  const sent: WebhookMessage[] = [];
  const queue = {
    send: async (body: WebhookMessage) => void sent.push(body),
    sendBatch: async (messages: Iterable<MessageSendRequest<WebhookMessage>>) => {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue;
  return { env: { ...env, WEBHOOK_QUEUE: queue } as Env, sent };
}

let n = 0;
function sampleEvent(type: PlatformEvent["type"] = "ticket.called"): PlatformEvent {
  n++;
  return {
    id: `evt_test${n}_${crypto.randomUUID().slice(0, 8)}`,
    type,
    occurredAt: MONDAY_9AM,
    branchId: "hn-cn01",
    serviceDate: DAY,
    dayVersion: 10 + n,
    sequence: 2,
    ticket: { id: `hn-cn01:${DAY}:${n}`, label: `A${String(n).padStart(3, "0")}`, fieldCode: "DATDAI", status: "called", channel: "online", counter: 3, callCount: 1, registeredAt: MONDAY_9AM - 60_000, calledAt: MONDAY_9AM, endedAt: null },
  };
}

/**
 * Runs one batch through a handler and returns what it acked and retried, with the delay each
 * retry asked for (getQueueResult does not report delays: the messages' `retry` is watched).
 */
async function runBatch(queue: string, messages: Array<{ body: WebhookMessage; attempts?: number }>, handler: (b: MessageBatch<unknown>) => Promise<void>) {
  const batch = createMessageBatch<unknown>(
    queue,
    messages.map((m, i) => ({ id: `msg-${++n}-${i}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const delays: Array<number | undefined> = [];
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (options?: QueueRetryOptions) => {
      delays.push(options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await handler(batch);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** The delivery messages, among those sent, for one endpoint. */
async function deliveriesFor(sent: WebhookMessage[], endpointId: string): Promise<WebhookMessage[]> {
  const out: WebhookMessage[] = [];
  for (const m of sent) {
    if (m.kind !== "delivery") continue;
    const row = await env.DB.prepare("SELECT endpoint_id FROM webhook_deliveries WHERE id = ?").bind(m.deliveryId).first<{ endpoint_id: string }>();
    if (row?.endpoint_id === endpointId) out.push(m);
  }
  return out;
}

async function deliveryRow(id: string) {
  return env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(id).first<{ status: string; attempts: number; last_status_code: number | null; event_id: string }>();
}

/** A client with `events`, and an endpoint it registered itself through the platform API. */
async function subscriber(eventTypes: string[], url = `https://hooks-${crypto.randomUUID().slice(0, 8)}.platform.test/sothutu`) {
  const client = await registerClient(["events"]);
  const res = await api("POST", "/api/v1/platform/webhooks", { ...bearer(await clientToken(client)), json: { url, eventTypes } });
  const { webhook, secret } = expectOk(res, 201);
  expect(secret).toMatch(/^whsec_/);
  return { client, endpointId: webhook.id as string, secret: secret as string, url };
}

describe("registering endpoints", () => {
  it("a platform manages its own endpoints (https only, known event types); another client cannot see them", async () => {
    const { client, endpointId } = await subscriber(["ticket.called", "ticket.served"]);
    const token = await clientToken(client);
    const list = expectOk(await api("GET", "/api/v1/platform/webhooks", bearer(token)));
    expect(list.items.map((e: { id: string }) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(list)).not.toMatch(/whsec_|w1\./);
    expectProblem(await api("POST", "/api/v1/platform/webhooks", { ...bearer(token), json: { url: "http://hooks.platform.test/x", eventTypes: ["ticket.called"] } }), 422, "webhook_url_invalid");
    // Plain http only to localhost where DEV_STAND_INS is on (the tests' setting).
    expectOk(await api("POST", "/api/v1/platform/webhooks", { ...bearer(token), json: { url: "http://localhost:9999/hook", eventTypes: ["ticket.called"] } }), 201);
    expectProblem(await api("POST", "/api/v1/platform/webhooks", { ...bearer(token), json: { url: "https://a.test", eventTypes: ["ticket.teleported"] } }), 400, "invalid_request");
    const other = await registerClient(["events"]);
    expectProblem(await api("GET", `/api/v1/platform/webhooks/${endpointId}`, bearer(await clientToken(other))), 404, "webhook_endpoint_not_found");
    expectOk(await api("PATCH", `/api/v1/platform/webhooks/${endpointId}`, { ...bearer(token), json: { eventTypes: ["ticket.near"] } }));
    await expectAudited("webhook_endpoint.update", (r) => r.staff_id === `platform:${client.id}`);
  });

  it("the platform configured by environment manages its webhooks as client `env`", async () => {
    const token = { headers: { authorization: `Bearer ${await platformToken(idNumber(870))}` } };
    const made = expectOk(await api("POST", "/api/v1/platform/webhooks", { ...token, json: { url: "https://env-platform.test/hook", eventTypes: ["branch.opened"] } }), 201);
    expect(made.webhook.clientId).toBe("env");
    const listed = expectOk(await api("GET", "/api/v1/staff/admin/platform-clients/env/webhooks", { staff: true }));
    expect(listed.items.map((e: { id: string }) => e.id)).toContain(made.webhook.id);
  });

  it("an administrator manages a client's endpoints too", async () => {
    const client = await registerClient(["events"]);
    const created = expectOk(
      await api("POST", `/api/v1/staff/admin/platform-clients/${client.id}/webhooks`, { staff: true, json: { url: "https://admin-made.platform.test/h", eventTypes: ["branch.opened"] } }),
      201,
    );
    const listed = expectOk(await api("GET", `/api/v1/staff/admin/platform-clients/${client.id}/webhooks`, { staff: true }));
    expect(listed.items).toHaveLength(1);
    expectOk(await api("DELETE", `/api/v1/staff/admin/platform-clients/${client.id}/webhooks/${created.webhook.id}`, { staff: true }));
    expectProblem(await api("GET", `/api/v1/staff/admin/platform-clients/${client.id}/webhooks/${created.webhook.id}`, { staff: true }), 404, "webhook_endpoint_not_found");
  });
});

describe("delivery through the consumer", () => {
  it("fans an event out to subscribed endpoints only, once even when the event comes twice", async () => {
    const a = await subscriber(["ticket.called"]);
    const b = await subscriber(["ticket.served"]);
    const { env: testEnv, sent } = envWithCapturedQueue();
    const event = sampleEvent("ticket.called");
    const result = await runBatch("sothutu-webhooks", [{ body: { kind: "event", event } }, { body: { kind: "event", event } }], (batch) => handleWebhookBatch(batch, testEnv));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(2);
    const { results } = await env.DB.prepare("SELECT endpoint_id FROM webhook_deliveries WHERE event_id = ?").bind(event.id).all<{ endpoint_id: string }>();
    expect(results.map((r) => r.endpoint_id)).toContain(a.endpointId);
    expect(results.map((r) => r.endpoint_id)).not.toContain(b.endpointId);
    // The event came twice: one row and one delivery message per endpoint all the same.
    expect(results).toHaveLength(new Set(results.map((r) => r.endpoint_id)).size);
    expect(await deliveriesFor(sent, a.endpointId)).toHaveLength(1);
  });

  it("a client that lost the `events` scope, or a disabled endpoint, gets nothing", async () => {
    const lost = await subscriber(["ticket.expired"]);
    const off = await subscriber(["ticket.expired"]);
    const kept = await subscriber(["ticket.expired"]);
    expectOk(await api("PATCH", `/api/v1/staff/admin/platform-clients/${lost.client.id}`, { staff: true, json: { scopes: ["read_status"] } }));
    expectOk(await api("PATCH", `/api/v1/platform/webhooks/${off.endpointId}`, { ...bearer(await clientToken(off.client)), json: { disabled: true } }));
    const { env: testEnv, sent } = envWithCapturedQueue();
    await runBatch("sothutu-webhooks", [{ body: { kind: "event", event: sampleEvent("ticket.expired") } }], (batch) => handleWebhookBatch(batch, testEnv));
    expect(await deliveriesFor(sent, kept.endpointId)).toHaveLength(1);
    expect(await deliveriesFor(sent, lost.endpointId)).toHaveLength(0);
    expect(await deliveriesFor(sent, off.endpointId)).toHaveLength(0);
  });

  it("a receiver failing the first attempts: retried with exponential backoff, signed each time, then delivered", async () => {
    const sub = await subscriber(["ticket.called"]);
    const { env: testEnv, sent } = envWithCapturedQueue();
    const event = sampleEvent("ticket.called");
    await runBatch("sothutu-webhooks", [{ body: { kind: "event", event } }], (batch) => handleWebhookBatch(batch, testEnv));
    const [message] = await deliveriesFor(sent, sub.endpointId);
    expect(message!.kind).toBe("delivery");
    const deliveryId = (message as { deliveryId: string }).deliveryId;
    const delivery = message!;

    const rx = receiver({ failFirst: 2 });
    const delays: Array<number | undefined> = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await runBatch("sothutu-webhooks", [{ body: delivery, attempts: attempt }], (batch) => handleWebhookBatch(batch, testEnv, { fetch: rx.fetch }));
      if (result.retryMessages.length > 0) delays.push(...result.delays);
      else expect(result.explicitAcks).toHaveLength(1);
    }
    // 30 s, then 60 s: doubling; the third attempt succeeded.
    expect(delays).toEqual([30, 60]);
    expect([1, 2, 3, 4, 5, 6, 7].map(backoffSeconds)).toEqual([30, 60, 120, 240, 480, 960, 1920]);
    expect(rx.got).toHaveLength(3);
    const nowS = Math.floor(Date.now() / 1000);
    for (const [i, r] of rx.got.entries()) {
      expect(r.url).toBe(sub.url);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(r.headers.get("sothutu-event-id")).toBe(event.id);
      expect(r.headers.get("sothutu-event-type")).toBe("ticket.called");
      expect(r.headers.get("sothutu-delivery-attempt")).toBe(String(i + 1));
      expect(r.headers.get("sothutu-signature")).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(await verifySignatureHeader(sub.secret, r.headers.get("sothutu-signature")!, r.body, nowS)).toBe(true);
      expect(await verifySignatureHeader("whsec_wrong", r.headers.get("sothutu-signature")!, r.body, nowS)).toBe(false);
      expect(await verifySignatureHeader(sub.secret, r.headers.get("sothutu-signature")!, r.body.replace("A0", "B0"), nowS)).toBe(false);
      expect(JSON.parse(r.body)).toEqual(event);
    }
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: "delivered", attempts: 3, last_status_code: 204 });
    // A duplicate message for a delivered row sends nothing again.
    await runBatch("sothutu-webhooks", [{ body: delivery, attempts: 1 }], (batch) => handleWebhookBatch(batch, testEnv, { fetch: rx.fetch }));
    expect(rx.got).toHaveLength(3);
    // Usage: one delivery counted for the client.
    const usage = await env.DB.prepare("SELECT count FROM platform_usage WHERE client_id = ? AND kind = 'webhook_delivery'").bind(sub.client.id).first<{ count: number }>();
    expect(usage?.count).toBe(1);
  });

  it("during a secret rotation both signatures are sent, so old and new secrets verify", async () => {
    const sub = await subscriber(["ticket.served"]);
    const rotated = expectOk(await api("POST", `/api/v1/platform/webhooks/${sub.endpointId}/rotate-secret`, { ...bearer(await clientToken(sub.client)), json: { graceSeconds: 3600 } }));
    expect(rotated.secret).not.toBe(sub.secret);
    expect(rotated.webhook.previousSecretValidUntil).toBe(MONDAY_9AM + 3600_000);
    const { env: testEnv, sent } = envWithCapturedQueue();
    await runBatch("sothutu-webhooks", [{ body: { kind: "event", event: sampleEvent("ticket.served") } }], (batch) => handleWebhookBatch(batch, testEnv));
    const rx = receiver();
    await runBatch("sothutu-webhooks", await deliveriesFor(sent, sub.endpointId).then((ms) => ms.map((body) => ({ body }))), (batch) => handleWebhookBatch(batch, testEnv, { fetch: rx.fetch }));
    const sig = rx.got[0]!.headers.get("sothutu-signature")!;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const nowS = Math.floor(Date.now() / 1000);
    expect(await verifySignatureHeader(rotated.secret, sig, rx.got[0]!.body, nowS)).toBe(true);
    expect(await verifySignatureHeader(sub.secret, sig, rx.got[0]!.body, nowS)).toBe(true);

    // After the grace period only the new secret signs.
    testClock.advance(3600_000 + 1);
    try {
      const again = envWithCapturedQueue();
      await runBatch("sothutu-webhooks", [{ body: { kind: "event", event: sampleEvent("ticket.served") } }], (batch) => handleWebhookBatch(batch, again.env));
      await runBatch("sothutu-webhooks", await deliveriesFor(again.sent, sub.endpointId).then((ms) => ms.map((body) => ({ body }))), (batch) => handleWebhookBatch(batch, again.env, { fetch: rx.fetch }));
      const later = rx.got[1]!.headers.get("sothutu-signature")!;
      expect(later).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(await verifySignatureHeader(rotated.secret, later, rx.got[1]!.body, nowS)).toBe(true);
      expect(await verifySignatureHeader(sub.secret, later, rx.got[1]!.body, nowS)).toBe(false);
    } finally {
      testClock.set(MONDAY_9AM);
    }
    await expectAudited("webhook_endpoint.rotate_secret", (r) => (r.detail ?? "").includes(sub.endpointId));
  });

  it("after the retry budget the message goes to the dead-letter queue and the delivery is dead; an administrator lists and replays it", async () => {
    const sub = await subscriber(["ticket.no_show"]);
    const { env: testEnv, sent } = envWithCapturedQueue();
    const events = [sampleEvent("ticket.no_show"), sampleEvent("ticket.no_show")];
    await runBatch("sothutu-webhooks", events.map((event) => ({ body: { kind: "event" as const, event } })), (batch) => handleWebhookBatch(batch, testEnv));
    const mine = await deliveriesFor(sent, sub.endpointId);
    expect(mine).toHaveLength(2);
    const down = receiver({ failFirst: 1000, status: 500 });
    for (let attempt = 1; attempt <= MAX_RETRIES + 1; attempt++) {
      const result = await runBatch("sothutu-webhooks", mine.map((body) => ({ body, attempts: attempt })), (batch) => handleWebhookBatch(batch, testEnv, { fetch: down.fetch }));
      expect(result.retryMessages).toHaveLength(2);
      expect(result.delays).toEqual([backoffSeconds(attempt), backoffSeconds(attempt)]);
    }
    // Queues moves each message to sothutu-webhooks-dlq; its consumer marks the deliveries dead.
    const dlq = await runBatch("sothutu-webhooks-dlq", mine.map((body) => ({ body })), (batch) => handleDeadLetters(batch, testEnv));
    expect(dlq.ackAll).toBe(true);
    const ids = mine.map((m) => (m as { deliveryId: string }).deliveryId);
    for (const id of ids) expect(await deliveryRow(id)).toMatchObject({ status: "dead", attempts: MAX_RETRIES + 1, last_status_code: 500 });

    // The administrator's list: dead ones of this endpoint, newest first, one per page.
    const page1 = expectOk(await api("GET", `/api/v1/staff/admin/webhook-deliveries?status=dead&endpointId=${sub.endpointId}&limit=1`, { staff: true }));
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = expectOk(await api("GET", `/api/v1/staff/admin/webhook-deliveries?status=dead&endpointId=${sub.endpointId}&limit=1&cursor=${page1.nextCursor}`, { staff: true }));
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([page1.items[0].id, page2.items[0].id])).toEqual(new Set(ids));
    expect(page1.items[0]).toMatchObject({ status: "dead", attempts: 7, lastStatusCode: 500 });
    expectProblem(await api("GET", `/api/v1/staff/admin/webhook-deliveries?cursor=not*a*cursor`, { staff: true }), 400, "invalid_request");

    // Replay one through the real queue: the receiver is up now (it stands in for the global fetch).
    const up = receiver();
    vi.stubGlobal("fetch", up.fetch);
    const replayed = expectOk(await api("POST", `/api/v1/staff/admin/webhook-deliveries/${ids[0]}/replay`, { staff: true }), 202);
    expect(replayed.delivery.status).toBe("pending");
    await vi.waitFor(async () => expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "delivered", attempts: MAX_RETRIES + 2 }), { timeout: 15_000, interval: 200 });
    expect(up.got.map((r) => r.headers.get("sothutu-event-id"))).toEqual([events[0]!.id]);
    expectProblem(await api("POST", `/api/v1/staff/admin/webhook-deliveries/${ids[0]}/replay`, { staff: true }), 409, "webhook_delivery_not_dead");

    // Replay every dead one of the endpoint.
    const all = expectOk(await api("POST", "/api/v1/staff/admin/webhook-deliveries/replay-dead", { staff: true, json: { endpointId: sub.endpointId } }));
    expect(all.replayed).toBe(1);
    await vi.waitFor(async () => expect(await deliveryRow(ids[1]!)).toMatchObject({ status: "delivered" }), { timeout: 15_000, interval: 200 });
    await expectAudited("webhook_delivery.replay", (r) => (r.detail ?? "").includes(ids[0]!));
    await expectAudited("webhook_delivery.replay_dead", (r) => (r.detail ?? "").includes(sub.endpointId));
  });
});

describe("the real path: branch-day → queue → consumer → receiver", () => {
  it("a day's changes reach the subscriber as signed, ordered events without personal data", async () => {
    const sub = await subscriber(["ticket.issued", "ticket.called", "ticket.served", "ticket.cancelled", "branch.opened", "branch.closed", "ticket.near"]);
    const rx = receiver();
    vi.stubGlobal("fetch", rx.fetch);

    const a = idNumber(851);
    const b = idNumber(852);
    const first = expectOk(await bookOnline(a, { branchId: "hn-cn01", fieldCode: "DATDAI" }), 201).ticket;
    const second = expectOk(await bookOnline(b, { branchId: "hn-cn01", fieldCode: "DATDAI" }), 201).ticket;
    expect([first.serviceDate, second.serviceDate, first.status]).toEqual([DAY, DAY, "waiting"]);
    expectOk(await counter("hn-cn01", 1, "open", { fieldCodes: ["DATDAI"] }));
    expectOk(await counter("hn-cn01", 1, "call-next"));
    expectOk(await counter("hn-cn01", 1, "complete"));
    expectOk(await api("POST", `/api/v1/tickets/${second.id}/cancel`, { citizen: b }));
    expectOk(await counter("hn-cn01", 1, "close"));

    // The branch-day's alarm drains its outbox into the queue (the clock is frozen: move it past the delay).
    const day = branchDay(env, "hn-cn01", DAY);
    testClock.advance(1_000);
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(day)); i++) testClock.advance(1_000);
    testClock.set(MONDAY_9AM);

    // Both tickets are "near" once a counter serves their field (at most 5 ahead).
    const expected = ["ticket.issued", "ticket.issued", "branch.opened", "ticket.near", "ticket.near", "ticket.called", "ticket.served", "ticket.cancelled", "branch.closed"];
    await vi.waitFor(() => expect(rx.got.filter((r) => r.url === sub.url)).toHaveLength(expected.length), { timeout: 20_000, interval: 200 });
    const got = rx.got.filter((r) => r.url === sub.url).map((r) => ({ ...r, event: JSON.parse(r.body) as PlatformEvent }));
    // The queue may reorder: the payload says how to put them back in order.
    got.sort((x, y) => x.event.dayVersion - y.event.dayVersion || x.event.sequence - y.event.sequence);
    expect(got.map((g) => g.event.type).sort()).toEqual([...expected].sort());
    expect(new Set(got.map((g) => g.event.id)).size).toBe(got.length);
    const ofFirst = got.filter((g) => g.event.ticket?.id === first.id).sort((x, y) => x.event.sequence - y.event.sequence);
    expect(ofFirst.map((g) => [g.event.sequence, g.event.type])).toEqual([
      [1, "ticket.issued"],
      [2, "ticket.near"],
      [3, "ticket.called"],
      [4, "ticket.served"],
    ]);
    expect(ofFirst.map((g) => g.event.dayVersion)).toEqual([...ofFirst.map((g) => g.event.dayVersion)].sort((x, y) => x - y));
    expect(got.find((g) => g.event.type === "ticket.called")!.event.ticket).toMatchObject({ label: first.label, counter: 1, status: "called", fieldCode: "DATDAI" });
    const nowS = Math.floor(Date.now() / 1000);
    for (const g of got) {
      expect(g.headers.get("sothutu-event-id")).toBe(g.event.id);
      expect(await verifySignatureHeader(sub.secret, g.headers.get("sothutu-signature")!, g.body, nowS)).toBe(true);
      // No personal data: not the ID number, not the citizen key, not the masked number.
      expect(g.body).not.toContain(a);
      expect(g.body).not.toContain(b);
      expect(g.body).not.toMatch(/citizen|\*{3}|priority/i);
    }
    // Every delivery is recorded as delivered.
    const rows = await env.DB.prepare("SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = ?").bind(sub.endpointId).all<{ status: string; attempts: number }>();
    expect(rows.results).toHaveLength(expected.length);
    expect(rows.results.every((r) => r.status === "delivered" && r.attempts === 1)).toBe(true);
  });
});
