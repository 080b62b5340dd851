/**
 * OpenID Connect sign-in end to end, through the real Worker, against the stand-in provider
 * (worker/dev/idp.ts, served in-process): start → the provider's authorize page with a login
 * hint → callback → session cookie → who am I / book a number. Then every way the flow must
 * refuse: tampered state or flow cookie, nonce mismatch, wrong PKCE verifier, a provider error,
 * a malformed ID number, missing consent, an open redirect, an expired flow, a replayed code, a
 * configured provider that refuses the client, and the stand-in absent when DEV_STAND_INS is "0".
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createLocalJWKSet, jwtVerify, decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testClock } from "../../shared/clock";
import { app } from "../../worker/app";
import { CITIZEN_COOKIE } from "../../worker/auth/session";
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, OIDC_CALLBACK_PATH } from "../../worker/dev/idp";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { OIDC_FLOW_COOKIE, safeReturnTo } from "../../worker/identity/oidc";
import { hasConsent } from "../../worker/privacy/consent";
import { closeService, openService, ORIGIN } from "../support/http";
import { hanoi, idNumber } from "../support/plans";

const POLICY = env.PRIVACY_POLICY_VERSION;
const START = `${ORIGIN}/api/v1/auth/oidc/start`;
const IDP = `${ORIGIN}/dev/idp`;

beforeAll(() => openService(hanoi("2026-11-23", "09:00")));
afterAll(closeService);

// Every raw ID number used here; none may come back from the service (bodies, headers) or be logged.
const rawIds = new Set<string>();
// Flow cookies and authorization codes: never logged either.
const tokens = new Set<string>();
function citizen(n: number): string {
  const id = idNumber(9000 + n);
  rawIds.add(id);
  return id;
}

// The sign-in throttle counts per IP: each flow comes from its own address.
let ipSeq = 0;
function freshIp(): string {
  ipSeq += 1;
  return `198.51.${Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 1}`;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  location: string | null;
  /** Set-Cookie by name: value, and whether it clears the cookie. */
  cookies: Map<string, { value: string; cleared: boolean; raw: string }>;
}

type Fetcher = (req: Request) => Promise<Response>;
const worker: Fetcher = (req) => exports.default.fetch(req);

