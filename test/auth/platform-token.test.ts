/**
 * City platform tokens end to end: a stand-in platform (keys made for this run by
 * vitest.config.ts; the Worker trusts only the public half through PLATFORM_JWKS) calls the API
 * with a short-lived signed JWT naming the citizen. Good tokens book on the "platform" channel
 * and name the same citizen as any other sign-in; tampered, expired, foreign, unsigned,
 * HMAC-with-the-public-key and long-lived tokens are 401 problems; a missing or outdated consent
 * claim is 403.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { now } from "../../shared/clock";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { platformConfig, verifyPlatformToken, type PlatformEnv } from "../../worker/identity/platform-token";
import { ProblemError } from "../../worker/http/problem";
import { hasConsent } from "../../worker/privacy/consent";
import { api, citizenCookie, closeService, expectOk, expectProblem, openService, secret } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform, b64url, platformClaims, platformPublicJwks, platformToken, PLATFORM_AUDIENCE, PLATFORM_ISSUER, type PlatformAlg } from "../support/platform";

const MONDAY_9AM = hanoi("2026-11-23", "09:00");
const BOOK = { branchId: "hn-cn01", fieldCode: "DATDAI" };

beforeAll(() => openService(MONDAY_9AM));
afterAll(closeService);

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** GET /auth/me with a token: the 401 problem's `reason` for a refused one. */
async function refusedBecause(token: string): Promise<string> {
  return expectProblem(await api("GET", "/api/v1/auth/me", bearer(token)), 401, "invalid_token").reason;
}

describe("a good platform token", () => {
  it("books a number on the platform channel, the ID shown masked, consent recorded", async () => {
    const id = idNumber(701);
    const res = await api("POST", "/api/v1/tickets", { ...(await asPlatform(id)), json: BOOK, idempotencyKey: "ihanoi-701" });
    const { ticket } = expectOk(res, 201);
    expect(ticket).toMatchObject({ branchId: "hn-cn01", fieldCode: "DATDAI", channel: "platform", status: "waiting", citizenMasked: "001******701" });
    // A retry with the same key (a new token, as a platform mints one per call) replays it.
    const again = expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(id)), json: BOOK, idempotencyKey: "ihanoi-701" }), 200);
    expect(again).toMatchObject({ replay: true, ticket: { id: ticket.id } });
    const identity = await citizenIdentity(env, id);
    expect(await hasConsent(env.DB, identity.key, env.PRIVACY_POLICY_VERSION)).toBe(true);
  });

  it.each<PlatformAlg>(["ES256", "RS256", "EdDSA"])("is accepted signed with %s", async (alg) => {
    const me = expectOk(await api("GET", "/api/v1/auth/me", await asPlatform(idNumber(702), { alg }))).citizen;
    expect(me).toMatchObject({ idNumberMasked: "001******702", method: "platform", consentCurrent: true, issuedAt: MONDAY_9AM, expiresAt: MONDAY_9AM + 300_000 });
  });

  it("names the same citizen as any other sign-in: one ticket list, one daily limit across channels", async () => {
    const id = idNumber(703);
    const viaPlatform = expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(id)), json: BOOK }), 201).ticket;
    const viaCookie = expectOk(await api("POST", "/api/v1/tickets", { citizen: id, json: { ...BOOK, fieldCode: "TUPHAP" } }), 201).ticket;
    expect([viaPlatform.channel, viaCookie.channel]).toEqual(["platform", "online"]);
    const listed = expectOk(await api("GET", "/api/v1/tickets", await asPlatform(id))).tickets.map((t: { id: string }) => t.id);
    expect(listed.sort()).toEqual([viaPlatform.id, viaCookie.id].sort());
    expectProblem(await api("POST", "/api/v1/tickets", { ...(await asPlatform(id)), json: { ...BOOK, fieldCode: "XAYDUNG" } }), 409, "citizen_daily_limit");
    // The platform may cancel the citizen's own number, whichever channel took it.
    expect(expectOk(await api("POST", `/api/v1/tickets/${viaCookie.id}/cancel`, await asPlatform(id))).ticket.status).toBe("cancelled");
  });

  it("tolerates a little clock skew (iat 20 s ahead of ours)", async () => {
    expectOk(await api("GET", "/api/v1/auth/me", await asPlatform(idNumber(704), { iatOffsetS: 20 })));
  });

  it("reads the ID number from PLATFORM_ID_CLAIM when the platform names it otherwise", async () => {
    const config = platformConfig({ ...env, PLATFORM_ID_CLAIM: "personal_id" } as unknown as Env)!;
    const token = await platformToken(undefined, { claims: { personal_id: idNumber(705) }, omit: ["SoDinhDanh"] });
    const session = await verifyPlatformToken(env, config, token);
    expect(session).toMatchObject({ masked: "001******705", via: "platform", policyVersion: env.PRIVACY_POLICY_VERSION });
    // The default claim is then ignored.
    await expect(verifyPlatformToken(env, config, await platformToken(idNumber(705)))).rejects.toMatchObject({ code: "invalid_id_number" });
  });
});

