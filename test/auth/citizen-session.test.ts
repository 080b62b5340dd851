/**
 * Citizen sessions end to end: the signed cookie (or the same token as a bearer) is the only way
 * a browser names a citizen. Forged, foreign or expired sessions are 401; the interim
 * `X-Citizen-Id` header names nobody; sign-out clears the cookie; booking needs consent to the
 * current personal-data policy (403 `consent_required` otherwise), and sign-in records consent.
 */
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now, testClock } from "../../shared/clock";
import { CITIZEN_COOKIE, CITIZEN_SESSION_TTL_S, startCitizenSession } from "../../worker/auth/session";
import { isOwnTokenShape, signToken } from "../../worker/auth/signed-token";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { hasConsent } from "../../worker/privacy/consent";
import { api, citizenCookie, closeService, expectOk, expectProblem, openService, ORIGIN, secret } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { platformToken } from "../support/platform";

const MONDAY_9AM = hanoi("2026-11-23", "09:00");
const BOOK = { branchId: "hn-cn01", fieldCode: "DATDAI" };

beforeAll(() => openService(MONDAY_9AM));
afterAll(closeService);

const cookieOf = async (id: string, policyVersion?: string) => ({ headers: { cookie: await citizenCookie(secret(id), policyVersion) } });
const tokenOf = async (id: string) => (await citizenCookie(secret(id))).slice(CITIZEN_COOKIE.length + 1);

/** A session-shaped token signed with `key` (our secret unless a forger's), claims as given. */
async function sessionLike(claims: Record<string, unknown>, o: { key?: string; audience?: string; ttlS?: number; alg?: "HS256" | "HS512" } = {}) {
  const iat = Math.floor(now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? "HS256" })
    .setIssuer("sothutu")
    .setAudience(o.audience ?? "session:citizen")
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.ttlS ?? 3600))
    .sign(new TextEncoder().encode(o.key ?? env.SESSION_SECRET));
}