/** An app with a different configuration (the test's env plus `overrides`). */
function withEnv(overrides: Record<string, string>): Fetcher {
  return async (req) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(req, { ...env, ...overrides }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

interface CallOpts {
  ip: string;
  cookie?: string;
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  via?: Fetcher;
}

async function call(url: string, opts: CallOpts): Promise<Answer> {
  const headers = new Headers(opts.headers);
  headers.set("cf-connecting-ip", opts.ip);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  let body: BodyInit | undefined;
  if (opts.form) {
    body = new URLSearchParams(opts.form);
    headers.set("content-type", "application/x-www-form-urlencoded");
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers.set("content-type", "application/json");
  }
  const res = await (opts.via ?? worker)(new Request(url, { method: opts.method ?? (body !== undefined ? "POST" : "GET"), headers, body, redirect: "manual" }));
  const text = await res.text();
  const cookies = new Map<string, { value: string; cleared: boolean; raw: string }>();
  for (const raw of res.headers.getSetCookie()) {
    const [pair = ""] = raw.split(";");
    const eq = pair.indexOf("=");
    cookies.set(pair.slice(0, eq).trim(), { value: pair.slice(eq + 1).trim(), cleared: /max-age=0/i.test(raw), raw });
  }
  // Nothing the service answers carries a raw ID number: not the body, not a header.
  const everything = `${text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}`;
  for (const id of rawIds) expect(everything.includes(id), `raw ID number in the answer to ${url}`).toBe(false);
  let parsed: unknown = null;
  if (/json/.test(res.headers.get("content-type") ?? "") && text !== "") parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, body: parsed, location: res.headers.get("location"), cookies };
}

function expectProblem(a: Answer, status: number, code: string) {
  expect({ status: a.status, code: a.body?.code }, a.text.slice(0, 400)).toEqual({ status, code });
  expect(a.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return a.body;
}

interface Flow {
  ip: string;
  start: Answer;
  authorizeUrl: URL;
  flowCookie: string;
}

/** Starts a sign-in: 302 to the stand-in's authorize endpoint with a flow cookie. */
async function startFlow(opts: { returnTo?: string; ip?: string; via?: Fetcher } = {}): Promise<Flow> {
  const ip = opts.ip ?? freshIp();
  const q = new URLSearchParams({ returnTo: opts.returnTo ?? "/", consent: POLICY });
  const start = await call(`${START}?${q}`, { ip, via: opts.via });
  expect(start.status, start.text).toBe(302);
  const flowCookie = start.cookies.get(OIDC_FLOW_COOKIE);
  expect(flowCookie?.cleared).toBe(false);
  tokens.add(flowCookie!.value);
  return { ip, start, authorizeUrl: new URL(start.location!), flowCookie: flowCookie!.value };
}

/** The stand-in approves `loginHint` and sends the browser back: the callback URL. */
async function authorize(flow: Flow, loginHint: string): Promise<URL> {
  const url = new URL(flow.authorizeUrl);
  url.searchParams.set("login_hint", loginHint);
  const approved = await call(url.href, { ip: flow.ip });
  expect(approved.status, approved.text).toBe(302);
  const back = new URL(approved.location!);
  const code = back.searchParams.get("code");
  if (code) tokens.add(code);
  return back;
}

function callback(flow: Flow, url: URL, opts: { cookie?: string; via?: Fetcher } = {}): Promise<Answer> {
  return call(url.href, { ip: flow.ip, cookie: opts.cookie ?? `${OIDC_FLOW_COOKIE}=${flow.flowCookie}`, via: opts.via });
}

/** A refused callback sets no session and clears the flow cookie. */
function expectNoSession(a: Answer) {
  expect(a.cookies.has(CITIZEN_COOKIE)).toBe(false);
  expect(a.cookies.get(OIDC_FLOW_COOKIE)?.cleared).toBe(true);
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  let s = "";
  for (const b of digest) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// Captured console output: the whole suite's logs must be free of ID numbers and tokens.
const logged: string[] = [];
for (const level of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[level].bind(console);
  vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    original(...args);
  });
}
afterEach(() => {
  for (const line of logged) {
    for (const id of rawIds) expect(line.includes(id), `raw ID number logged: ${line.slice(0, 80)}`).toBe(false);
    for (const t of tokens) expect(line.includes(t), `a token logged: ${line.slice(0, 80)}`).toBe(false);
  }
});

describe("OIDC sign-in end to end", () => {
  it("start → stand-in authorize → callback → session; then /auth/me and a booking with the cookie", async () => {
    const id = citizen(1);
    const flow = await startFlow({ returnTo: "/tickets?from=sso#top" });

    // The authorization request: code flow, PKCE S256, state and nonce, the registered redirect.
    const a = flow.authorizeUrl;
    expect(`${a.origin}${a.pathname}`).toBe(`${IDP}/authorize`);
    const p = a.searchParams;
    expect(p.get("response_type")).toBe("code");
    expect(p.get("client_id")).toBe(DEV_CLIENT_ID);
    expect(p.get("redirect_uri")).toBe(`${ORIGIN}${OIDC_CALLBACK_PATH}`);
    expect(p.get("scope")).toBe("openid");
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get("state")?.length).toBeGreaterThanOrEqual(32);
    expect(p.get("nonce")?.length).toBeGreaterThanOrEqual(32);
    // The flow cookie: HttpOnly, Secure, SameSite=Lax (the provider's redirect is cross-site), 10 min.
    const raw = flow.start.cookies.get(OIDC_FLOW_COOKIE)!.raw;
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/Secure/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    expect(raw).toMatch(/Max-Age=600/i);

    const back = await authorize(flow, id);
    expect(`${back.origin}${back.pathname}`).toBe(`${ORIGIN}${OIDC_CALLBACK_PATH}`);
    expect(back.searchParams.get("state")).toBe(p.get("state"));
    expect(back.searchParams.get("iss")).toBe(IDP);

    const done = await callback(flow, back);
    expect(done.status, done.text).toBe(302);
    expect(done.location).toBe("/tickets?from=sso#top");
    expect(done.cookies.get(OIDC_FLOW_COOKIE)?.cleared).toBe(true);
    const session = done.cookies.get(CITIZEN_COOKIE);
    expect(session?.cleared).toBe(false);
    expect(session!.raw).toMatch(/HttpOnly/i);
    // The session names the citizen by keyed hash and masked number only.
    const claims = decodeJwt(session!.value);
    const identity = await citizenIdentity(env, id);
    expect(claims.sub).toBe(identity.key);
    expect(JSON.stringify(claims)).not.toContain(id);
    expect(JSON.stringify(claims)).not.toContain("Công Dân");
    // Consent to the policy version accepted at /start is recorded.
    expect(await hasConsent(env.DB, identity.key, POLICY)).toBe(true);

    const cookie = `${CITIZEN_COOKIE}=${session!.value}`;
    const me = await call(`${ORIGIN}/api/v1/auth/me`, { ip: flow.ip, cookie });
    expect(me.status, me.text).toBe(200);
    expect(me.body.citizen).toMatchObject({ idNumberMasked: identity.masked, method: "oidc", consentCurrent: true });

    const booking = await call(`${ORIGIN}/api/v1/tickets`, { ip: flow.ip, cookie, json: { branchId: "hn-cn01", fieldCode: "DATDAI" } });
    expect(booking.status, booking.text).toBe(201);
    expect(booking.body.ticket.label).toMatch(/^A\d{3}$/);
  });

  it("the stand-in's login page and its deny button (a provider error) → 401 sso_sign_in_failed", async () => {
    const flow = await startFlow();
    const page = await call(flow.authorizeUrl.href, { ip: flow.ip });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain('name="id_number"');
    expect(page.text).toMatch(/development only/);

    const form = Object.fromEntries(flow.authorizeUrl.searchParams);
    const denied = await call(`${IDP}/authorize`, { ip: flow.ip, form: { ...form, action: "deny" } });
    expect(denied.status).toBe(302);
    const back = new URL(denied.location!);
    expect(back.searchParams.get("error")).toBe("access_denied");
    const res = await callback(flow, back);
    const body = expectProblem(res, 401, "sso_sign_in_failed");
    expect(body.providerError).toBe("access_denied");
    expectNoSession(res);
  });

  it("the login form signs in the ID number typed", async () => {
    const id = citizen(2);
    const flow = await startFlow();
    const form = Object.fromEntries(flow.authorizeUrl.searchParams);
    const approved = await call(`${IDP}/authorize`, { ip: flow.ip, form: { ...form, id_number: id, name: "Nguyễn Thị Thử", action: "approve" } });
    expect(approved.status, approved.text).toBe(302);
    const done = await callback(flow, new URL(approved.location!));
    expect(done.status, done.text).toBe(302);
    const claims = decodeJwt(done.cookies.get(CITIZEN_COOKIE)!.value);
    expect(claims.sub).toBe((await citizenIdentity(env, id)).key);
  });
});