describe("refused tokens: 401 invalid_token saying which check failed", () => {
  it("tampered: another citizen's number put in a signed token", async () => {
    const [h, p, s] = (await platformToken(idNumber(710))).split(".");
    const claims = JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/")));
    const tampered = `${h}.${b64url(JSON.stringify({ ...claims, SoDinhDanh: secret(idNumber(711)) }))}.${s}`;
    expect(await refusedBecause(tampered)).toBe("signature");
    // A flipped bit in the signature, too.
    const good = await platformToken(idNumber(710));
    const flipped = good.slice(0, -2) + (good.at(-2) === "A" ? "B" : "A") + good.at(-1);
    expect(await refusedBecause(flipped)).toBe("signature");
  });

  it("expired", async () => {
    expect(await refusedBecause(await platformToken(idNumber(712), { iatOffsetS: -400, lifetimeS: 300 }))).toBe("expired");
  });

  it("wrong audience, wrong issuer", async () => {
    expect(await refusedBecause(await platformToken(idNumber(713), { audience: "another-service" }))).toBe("audience");
    expect(await refusedBecause(await platformToken(idNumber(713), { audience: [] }))).toBe("audience");
    expect(await refusedBecause(await platformToken(idNumber(713), { issuer: "https://evil.example" }))).toBe("issuer");
    expect(await refusedBecause(await platformToken(idNumber(713), { omit: ["iss"] }))).toBe("issuer");
  });

  it("unsigned (alg none), whatever it claims", async () => {
    const claims = platformClaims(idNumber(714));
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
      expect(await refusedBecause(unsigned)).toMatch(/^(algorithm|malformed)$/);
    }
  });

  it("HS256 signed with the platform's public key (the algorithm-confusion attack)", async () => {
    const claims = platformClaims(idNumber(715));
    const publicJwk = platformPublicJwks().keys.find((k) => k.alg === "RS256")!;
    const keyMaterials = [JSON.stringify(publicJwk), publicJwk.n!, JSON.stringify(platformPublicJwks())];
    for (const material of keyMaterials) {
      for (const kid of [publicJwk.kid!, undefined]) {
        const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...(kid ? { kid } : {}) }).sign(new TextEncoder().encode(material));
        expect(await refusedBecause(forged)).toBe("algorithm");
      }
    }
  });

  it("lives longer than 10 minutes, or was issued long ago", async () => {
    expect(await refusedBecause(await platformToken(idNumber(716), { lifetimeS: 3600 }))).toBe("lifetime");
    expect(await refusedBecause(await platformToken(idNumber(716), { lifetimeS: 601 }))).toBe("lifetime");
    expect(await refusedBecause(await platformToken(idNumber(716), { iatOffsetS: -900, lifetimeS: 1000 }))).toBe("lifetime");
    // Exactly 10 minutes is fine.
    expectOk(await api("GET", "/api/v1/auth/me", await asPlatform(idNumber(716), { lifetimeS: 600 })));
  });

  it("without exp or iat", async () => {
    expect(await refusedBecause(await platformToken(idNumber(717), { omit: ["exp"] }))).toBe("missing_claim");
    expect(await refusedBecause(await platformToken(idNumber(717), { omit: ["iat"] }))).toBe("missing_claim");
    expect(await refusedBecause(await platformToken(idNumber(717), { claims: { exp: "tomorrow" } }))).toBe("malformed");
  });

  it("issued in the future, or not valid yet", async () => {
    expect(await refusedBecause(await platformToken(idNumber(718), { iatOffsetS: 120 }))).toBe("not_yet_valid");
    const nbf = Math.floor(now() / 1000) + 120;
    expect(await refusedBecause(await platformToken(idNumber(718), { claims: { nbf } }))).toBe("not_yet_valid");
  });

  it("signed by a key the platform does not publish (same kid, or an unknown one)", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const claims = platformClaims(idNumber(719));
    const sameKid = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "test-es256" }).sign(privateKey);
    expect(await refusedBecause(sameKid)).toBe("signature");
    const otherKid = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "attacker" }).sign(privateKey);
    expect(await refusedBecause(otherKid)).toBe("unknown_key");
    // A key embedded in the token's own header is never trusted.
    const jwk = await exportJWK((await generateKeyPair("ES256", { extractable: true })).publicKey);
    const embedded = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", jwk }).sign(privateKey);
    expect(await refusedBecause(embedded)).toMatch(/^(signature|unknown_key|malformed)$/);
  });

  it("not a JWT at all, or too large", async () => {
    for (const junk of ["abc", "a.b.c", "e30.e30.", `${b64url("{")}.${b64url("{}")}.x`, "x".repeat(9000)]) {
      expect(await refusedBecause(junk)).toBe("malformed");
    }
  });

  it("on every citizen route, not only /auth/me", async () => {
    const expired = await platformToken(idNumber(720), { iatOffsetS: -400 });
    expectProblem(await api("POST", "/api/v1/tickets", { ...bearer(expired), json: BOOK }), 401, "invalid_token");
    expectProblem(await api("GET", "/api/v1/tickets", bearer(expired)), 401, "invalid_token");
    expectProblem(await api("GET", "/api/v1/tickets/hn-cn01:2026-11-23:1", bearer(expired)), 401, "invalid_token");
  });

  it("explains itself in Vietnamese by default, English on request", async () => {
    const expired = await platformToken(idNumber(721), { iatOffsetS: -400 });
    expect(expectProblem(await api("GET", "/api/v1/auth/me", bearer(expired)), 401, "invalid_token").detail).toBe("Mã xác thực đã hết hạn.");
    expect(expectProblem(await api("GET", "/api/v1/auth/me?lang=en", bearer(expired)), 401, "invalid_token").detail).toBe("The token has expired.");
  });
});

