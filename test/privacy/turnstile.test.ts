/**
 * The human check on the public booking page: Cloudflare Turnstile's server-side verification,
 * its exact request, and when it applies (configured, browser session) and when not.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../../worker/app";
import { problem, ProblemError } from "../../worker/http/problem";
import { requireHumanCheck, siteverify, SITEVERIFY_URL, turnstileEnabled, type FetchLike } from "../../worker/identity/turnstile";
import { citizenCookie, closeService, openService, ORIGIN } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { platformToken } from "../support/platform";

const SECRET = "0x4AAAAAAAtest-secret-key";

interface Seen {
  url: string;
  method: string;
  contentType: string | null;
  form: URLSearchParams;
}

/** A stand-in siteverify: records each request and answers with `answer` (or fails). */
function fakeSiteverify(answer: Record<string, unknown> | (() => Promise<Response>)) {
  const seen: Seen[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, method: req.method, contentType: req.headers.get("content-type"), form: new URLSearchParams(await req.text()) });
    return typeof answer === "function" ? answer() : Response.json(answer);
  };
  return { seen, fetchImpl };
}

describe("siteverify: the request Cloudflare expects", () => {
  it("POSTs a form with secret, response, remoteip and idempotency_key, and reads the verdict", async () => {
    const { seen, fetchImpl } = fakeSiteverify({ success: true, "error-codes": [], hostname: "sothutu.example.vn", action: "book", challenge_ts: "2026-11-23T02:00:00Z" });
    const verdict = await siteverify({ secret: SECRET, token: "tok.en-123", remoteIp: "203.0.113.9", idempotencyKey: "7f1c2d3e-0000-4000-8000-000000000001" }, fetchImpl);
    expect(verdict).toEqual({ success: true, errorCodes: [], hostname: "sothutu.example.vn", action: "book" });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("https://challenges.cloudflare.com/turnstile/v0/siteverify");
    expect(SITEVERIFY_URL).toBe(seen[0]!.url);
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.contentType).toBe("application/x-www-form-urlencoded");
    expect([...seen[0]!.form.entries()]).toEqual([
      ["secret", SECRET],
      ["response", "tok.en-123"],
      ["remoteip", "203.0.113.9"],
      ["idempotency_key", "7f1c2d3e-0000-4000-8000-000000000001"],
    ]);
  });

  it("leaves remoteip out when the address is unknown", async () => {
    const { seen, fetchImpl } = fakeSiteverify({ success: false, "error-codes": ["invalid-input-response"] });
    const verdict = await siteverify({ secret: SECRET, token: "t", remoteIp: null, idempotencyKey: "k" }, fetchImpl);
    expect(verdict).toMatchObject({ success: false, errorCodes: ["invalid-input-response"] });
    expect(seen[0]!.form.has("remoteip")).toBe(false);
  });

  it("a network failure is retried once with the same idempotency key; two failures throw", async () => {
    let calls = 0;
    const { seen, fetchImpl } = fakeSiteverify(async () => {
      calls++;
      if (calls === 1) throw new TypeError("network connection lost");
      return Response.json({ success: true });
    });
    expect((await siteverify({ secret: SECRET, token: "t", remoteIp: null, idempotencyKey: "same-key" }, fetchImpl)).success).toBe(true);
    expect(seen.map((s) => s.form.get("idempotency_key"))).toEqual(["same-key", "same-key"]);

    const down = fakeSiteverify(async () => new Response("bad gateway", { status: 502 }));
    await expect(siteverify({ secret: SECRET, token: "t", remoteIp: null, idempotencyKey: "k" }, down.fetchImpl)).rejects.toThrow();
    expect(down.seen).toHaveLength(2);
  });
});