describe("OIDC sign-in refusals", () => {
  it("a tampered state → 400 sso_flow_invalid, no session", async () => {
    const flow = await startFlow();
    const back = await authorize(flow, citizen(10));
    back.searchParams.set("state", `${back.searchParams.get("state")}x`);
    const res = await callback(flow, back);
    expectProblem(res, 400, "sso_flow_invalid");
    expectNoSession(res);
  });

  it("a tampered, missing or foreign flow cookie → 400 sso_flow_invalid", async () => {
    const flow = await startFlow();
    const back = await authorize(flow, citizen(11));
    const c = flow.flowCookie;
    const forged = `${c.slice(0, -4)}${c.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    expectProblem(await callback(flow, back, { cookie: `${OIDC_FLOW_COOKIE}=${forged}` }), 400, "sso_flow_invalid");
    expectProblem(await callback(flow, back, { cookie: "other=1" }), 400, "sso_flow_invalid");
    // Another flow's cookie (an attacker's own sign-in) does not fit this response's state.
    const other = await startFlow();
    expectProblem(await callback(flow, back, { cookie: `${OIDC_FLOW_COOKIE}=${other.flowCookie}` }), 400, "sso_flow_invalid");
  });

  it("an ID token whose nonce is not the flow's → 401 sso_sign_in_failed", async () => {
    const flow = await startFlow();
    // The authorization request is altered on its way to the provider: the ID token carries that nonce.
    flow.authorizeUrl.searchParams.set("nonce", "n-0S6_WzA2Mj-attacker-chosen-nonce-value");
    const res = await callback(flow, await authorize(flow, citizen(12)));
    expect(expectProblem(res, 401, "sso_sign_in_failed").reason).toBe("id_token");
    expectNoSession(res);
    // The operator sees why (an error code), and nothing else (checked after each test).
    expect(logged.join("\n")).toContain("OAUTH_JWT_CLAIM_COMPARISON_FAILED");
  });

  it("a code bound to another PKCE challenge is refused by the provider → 401 sso_sign_in_failed", async () => {
    const flow = await startFlow();
    flow.authorizeUrl.searchParams.set("code_challenge", await s256("an-attackers-own-code-verifier-0123456789abcdefgh"));
    const res = await callback(flow, await authorize(flow, citizen(13)));
    const body = expectProblem(res, 401, "sso_sign_in_failed");
    expect(body).toMatchObject({ reason: "token", providerError: "invalid_grant" });
    expectNoSession(res);
  });

  it("a replayed callback (code already redeemed) → refused", async () => {
    const flow = await startFlow();
    const back = await authorize(flow, citizen(14));
    expect((await callback(flow, back)).status).toBe(302);
    const again = await callback(flow, back);
    expect(expectProblem(again, 401, "sso_sign_in_failed").providerError).toBe("invalid_grant");
    expectNoSession(again);
  });

  it("a flow older than 10 minutes → 400 sso_flow_invalid", async () => {
    const flow = await startFlow();
    const back = await authorize(flow, citizen(15));
    testClock.advance(11 * 60_000);
    try {
      expectProblem(await callback(flow, back), 400, "sso_flow_invalid");
    } finally {
      testClock.set(hanoi("2026-11-23", "09:00"));
    }
  });

  it("a malformed ID number from the provider → 422 invalid_id_number, never echoed", async () => {
    for (const [hint, reason] of [
      ["00109009016", "length"],
      ["0010900901O6", "digits"],
      ["001990090170", "birth_year_future"],
    ] as const) {
      rawIds.add(hint);
      const flow = await startFlow();
      const res = await callback(flow, await authorize(flow, hint));
      expect(expectProblem(res, 422, "invalid_id_number").reason).toBe(reason);
      expectNoSession(res);
    }
  });

  it("without consent to the current policy version → 403 consent_required, no flow started", async () => {
    const ip = freshIp();
    for (const q of ["", "?consent=", "?consent=2025-01", `?consent=${POLICY}x`, "?returnTo=/"]) {
      const res = await call(`${START}${q}`, { ip });
      expect(expectProblem(res, 403, "consent_required").policyVersion).toBe(POLICY);
      expect(res.cookies.has(OIDC_FLOW_COOKIE)).toBe(false);
    }
  });

  it("a returnTo that could leave the site → 400 invalid_request", async () => {
    const ip = freshIp();
    for (const returnTo of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "evil.example",
      "http:/evil.example",
      `/${"a".repeat(600)}`,
    ]) {
      const q = new URLSearchParams({ returnTo, consent: POLICY });
      const res = await call(`${START}?${q}`, { ip });
      expect(expectProblem(res, 400, "invalid_request").errors[0].path).toBe("returnTo");
      expect(res.cookies.has(OIDC_FLOW_COOKIE)).toBe(false);
    }
    expect(safeReturnTo(undefined)).toBe("/");
    expect(safeReturnTo("/a/../b?x=1#y")).toBe("/b?x=1#y");
    expect(safeReturnTo("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
  });

  it("sign-in is throttled per IP → 429 rate_limited with Retry-After", async () => {
    const ip = freshIp();
    let last: Answer | null = null;
    for (let i = 0; i < 25; i++) {
      last = await call(`${START}?consent=${POLICY}`, { ip });
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "rate_limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("the stand-in provider", () => {
  async function codeFor(challenge: string): Promise<string> {
    const q = new URLSearchParams({
      response_type: "code",
      client_id: DEV_CLIENT_ID,
      redirect_uri: `${ORIGIN}${OIDC_CALLBACK_PATH}`,
      scope: "openid",
      state: "s-1234567890",
      nonce: "n-1234567890",
      code_challenge: challenge,
      code_challenge_method: "S256",
      login_hint: citizen(30),
    });
    const res = await call(`${IDP}/authorize?${q}`, { ip: freshIp() });
    expect(res.status, res.text).toBe(302);
    return new URL(res.location!).searchParams.get("code")!;
  }

  function token(code: string, verifier: string, auth = `Basic ${btoa(`${DEV_CLIENT_ID}:${DEV_CLIENT_SECRET}`)}`) {
    return call(`${IDP}/token`, {
      ip: freshIp(),
      headers: { authorization: auth },
      form: { grant_type: "authorization_code", code, redirect_uri: `${ORIGIN}${OIDC_CALLBACK_PATH}`, code_verifier: verifier },
    });
  }

  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  it("checks the PKCE verifier (S256) and the client; issues a signed ID token and userinfo", async () => {
    const challenge = await s256(verifier);
    const wrong = await token(await codeFor(challenge), "x".repeat(43));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");

    expect((await token(await codeFor(challenge), verifier, `Basic ${btoa(`${DEV_CLIENT_ID}:nope`)}`)).body.error).toBe("invalid_client");

    const ok = await token(await codeFor(challenge), verifier);
    expect(ok.status, ok.text).toBe(200);
    const jwks = await call(`${IDP}/jwks`, { ip: freshIp() });
    const { payload } = await jwtVerify(ok.body.id_token, createLocalJWKSet(jwks.body), {
      issuer: IDP,
      audience: DEV_CLIENT_ID,
      currentDate: new Date(hanoi("2026-11-23", "09:00")),
    });
    expect(payload.nonce).toBe("n-1234567890");

    const res = await worker(new Request(`${IDP}/userinfo`, { headers: { authorization: `Bearer ${ok.body.access_token}` } }));
    const info = (await res.json()) as Record<string, string>;
    expect(info).toMatchObject({ sub: payload.sub, SoDinhDanh: citizen(30), HoVaTen: expect.any(String), NgayThangNamSinh: "19900101" });
  });

  it("refuses an unknown client or redirect URI with an error page, never a redirect", async () => {
    const base = { response_type: "code", scope: "openid", state: "s", code_challenge: await s256(verifier), code_challenge_method: "S256" };
    const q1 = new URLSearchParams({ ...base, client_id: "other", redirect_uri: `${ORIGIN}${OIDC_CALLBACK_PATH}` });
    const q2 = new URLSearchParams({ ...base, client_id: DEV_CLIENT_ID, redirect_uri: "https://evil.example/cb" });
    for (const q of [q1, q2]) {
      const res = await call(`${IDP}/authorize?${q}`, { ip: freshIp() });
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
    }
  });

  it("is absent (404) where DEV_STAND_INS is not \"1\", and sign-in then says SSO is not configured", async () => {
    const prod = withEnv({ DEV_STAND_INS: "0" });
    for (const [method, path] of [
      ["GET", "/.well-known/openid-configuration"],
      ["GET", "/authorize"],
      ["POST", "/authorize"],
      ["POST", "/token"],
      ["GET", "/jwks"],
      ["GET", "/userinfo"],
    ] as const) {
      expectProblem(await call(`${IDP}${path}`, { ip: freshIp(), method, via: prod }), 404, "not_found");
    }
    expectProblem(await call(`${START}?consent=${POLICY}`, { ip: freshIp(), via: prod }), 404, "sso_not_configured");
    // Half a configuration is no configuration.
    const half = withEnv({ DEV_STAND_INS: "0", OIDC_ISSUER: "https://sso.example.gov.vn" });
    expectProblem(await call(`${START}?consent=${POLICY}`, { ip: freshIp(), via: half }), 404, "sso_not_configured");
  });
});

describe("a configured provider (OIDC_* settings)", () => {
  const configured = (secret: string) =>
    withEnv({ OIDC_ISSUER: IDP, OIDC_CLIENT_ID: DEV_CLIENT_ID, OIDC_CLIENT_SECRET: secret, OIDC_SCOPES: "openid", OIDC_ID_CLAIM: "SoDinhDanh" });

  it("signs in with the configured client", async () => {
    const via = configured(DEV_CLIENT_SECRET);
    const flow = await startFlow({ via });
    const done = await callback(flow, await authorize(flow, citizen(40)), { via });
    expect(done.status, done.text).toBe(302);
    expect(done.cookies.get(CITIZEN_COOKIE)?.cleared).toBe(false);
  });

  it("a client the provider does not accept → 401 sso_sign_in_failed (invalid_client)", async () => {
    const via = configured("not-the-registered-secret");
    const flow = await startFlow({ via });
    const res = await callback(flow, await authorize(flow, citizen(41)), { via });
    expect(expectProblem(res, 401, "sso_sign_in_failed").providerError).toBe("invalid_client");
  });

  it("a claim the provider does not send → 401 sso_sign_in_failed", async () => {
    const via = withEnv({ OIDC_ISSUER: IDP, OIDC_CLIENT_ID: DEV_CLIENT_ID, OIDC_CLIENT_SECRET: DEV_CLIENT_SECRET, OIDC_ID_CLAIM: "SoCCCD" });
    const flow = await startFlow({ via });
    const res = await callback(flow, await authorize(flow, citizen(42)), { via });
    expect(expectProblem(res, 401, "sso_sign_in_failed").reason).toBe("id_claim_missing");
  });
});