describe("consent asserted by the platform", () => {
  it("missing: 403 consent_required naming the current version", async () => {
    const p = expectProblem(await api("POST", "/api/v1/tickets", { ...(await asPlatform(idNumber(730), { policyVersion: null })), json: BOOK }), 403, "consent_required");
    expect(p.policyVersion).toBe(env.PRIVACY_POLICY_VERSION);
    expect(p.detail).toContain("privacy_policy_version");
  });

  it("outdated (or not a string): 403 consent_required on every route", async () => {
    for (const policyVersion of ["2025-01", ""]) {
      const auth = await asPlatform(idNumber(731), { policyVersion });
      expectProblem(await api("POST", "/api/v1/tickets", { ...auth, json: BOOK }), 403, "consent_required");
      expectProblem(await api("GET", "/api/v1/tickets", auth), 403, "consent_required");
    }
    const numeric = await asPlatform(idNumber(731), { claims: { privacy_policy_version: 202601 } });
    expectProblem(await api("GET", "/api/v1/auth/me", numeric), 403, "consent_required");
  });
});

describe("configuration", () => {
  const base = env as unknown as PlatformEnv;
  const withConfig = (over: Partial<PlatformEnv>) => ({ ...env, ...over }) as unknown as Env;

  afterEach(() => vi.unstubAllGlobals());

  it("off unless keys are configured; off (and logged) when issuer or audience is missing", async () => {
    expect(platformConfig(withConfig({ PLATFORM_JWKS: undefined, PLATFORM_JWKS_URL: undefined }))).toBeNull();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(platformConfig(withConfig({ PLATFORM_ISSUER: "" }))).toBeNull();
      expect(platformConfig(withConfig({ PLATFORM_AUDIENCE: undefined }))).toBeNull();
      expect(platformConfig(withConfig({ PLATFORM_JWKS: "{not json" }))).toBeNull();
      expect(platformConfig(withConfig({ PLATFORM_JWKS: undefined, PLATFORM_JWKS_URL: "http://keys.platform.test/jwks.json" }))).toBeNull();
      // What was logged names the setting, never a token or a number.
      for (const call of error.mock.calls) expect(String(call[0])).toMatch(/^platform tokens are off: PLATFORM_/);
    } finally {
      error.mockRestore();
    }
    expect(platformConfig(env)).toMatchObject({ issuer: PLATFORM_ISSUER, audience: PLATFORM_AUDIENCE, idClaim: "SoDinhDanh" });
    expect(base.PLATFORM_JWKS).toBeTruthy();
  });

  it("keys from PLATFORM_JWKS_URL are fetched once and cached for the isolate", async () => {
    const url = "https://keys.platform.test/jwks.json";
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return new Response(JSON.stringify(platformPublicJwks()), { headers: { "content-type": "application/json" } });
    });
    const config = platformConfig(withConfig({ PLATFORM_JWKS: undefined, PLATFORM_JWKS_URL: url }))!;
    for (const n of [740, 741, 742]) {
      const session = await verifyPlatformToken(env, config, await platformToken(idNumber(n)));
      expect(session.masked).toBe(`001******${n}`);
    }
    expect(fetched).toEqual([url]);
    // The same configuration later in the isolate reuses the cached key set.
    const again = platformConfig(withConfig({ PLATFORM_JWKS: undefined, PLATFORM_JWKS_URL: url }))!;
    await verifyPlatformToken(env, again, await platformToken(idNumber(743), { alg: "RS256" }));
    expect(fetched).toHaveLength(1);
  });

  it("an unreachable key set is 503 platform_keys_unavailable (retry), not a 401 blaming the token", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("network down");
    });
    const config = platformConfig(withConfig({ PLATFORM_JWKS: undefined, PLATFORM_JWKS_URL: "https://down.platform.test/jwks.json" }))!;
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const err = await verifyPlatformToken(env, config, await platformToken(idNumber(744))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProblemError);
      expect(err).toMatchObject({ code: "platform_keys_unavailable", facts: { retryAfterSeconds: 5 } });
      expect(error.mock.calls.flat().join(" ")).not.toMatch(/\d{12}/);
    } finally {
      error.mockRestore();
    }
  });

  it("a platform-signed token is not a session cookie: the cookie path only takes our own sessions", async () => {
    const token = await platformToken(idNumber(745));
    expectProblem(await api("GET", "/api/v1/auth/me", { headers: { cookie: `__Host-sothutu_citizen=${token}` } }), 401, "unauthorized");
    // …while a real session cookie still works next to a bad bearer (the cookie comes first).
    const cookie = await citizenCookie(secret(idNumber(745)));
    expectOk(await api("GET", "/api/v1/auth/me", { headers: { cookie, authorization: "Bearer junk" } }));
  });
});