describe("who is signed in", () => {
  it("no cookie and no bearer: 401 unauthorized on every citizen route and on /auth/me", async () => {
    const routes: Array<[string, string]> = [
      ["POST", "/api/v1/tickets"],
      ["GET", "/api/v1/tickets"],
      ["GET", "/api/v1/tickets/hn-cn01:2026-11-23:1"],
      ["POST", "/api/v1/tickets/hn-cn01:2026-11-23:1/cancel"],
      ["POST", "/api/v1/tickets/hn-cn01:2026-11-23:1/push-subscription"],
      ["DELETE", "/api/v1/tickets/hn-cn01:2026-11-23:1/push-subscription"],
      ["GET", "/api/v1/auth/me"],
    ];
    for (const [method, path] of routes) expectProblem(await api(method, path), 401, "unauthorized");
  });

  it("the interim X-Citizen-Id header names nobody, whatever number it carries", async () => {
    const id = secret(idNumber(601));
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/v1/tickets`, { method: "POST", headers: { "x-citizen-id": id, "content-type": "application/json" }, body: JSON.stringify(BOOK) }),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthorized");
  });

  it("a session cookie: /auth/me shows the masked number, the method, consent and expiry", async () => {
    const me = expectOk(await api("GET", "/api/v1/auth/me", await cookieOf(idNumber(602)))).citizen;
    expect(me).toEqual({
      idNumberMasked: "001******602",
      method: "otp",
      policyVersion: env.PRIVACY_POLICY_VERSION,
      currentPolicyVersion: env.PRIVACY_POLICY_VERSION,
      consentCurrent: true,
      issuedAt: MONDAY_9AM,
      expiresAt: MONDAY_9AM + CITIZEN_SESSION_TTL_S * 1000,
    });
  });

  it("the same session token works as a bearer (apps that keep a token instead of a cookie)", async () => {
    const id = idNumber(603);
    const t = expectOk(await api("POST", "/api/v1/tickets", { headers: { authorization: `Bearer ${await tokenOf(id)}` }, json: BOOK }), 201).ticket;
    expect(t).toMatchObject({ channel: "online", citizenMasked: "001******603" });
    // …and names the same citizen as the cookie does.
    const mine = expectOk(await api("GET", "/api/v1/tickets", await cookieOf(id))).tickets;
    expect(mine.map((x: { id: string }) => x.id)).toEqual([t.id]);
  });

  it("the cookie wins over a bearer: one request never names two citizens", async () => {
    const headers = { cookie: await citizenCookie(secret(idNumber(604))), authorization: `Bearer ${await tokenOf(idNumber(605))}` };
    expect(expectOk(await api("GET", "/api/v1/auth/me", { headers })).citizen.idNumberMasked).toBe("001******604");
  });

  it("a citizen sees only their own tickets", async () => {
    const t = expectOk(await api("POST", "/api/v1/tickets", { ...(await cookieOf(idNumber(606))), json: { ...BOOK, fieldCode: "TUPHAP" } }), 201).ticket;
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}`, await cookieOf(idNumber(607))), 404, "ticket_not_found");
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/cancel`, await cookieOf(idNumber(607))), 404, "ticket_not_found");
    expectOk(await api("GET", `/api/v1/tickets/${t.id}`, await cookieOf(idNumber(606))));
  });
});

describe("forged, foreign and expired sessions", () => {
  const forged = (value: string) => ({ headers: { cookie: `${CITIZEN_COOKIE}=${value}` } });

  it("garbage, a truncated token or a token with its signature stripped: 401", async () => {
    const good = await tokenOf(idNumber(610));
    const [h, p] = good.split(".");
    for (const value of ["x", "a.b.c", good.slice(0, -3), `${h}.${p}.`, `${h}.${p}`, "%00", "x".repeat(5000)]) {
      expectProblem(await api("GET", "/api/v1/auth/me", forged(value)), 401, "unauthorized");
    }
  });

  it("a session signed with another secret (a forger's), or naming another citizen under the old signature: 401", async () => {
    const other = await citizenIdentity(env, idNumber(611));
    const claims = { sub: other.key, m: other.masked, via: "otp", pv: env.PRIVACY_POLICY_VERSION };
    // Correct shape and claims, wrong key.
    expectProblem(await api("GET", "/api/v1/tickets", forged(await sessionLike(claims, { key: "not-the-session-secret-0123456789" }))), 401, "unauthorized");
    // A real session of citizen 612 with its payload swapped for citizen 611's.
    const [h, , s] = (await tokenOf(idNumber(612))).split(".");
    const swapped = btoa(JSON.stringify({ ...claims, iss: "sothutu", aud: "session:citizen", iat: Math.floor(now() / 1000), exp: Math.floor(now() / 1000) + 3600 }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expectProblem(await api("GET", "/api/v1/tickets", forged(`${h}.${swapped}.${s}`)), 401, "unauthorized");
    // The control: the same claims signed with our secret are a session.
    expectOk(await api("GET", "/api/v1/auth/me", forged(await sessionLike(claims))));
  });

  it("a staff or live-view token, or another algorithm, is not a citizen session: 401", async () => {
    const id = await citizenIdentity(env, idNumber(613));
    const claims = { sub: id.key, m: id.masked, via: "otp", pv: env.PRIVACY_POLICY_VERSION };
    expectProblem(await api("GET", "/api/v1/auth/me", forged(await sessionLike(claims, { audience: "session:staff" }))), 401, "unauthorized");
    expectProblem(await api("GET", "/api/v1/auth/me", forged(await sessionLike(claims, { alg: "HS512" }))), 401, "unauthorized");
    const live = await sessionLike(claims, { audience: "live:ticket", key: env.LIVE_TOKEN_SECRET });
    expectProblem(await api("GET", "/api/v1/auth/me", forged(live)), 401, "unauthorized");
    // A session whose claims are not a citizen's (no masked number, unknown method): 401.
    expectProblem(await api("GET", "/api/v1/auth/me", forged(await sessionLike({ sub: id.key, via: "otp" }))), 401, "unauthorized");
    expectProblem(await api("GET", "/api/v1/auth/me", forged(await sessionLike({ sub: id.key, m: id.masked, via: "password" }))), 401, "unauthorized");
  });

  it("a bearer that is neither our session nor a platform token is 401 invalid_token", async () => {
    expectProblem(await api("GET", "/api/v1/tickets", { headers: { authorization: "Bearer not-a-token" } }), 401, "invalid_token");
    expectProblem(await api("GET", "/api/v1/tickets", { headers: { authorization: `Bearer ${"x".repeat(20_000)}` } }), 401, "invalid_token");
  });

  it("a bearer meets one verifier, chosen by its header; an HS256 one that is no session of ours is refused as before", async () => {
    // Ours are HS256; a platform's are asymmetric and never tried as a session (no thrown error).
    const session = await tokenOf(idNumber(615));
    const platform = await platformToken(idNumber(615));
    expect(isOwnTokenShape(session)).toBe(true);
    expect(isOwnTokenShape(platform)).toBe(false);
    for (const other of ["not-a-token", "a.b.c", `${session.split(".")[0]}x.${session.split(".")[1]}.${session.split(".")[2]}`, "x".repeat(5000)]) {
      expect(isOwnTokenShape(other)).toBe(false);
    }
    const bearerOf = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    expect(expectOk(await api("GET", "/api/v1/auth/me", bearerOf(session))).citizen.method).toBe("otp");
    expect(expectOk(await api("GET", "/api/v1/auth/me", bearerOf(platform))).citizen.method).toBe("platform");
    // HS256 but not a valid citizen session (a forger's key, a staff session): it falls through to
    // the platform check, which refuses a shared-secret algorithm: 401 invalid_token, `algorithm`.
    const id = await citizenIdentity(env, idNumber(616));
    const claims = { sub: id.key, m: id.masked, via: "otp", pv: env.PRIVACY_POLICY_VERSION };
    for (const token of [
      await sessionLike(claims, { key: "not-the-session-secret-0123456789" }),
      await sessionLike(claims, { audience: "session:staff" }),
      await sessionLike(claims, { alg: "HS512" }),
    ]) {
      expect(expectProblem(await api("GET", "/api/v1/auth/me", bearerOf(token)), 401, "invalid_token").reason).toBe("algorithm");
    }
  });

  it("our own tokens are compact HS256 JWTs any JOSE library verifies, with issuer, audience and expiry", async () => {
    const secret = { value: env.SESSION_SECRET, name: "SESSION_SECRET" };
    const token = await signToken(secret, "session:test", { m: "001******345", sub: "overridden" }, 600, "citizen-key");
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256" });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(env.SESSION_SECRET), {
      issuer: "sothutu",
      audience: "session:test",
      algorithms: ["HS256"],
      currentDate: new Date(now()),
    });
    const iat = Math.floor(now() / 1000);
    expect(payload).toEqual({ m: "001******345", sub: "citizen-key", iss: "sothutu", aud: "session:test", iat, exp: iat + 600 });
    await expect(jwtVerify(token, new TextEncoder().encode("another-secret-0123456789abcdef"), { algorithms: ["HS256"] })).rejects.toThrow();
    // Claims beyond ASCII are UTF-8, as JWT requires.
    const vi = await signToken(secret, "session:test", { name: "Nguyễn Thị Ánh 🙂" }, 600);
    expect((await jwtVerify(vi, new TextEncoder().encode(env.SESSION_SECRET), { audience: "session:test", currentDate: new Date(now()) })).payload.name).toBe("Nguyễn Thị Ánh 🙂");
    await expect(signToken({ value: "short", name: "SESSION_SECRET" }, "session:test", {}, 60)).rejects.toThrow(/SESSION_SECRET is missing or shorter/);
  });

  it("a session past its 12 hours is 401", async () => {
    const cookie = await cookieOf(idNumber(614));
    expectOk(await api("GET", "/api/v1/auth/me", cookie));
    testClock.advance(CITIZEN_SESSION_TTL_S * 1000 + 1000);
    try {
      expectProblem(await api("GET", "/api/v1/auth/me", cookie), 401, "unauthorized");
    } finally {
      testClock.set(MONDAY_9AM);
    }
  });
});

describe("sign-out", () => {
  it("clears the cookie (Secure, Path=/, expired) and answers 200", async () => {
    const res = expectOk(await api("POST", "/api/v1/auth/sign-out", await cookieOf(idNumber(620))), 200);
    expect(res).toEqual({ signedOut: true });
    const signOut = await api("POST", "/api/v1/auth/sign-out", await cookieOf(idNumber(620)));
    const setCookie = signOut.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^${CITIZEN_COOKIE}=;`));
    expect(setCookie).toMatch(/Max-Age=0/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/Secure/);
  });

  it("is 200 when nobody is signed in, and /auth/me is then 401", async () => {
    expect(expectOk(await api("POST", "/api/v1/auth/sign-out"))).toEqual({ signedOut: true });
    expectProblem(await api("GET", "/api/v1/auth/me"), 401, "unauthorized");
  });
});

