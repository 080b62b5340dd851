/**
 * Platform clients registered by an administrator: their own keys and scopes, checked on every
 * call, usage counted per client and day; the platform configured by environment keeps working.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, generateSecret } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { platformScope, requirePlatformScope, type PlatformHonoEnv } from "../../worker/platform/auth";
import { randomId } from "../../worker/platform/ids";
import { countUsage, FLUSH_AFTER_CALLS, flushPlatformUsage, usageOf as usageRowsOf, waitingUsageCalls } from "../../worker/platform/usage";
import { problem, ProblemError } from "../../worker/http/problem";
import { api, closeService, expectOk, expectProblem, openService } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform, platformToken } from "../support/platform";
import { bearer, citizenClaims, clientToken, expectAudited, makeKeys, registerClient, usageOf } from "./support";

const MONDAY_9AM = hanoi("2026-11-23", "09:00");
const TODAY = "2026-11-23";
const BOOK = { branchId: "hn-cn01", fieldCode: "DATDAI" };

beforeAll(() => openService(MONDAY_9AM));
afterAll(closeService);

/** A tiny app with one route per scope, guarded the way other route modules guard theirs. */
function scopedApp() {
  const app = new Hono<PlatformHonoEnv>();
  app.get("/status", platformScope("read_status"), (c) => c.json({ client: c.get("platform").clientId }));
  app.get("/inline", async (c) => c.json({ client: (await requirePlatformScope(c, "events")).clientId }));
  app.onError((err, c) => (err instanceof ProblemError ? problem(c, err.code, err.facts, err.detail) : c.text("boom", 500)));
  return app;
}
async function callScoped(path: string, token?: string) {
  const res = await scopedApp().request(path, token ? bearer(token) : {}, env);
  return { status: res.status, body: (await res.json()) as { code?: string; client?: string; reason?: string } };
}

describe("registering a client", () => {
  it("an administrator registers a client with its public keys and scopes; the change is audited", async () => {
    const client = await registerClient(["read_status", "events"], "iHanoi thử nghiệm");
    const got = expectOk(await api("GET", `/api/v1/staff/admin/platform-clients/${client.id}`, { staff: true })).client;
    expect(got).toMatchObject({ id: client.id, name: "iHanoi thử nghiệm", issuer: client.issuer, scopes: ["read_status", "events"], disabled: false });
    expect(got.jwks.keys[0]).not.toHaveProperty("d");
    await expectAudited("platform_client.create", (r) => (r.detail ?? "").includes(client.id));
    // Listed with cursor pagination.
    const page = expectOk(await api("GET", "/api/v1/staff/admin/platform-clients?limit=1", { staff: true }));
    expect(page.items).toHaveLength(1);
  });

  it("refuses private keys, shared secrets, unknown key types and an issuer already used", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const priv = await exportJWK(privateKey);
    const hs = await exportJWK((await generateSecret("HS256", { extractable: true })) as CryptoKey);
    const ok = (await makeKeys()).publicJwk;
    const post = (jwks: unknown, issuer = `https://x-${crypto.randomUUID()}.test`) =>
      api("POST", "/api/v1/staff/admin/platform-clients", { staff: true, json: { name: "x", issuer, jwks, scopes: ["book"] } });
    expect(expectProblem(await post({ keys: [priv] }), 422, "platform_jwks_invalid").reason).toBe("private_key");
    expectProblem(await post({ keys: [hs] }), 422, "platform_jwks_invalid");
    expect(expectProblem(await post({ keys: [{ ...ok, alg: "HS256" }] }), 422, "platform_jwks_invalid").reason).toBe("algorithm");
    expectProblem(await post({ keys: [] }), 422, "platform_jwks_invalid");
    expectProblem(await post("not a key set"), 422, "platform_jwks_invalid");
    expectProblem(await api("POST", "/api/v1/staff/admin/platform-clients", { staff: true, json: { name: "x", issuer: "https://y.test", jwks: { keys: [ok] }, scopes: ["everything"] } }), 400, "invalid_request");
    const issuer = `https://dup-${crypto.randomUUID()}.test`;
    expectOk(await post({ keys: [ok] }, issuer), 201);
    expectProblem(await post({ keys: [ok] }, issuer), 409, "platform_issuer_taken");
    // The environment's platform owns its issuer.
    expectProblem(await post({ keys: [ok] }, "https://platform.test"), 409, "platform_issuer_taken");
  });

  it("only administrators manage clients", async () => {
    expectProblem(await api("GET", "/api/v1/staff/admin/platform-clients"), 401, "unauthorized");
  });
});