describe("requireHumanCheck: on only when configured, only for browser sessions", () => {
  function probe(envOverride: Record<string, unknown>, fetchImpl: FetchLike, via: string) {
    const a = new Hono<{ Bindings: Env }>();
    a.post("/book", async (c) => {
      await requireHumanCheck(c, { via }, fetchImpl);
      return c.json({ ok: true });
    });
    a.onError((err, c) => (err instanceof ProblemError ? problem(c, err.code, err.facts) : c.text("boom", 500)));
    return (headers: Record<string, string> = {}) => a.request("/book", { method: "POST", headers }, { ...env, ...envOverride });
  }

  it("off without TURNSTILE_SECRET_KEY: nothing is asked, nothing is sent", async () => {
    expect(turnstileEnabled(env)).toBe(false);
    const { seen, fetchImpl } = fakeSiteverify({ success: false });
    expect((await probe({}, fetchImpl, "otp")()).status).toBe(200);
    expect((await probe({ TURNSTILE_SECRET_KEY: "  " }, fetchImpl, "oidc")()).status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it("on: a browser session without a token is 403 human_check_failed, without asking siteverify", async () => {
    const { seen, fetchImpl } = fakeSiteverify({ success: true });
    const res = await probe({ TURNSTILE_SECRET_KEY: SECRET }, fetchImpl, "otp")();
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("human_check_failed");
    const huge = await probe({ TURNSTILE_SECRET_KEY: SECRET }, fetchImpl, "otp")({ "cf-turnstile-response": "x".repeat(2049) });
    expect(huge.status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it("on: a valid token passes; siteverify gets the caller's address; a refused token is 403", async () => {
    const ok = fakeSiteverify({ success: true, hostname: "sothutu.example.vn" });
    const res = await probe({ TURNSTILE_SECRET_KEY: SECRET }, ok.fetchImpl, "oidc")({ "cf-turnstile-response": "good-token", "cf-connecting-ip": "198.51.100.7" });
    expect(res.status).toBe(200);
    expect(ok.seen[0]!.form.get("response")).toBe("good-token");
    expect(ok.seen[0]!.form.get("remoteip")).toBe("198.51.100.7");
    expect(ok.seen[0]!.form.get("secret")).toBe(SECRET);
    expect(ok.seen[0]!.form.get("idempotency_key")).toMatch(/^[0-9a-f-]{36}$/);

    const no = fakeSiteverify({ success: false, "error-codes": ["timeout-or-duplicate"] });
    expect((await probe({ TURNSTILE_SECRET_KEY: SECRET }, no.fetchImpl, "otp")({ "cf-turnstile-response": "used-token" })).status).toBe(403);
  });

  it("on, with an expected hostname: a token from another site is refused", async () => {
    const other = fakeSiteverify({ success: true, hostname: "evil.example" });
    const cfg = { TURNSTILE_SECRET_KEY: SECRET, TURNSTILE_EXPECTED_HOSTNAME: "sothutu.example.vn" };
    expect((await probe(cfg, other.fetchImpl, "otp")({ "cf-turnstile-response": "t" })).status).toBe(403);
    const mine = fakeSiteverify({ success: true, hostname: "sothutu.example.vn" });
    expect((await probe(cfg, mine.fetchImpl, "otp")({ "cf-turnstile-response": "t" })).status).toBe(200);
  });

  it("on: a city platform's call is not asked (it checks its own users)", async () => {
    const { seen, fetchImpl } = fakeSiteverify({ success: false });
    expect((await probe({ TURNSTILE_SECRET_KEY: SECRET }, fetchImpl, "platform")()).status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it("on, siteverify unreachable: 503 human_check_unavailable with Retry-After (fails closed)", async () => {
    const down = fakeSiteverify(async () => {
      throw new TypeError("network connection lost");
    });
    const res = await probe({ TURNSTILE_SECRET_KEY: SECRET }, down.fetchImpl, "otp")({ "cf-turnstile-response": "t" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
  });
});

describe("POST /api/v1/tickets with Turnstile configured", () => {
  beforeAll(() => openService(hanoi("2026-11-23", "09:00")));
  afterAll(closeService);
  afterEach(() => vi.restoreAllMocks());

  /** The real app with the secret configured; siteverify answered by a spy on fetch. */
  async function bookWith(headers: Record<string, string>, answer: Record<string, unknown>) {
    const seen: URLSearchParams[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (req.url !== SITEVERIFY_URL) throw new Error(`unexpected fetch ${req.url}`);
      seen.push(new URLSearchParams(await req.text()));
      return Response.json(answer);
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request(`${ORIGIN}/api/v1/tickets`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "192.0.2.44", ...headers },
        body: JSON.stringify({ branchId: "hn-cn01", fieldCode: "DATDAI" }),
      }),
      { ...env, TURNSTILE_SECRET_KEY: SECRET },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { res, body: (await res.json()) as Record<string, unknown>, seen };
  }

  it("a browser session without the header is 403 human_check_failed; no number is issued", async () => {
    const { res, body, seen } = await bookWith({ cookie: await citizenCookie(idNumber(3401)) }, { success: true });
    expect(res.status).toBe(403);
    expect(body.code).toBe("human_check_failed");
    expect(seen).toHaveLength(0);
  });

  it("a browser session with a token siteverify accepts gets its number", async () => {
    const { res, seen } = await bookWith({ cookie: await citizenCookie(idNumber(3402)), "cf-turnstile-response": "widget-token" }, { success: true });
    expect(res.status).toBe(201);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.get("response")).toBe("widget-token");
    expect(seen[0]!.get("remoteip")).toBe("192.0.2.44");
  });

  it("a token siteverify refuses is 403", async () => {
    const { res, body } = await bookWith({ cookie: await citizenCookie(idNumber(3403)), "cf-turnstile-response": "stale" }, { success: false, "error-codes": ["timeout-or-duplicate"] });
    expect(res.status).toBe(403);
    expect(body.code).toBe("human_check_failed");
  });

  it("a city platform's call books without a token", async () => {
    const { res, seen } = await bookWith({ authorization: `Bearer ${await platformToken(idNumber(3404))}` }, { success: false });
    expect(res.status).toBe(201);
    expect(seen).toHaveLength(0);
  });
});