describe("consent to the personal-data policy", () => {
  it("a session for an outdated policy version may look but not book: 403 consent_required naming the version", async () => {
    const cookie = await cookieOf(idNumber(630), "2025-01");
    const p = expectProblem(await api("POST", "/api/v1/tickets", { ...cookie, json: BOOK }), 403, "consent_required");
    expect(p.policyVersion).toBe(env.PRIVACY_POLICY_VERSION);
    expect(p.detail).toMatch(/chính sách/);
    expect(expectProblem(await api("POST", "/api/v1/tickets?lang=en", { ...cookie, json: BOOK }), 403, "consent_required").title).toMatch(/policy/);
    expectOk(await api("GET", "/api/v1/tickets", cookie));
    const me = expectOk(await api("GET", "/api/v1/auth/me", cookie)).citizen;
    expect(me).toMatchObject({ policyVersion: "2025-01", consentCurrent: false });
  });

  it("a session without any recorded consent cannot book either", async () => {
    const id = await citizenIdentity(env, idNumber(631));
    const noPv = await sessionLike({ sub: id.key, m: id.masked, via: "oidc" });
    const cookie = { headers: { cookie: `${CITIZEN_COOKIE}=${noPv}` } };
    expectProblem(await api("POST", "/api/v1/tickets", { ...cookie, json: BOOK }), 403, "consent_required");
    expect(expectOk(await api("GET", "/api/v1/auth/me", cookie)).citizen).toMatchObject({ policyVersion: null, consentCurrent: false, method: "oidc" });
  });

  it("startCitizenSession records consent in D1 and sets a Secure, HttpOnly, SameSite cookie that the API accepts", async () => {
    const identity = await citizenIdentity(env, secret(idNumber(632)));
    expect(await hasConsent(env.DB, identity.key, env.PRIVACY_POLICY_VERSION)).toBe(false);
    // The way OIDC and OTP sign-in call it, in a route of their own.
    const signIn = new Hono<{ Bindings: Env }>().post("/sign-in", async (c) => {
      await startCitizenSession(c, identity, "oidc", c.env.PRIVACY_POLICY_VERSION);
      return c.json({ ok: true });
    });
    const res = await signIn.request("/sign-in", { method: "POST" }, env);
    expect(res.status).toBe(200);
    expect(await hasConsent(env.DB, identity.key, env.PRIVACY_POLICY_VERSION)).toBe(true);

    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^${CITIZEN_COOKIE}=[\\w-]+\\.[\\w-]+\\.[\\w-]+;`));
    for (const attr of [/HttpOnly/, /Secure/, /SameSite=Lax/, /Path=\//, new RegExp(`Max-Age=${CITIZEN_SESSION_TTL_S}`)]) expect(setCookie).toMatch(attr);
    expect(setCookie).not.toMatch(/Domain=/i);
    // The token carries the key and the masked number, never the number itself.
    const token = setCookie.split(";")[0]!.slice(CITIZEN_COOKIE.length + 1);
    expect(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).not.toContain(idNumber(632));

    const cookie = { headers: { cookie: setCookie.split(";")[0]! } };
    expect(expectOk(await api("GET", "/api/v1/auth/me", cookie)).citizen).toMatchObject({ method: "oidc", consentCurrent: true, idNumberMasked: "001******632" });
    expect(expectOk(await api("POST", "/api/v1/tickets", { ...cookie, json: { ...BOOK, fieldCode: "KINHDOANH" } }), 201).ticket.channel).toBe("online");
  });
});