describe("scopes", () => {
  it("a client with `book` books for a citizen on the platform channel; without it, 403", async () => {
    const booker = await registerClient(["book"]);
    const id = idNumber(801);
    const res = await api("POST", "/api/v1/tickets", { ...bearer(await clientToken(booker, citizenClaims(id))), json: BOOK });
    expect(expectOk(res, 201).ticket).toMatchObject({ channel: "platform", citizenMasked: "001******801" });

    const watcher = await registerClient(["read_status", "events"]);
    const refused = await api("POST", "/api/v1/tickets", { ...bearer(await clientToken(watcher, citizenClaims(idNumber(802)))), json: BOOK });
    expect(expectProblem(refused, 403, "platform_scope_missing").reason).toBe("book");
  });

  it("read_status and events are checked by the shared helper (middleware and inline)", async () => {
    const reader = await registerClient(["read_status"]);
    const token = await clientToken(reader);
    expect(await callScoped("/status", token)).toEqual({ status: 200, body: { client: reader.id } });
    const inline = await callScoped("/inline", token);
    expect({ status: inline.status, code: inline.body.code, reason: inline.body.reason }).toEqual({ status: 403, code: "platform_scope_missing", reason: "events" });
    expect((await callScoped("/status")).status).toBe(401);
    // The real platform route for webhooks needs `events`.
    expectProblem(await api("GET", "/api/v1/platform/webhooks", bearer(token)), 403, "platform_scope_missing");
  });

  it("a token signed with another key, for another audience, or living too long is refused", async () => {
    const client = await registerClient(["read_status"]);
    const stranger = await makeKeys();
    const forged = await clientToken({ issuer: client.issuer, privateKey: stranger.privateKey, kid: client.kid });
    expect((await callScoped("/status", forged)).body).toMatchObject({ code: "invalid_token", reason: "signature" });
    const otherAud = await clientToken(client, { aud: "someone-else" });
    expect((await callScoped("/status", otherAud)).body).toMatchObject({ code: "invalid_token", reason: "audience" });
    const long = await clientToken(client, { exp: Math.floor(MONDAY_9AM / 1000) + 3600 });
    expect((await callScoped("/status", long)).body).toMatchObject({ code: "invalid_token", reason: "lifetime" });
  });

  it("a disabled client is refused at once; scopes changed by an administrator apply at once", async () => {
    const client = await registerClient(["read_status"]);
    expect((await callScoped("/status", await clientToken(client))).status).toBe(200);
    expectOk(await api("PATCH", `/api/v1/staff/admin/platform-clients/${client.id}`, { staff: true, json: { scopes: ["events"] } }));
    expect((await callScoped("/status", await clientToken(client))).body).toMatchObject({ code: "platform_scope_missing" });
    expectOk(await api("PATCH", `/api/v1/staff/admin/platform-clients/${client.id}`, { staff: true, json: { disabled: true, scopes: ["read_status"] } }));
    expect((await callScoped("/status", await clientToken(client))).body).toMatchObject({ code: "invalid_token", reason: "client_disabled" });
    await expectAudited("platform_client.update", (r) => (r.detail ?? "").includes(client.id));
  });

  it("the platform configured by environment still books, and has every scope", async () => {
    expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(idNumber(803))), json: BOOK }), 201);
    const token = await platformToken(idNumber(804));
    expect(await callScoped("/status", token)).toEqual({ status: 200, body: { client: "env" } });
  });

  it("an unknown issuer gets the environment platform's answer (`issuer`), as before clients existed", async () => {
    const keys = await makeKeys();
    const token = await clientToken({ issuer: "https://nobody.test", privateKey: keys.privateKey, kid: keys.kid });
    expect((await callScoped("/status", token)).body).toMatchObject({ code: "invalid_token" });
  });
});

describe("usage", () => {
  it("is counted per client, day and scope, and an administrator can read it", async () => {
    const client = await registerClient(["book", "read_status"]);
    for (let i = 0; i < 3; i++) await callScoped("/status", await clientToken(client));
    expectOk(await api("POST", "/api/v1/tickets", { ...bearer(await clientToken(client, citizenClaims(idNumber(805)))), json: BOOK }), 201);
    // Refused calls are not counted as use of the scope.
    await callScoped("/inline", await clientToken(client));
    // Counts are written in batches (worker/platform/usage.ts); the test writes this isolate's now.
    await flushPlatformUsage(env.DB);
    await vi.waitFor(async () => expect(await usageOf(client.id)).toEqual({ [`${TODAY}/read_status`]: 3, [`${TODAY}/book`]: 1 }), { timeout: 15_000, interval: 100 });
    const res = expectOk(await api("GET", `/api/v1/staff/admin/platform-clients/${client.id}/usage?from=${TODAY}&to=${TODAY}`, { staff: true }));
    expect(res.usage).toEqual(
      expect.arrayContaining([
        { day: TODAY, kind: "book", count: 1 },
        { day: TODAY, kind: "read_status", count: 3 },
      ]),
    );
  });

  /** What countUsage needs of a request: the D1 binding and a waitUntil that keeps its work. */
  function fakeRequest() {
    const deferred: Promise<unknown>[] = [];
    return { c: { env, executionCtx: { waitUntil: (p: Promise<unknown>) => deferred.push(p) } } as never, deferred };
  }

  it("is added up in memory per client, day and kind and written in one go (more rows than one statement holds)", async () => {
    await flushPlatformUsage(env.DB);
    const ids = Array.from({ length: 30 }, (_, i) => `pc_batch_${crypto.randomUUID().slice(0, 8)}_${i}`);
    const { c } = fakeRequest();
    for (const id of ids) {
      countUsage(c, id, "book");
      countUsage(c, id, "book");
      countUsage(c, id, "read_status");
    }
    expect(ids.length * 3).toBeLessThan(FLUSH_AFTER_CALLS); // no write is due by count yet
    // Nothing written per call: the rows appear with the flush (30 clients × 2 kinds = 60 rows).
    expect(await usageOf(ids[0]!)).toEqual({});
    await flushPlatformUsage(env.DB);
    for (const id of [ids[0]!, ids[24]!, ids[25]!, ids[29]!]) expect(await usageOf(id)).toEqual({ [`${TODAY}/book`]: 2, [`${TODAY}/read_status`]: 1 });
    // The admin's report writes this isolate's waiting counts before reading.
    const more = ids[7]!;
    countUsage(c, more, "book");
    expect(await usageRowsOf(env.DB, more, TODAY, TODAY)).toEqual([
      { day: TODAY, kind: "book", count: 3 },
      { day: TODAY, kind: "read_status", count: 1 },
    ]);
  });

  it("writes once enough calls wait, without waiting for the timer", async () => {
    await flushPlatformUsage(env.DB);
    const id = `pc_burst_${crypto.randomUUID().slice(0, 8)}`;
    const { c, deferred } = fakeRequest();
    for (let i = 1; i < FLUSH_AFTER_CALLS; i++) countUsage(c, id, "book");
    expect(waitingUsageCalls()).toBe(FLUSH_AFTER_CALLS - 1);
    countUsage(c, id, "book");
    expect(waitingUsageCalls()).toBe(0); // taken for writing by that call, in its waitUntil
    await deferred.at(-1);
    expect(await usageOf(id)).toEqual({ [`${TODAY}/book`]: FLUSH_AFTER_CALLS });
  });

  it("a failed write keeps its counts for the next one", async () => {
    await flushPlatformUsage(env.DB);
    const id = `pc_retry_${crypto.randomUUID().slice(0, 8)}`;
    const { c } = fakeRequest();
    countUsage(c, id, "events");
    countUsage(c, id, "events");
    const down = { prepare: () => ({ bind: () => ({ run: () => Promise.reject(new Error("D1 unavailable")) }) }) } as unknown as D1Database;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await flushPlatformUsage(down);
    expect(errors).toHaveBeenCalledWith("platform usage write failed", 1, "D1 unavailable");
    errors.mockRestore();
    expect(await usageOf(id)).toEqual({});
    await flushPlatformUsage(env.DB);
    expect(await usageOf(id)).toEqual({ [`${TODAY}/events`]: 2 });
  });
});

describe("random ids", () => {
  it("are prefix + 20 symbols of the 32-letter alphabet, all distinct across refills of the random pool", () => {
    const ids = Array.from({ length: 500 }, () => randomId("evt")); // ~10 refills of 1 KB
    for (const id of ids) expect(id).toMatch(/^evt_[a-km-z2-79]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomId("x", 2000)).toMatch(/^x_[a-km-z2-79]{2000}$/);
  });
});
