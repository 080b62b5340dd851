/**
 * Sessions: signed JWTs (HS256, jose) in Secure, HttpOnly, SameSite cookies; the city platform
 * may send the same token as a bearer instead. A citizen session carries only the keyed hashes of
 * the ID number (current and, during a key rotation, previous) and its masked form, never the
 * number itself. Staff sessions name the account; the account row is re-read on each staff
 * request (disabled, sessions revoked).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { signToken, verifyToken, type SignedTokenSecret } from "./signed-token";
import { z } from "zod";
import { now } from "../../shared/clock";
import { citizenKeyConfigId, citizenKeySecrets, MAX_PREVIOUS_SECRETS, type CitizenIdentity } from "../identity/citizen-key";
import { recordConsent } from "../privacy/consent";
import { citizenLedger } from "../booking";

export const CITIZEN_COOKIE = "__Host-sothutu_citizen";
export const STAFF_COOKIE = "__Host-sothutu_staff";
const CITIZEN_AUDIENCE = "session:citizen";
const STAFF_AUDIENCE = "session:staff";
/** A citizen signs in for the day; a staff member for a shift. */
export const CITIZEN_SESSION_TTL_S = 12 * 3600;
export const STAFF_SESSION_TTL_S = 10 * 3600;

/** How the citizen proved who they are. */
export const SIGN_IN_METHODS = ["oidc", "platform", "otp"] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export interface CitizenSession extends CitizenIdentity {
  via: SignInMethod;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms: the cookie/token stops working then. */
  expiresAt: number;
  /**
   * The personal-data policy version the citizen consented to (claim `pv`), null for a session
   * minted before consent was carried. Booking requires it to equal PRIVACY_POLICY_VERSION.
   */
  policyVersion: string | null;
}

export interface StaffSessionClaims {
  staffId: string;
  issuedAt: number;
  /**
   * The account's `sessions_valid_after` when the session began (claim `sv`). Revoking sessions
   * (password change, sign-out) raises that column, so every older session stops matching, with
   * no reliance on clock resolution (a sign-in right after a password change still works).
   */
  epoch: number;
  /** Epoch ms: the token stops working then. */
  expiresAt: number;
}

const sessionSecret = (env: Env): SignedTokenSecret => ({ value: env.SESSION_SECRET, name: "SESSION_SECRET" });

function sign(env: Env, audience: string, subject: string, claims: Record<string, unknown>, ttlS: number): Promise<string> {
  return signToken(sessionSecret(env), audience, claims, ttlS, subject);
}

function verify(env: Env, token: string | undefined, audience: string) {
  return verifyToken(sessionSecret(env), token, audience);
}

/**
 * `__Host-` cookies: Secure, Path=/, no Domain. Browsers accept Secure cookies from
 * http://localhost and 127.0.0.1, so local development works unchanged.
 */
function cookieOptions(maxAge: number) {
  return { path: "/", httpOnly: true, secure: true, sameSite: "Lax" as const, maxAge };
}

const citizenClaims = z.object({
  m: z.string().max(32),
  via: z.enum(SIGN_IN_METHODS),
  pv: z.string().min(1).max(64).optional(),
  pk: z.array(z.string().min(1).max(128)).max(MAX_PREVIOUS_SECRETS).optional(),
  kc: z.string().min(1).max(32).optional(),
});

/**
 * Mints a citizen session token (cookie value, or a bearer for an app that keeps a token). Claims:
 * `sub` the citizen key (keyed hash), `m` the masked ID, `via` the sign-in method, `pv` the
 * personal-data policy version the citizen consented to, `pk` the citizen's keys under previous
 * key secrets (only during a rotation: they cannot be derived later without the ID number) and
 * `kc` the key configuration they were derived under. Never the ID number itself.
 */
export async function citizenSessionToken(env: Env, identity: CitizenIdentity, via: SignInMethod, consentedPolicyVersion: string): Promise<string> {
  const claims: Record<string, unknown> = { m: identity.masked, via, pv: consentedPolicyVersion, kc: await citizenKeyConfigId(env) };
  if (identity.previousKeys.length > 0) claims.pk = identity.previousKeys;
  return sign(env, CITIZEN_AUDIENCE, identity.key, claims, CITIZEN_SESSION_TTL_S);
}

/**
 * Starts a citizen session after a successful sign-in (OIDC, OTP): records the citizen's consent
 * to the policy version they accepted (D1, idempotent), sets the cookie and returns the token.
 * Pass the version the citizen actually accepted on the sign-in page; booking refuses with 403
 * `consent_required` when it is not the current PRIVACY_POLICY_VERSION.
 */
export async function startCitizenSession(
  c: Context<{ Bindings: Env }>,
  identity: CitizenIdentity,
  via: SignInMethod,
  consentedPolicyVersion: string,
): Promise<string> {
  await recordConsent(c.env.DB, identity.key, consentedPolicyVersion, now());
  // Consenting again at sign-in lifts an earlier withdrawal for online booking.
  await citizenLedger(c.env, identity.key).setConsentWithdrawn(null);
  const token = await citizenSessionToken(c.env, identity, via, consentedPolicyVersion);
  setCookie(c, CITIZEN_COOKIE, token, cookieOptions(CITIZEN_SESSION_TTL_S));
  return token;
}

export function endCitizenSession(c: Context): void {
  deleteCookie(c, CITIZEN_COOKIE, { path: "/", secure: true });
}

/** A citizen session token we issued (cookie value or bearer), or null when not ours/invalid/expired. */
export async function verifyCitizenSessionToken(env: Env, token: string | undefined): Promise<CitizenSession | null> {
  const payload = await verify(env, token, CITIZEN_AUDIENCE);
  if (!payload) return null;
  const claims = citizenClaims.safeParse(payload);
  if (!claims.success || typeof payload.sub !== "string" || payload.sub.length > 128) return null;
  // Keys from another key configuration would be wrong now: a session minted before a rotation
  // names the citizen by a key that must take no new reservations, and one minted before a
  // previous secret was removed would keep linking data that is meant to be unlinkable. The
  // citizen signs in again. A session without `kc` predates rotation support: its key is current
  // as long as no rotation is under way.
  const kc = claims.data.kc;
  if (kc === undefined ? citizenKeySecrets(env).previous.length > 0 : kc !== (await citizenKeyConfigId(env))) return null;
  return {
    key: payload.sub,
    masked: claims.data.m,
    previousKeys: claims.data.pk ?? [],
    via: claims.data.via,
    issuedAt: (payload.iat ?? 0) * 1000,
    expiresAt: (payload.exp ?? 0) * 1000,
    policyVersion: claims.data.pv ?? null,
  };
}

/**
 * The citizen session from the cookie, else from `Authorization: Bearer` holding a session token
 * we issued. City-platform JWTs are not read here: `citizenOf` (worker/auth/citizen.ts) is the one
 * entry point for citizen routes and adds them.
 */
export async function readCitizenSession(c: Context<{ Bindings: Env }>): Promise<CitizenSession | null> {
  const fromCookie = await verifyCitizenSessionToken(c.env, getCookie(c, CITIZEN_COOKIE));
  if (fromCookie) return fromCookie;
  const bearer = bearerTokenOf(c);
  return bearer === undefined ? null : verifyCitizenSessionToken(c.env, bearer);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(c: Context): string | undefined {
  const header = c.req.header("authorization") ?? "";
  if (!/^bearer /i.test(header)) return undefined;
  const token = header.slice(7).trim();
  return token === "" ? undefined : token;
}

/** Mints a staff session token for an account whose `sessions_valid_after` is `epoch`. */
export function staffSessionToken(env: Env, staffId: string, epoch: number): Promise<string> {
  return sign(env, STAFF_AUDIENCE, staffId, { sv: epoch }, STAFF_SESSION_TTL_S);
}

/** Starts a staff session: sets the cookie and returns the token (tablets may keep it as a bearer). */
export async function startStaffSession<E extends { Bindings: Env }>(c: Context<E>, staffId: string, epoch = 0): Promise<string> {
  const token = await staffSessionToken(c.env, staffId, epoch);
  setCookie(c, STAFF_COOKIE, token, { ...cookieOptions(STAFF_SESSION_TTL_S), sameSite: "Strict" });
  return token;
}

export function endStaffSession(c: Context): void {
  deleteCookie(c, STAFF_COOKIE, { path: "/", secure: true });
}

/** Staff session claims from the cookie or `Authorization: Bearer` (tablets may keep a token). */
export async function readStaffSession<E extends { Bindings: Env }>(c: Context<E>): Promise<StaffSessionClaims | null> {
  // An explicit bearer first, then the cookie: a stale cookie does not hide a valid bearer.
  const bearer = bearerTokenOf(c);
  const cookie = getCookie(c, STAFF_COOKIE);
  const payload = (await verify(c.env, bearer, STAFF_AUDIENCE)) ?? (cookie !== undefined && cookie !== bearer ? await verify(c.env, cookie, STAFF_AUDIENCE) : null);
  if (!payload || typeof payload.sub !== "string" || payload.sub.length > 64) return null;
  const epoch = typeof payload.sv === "number" && Number.isSafeInteger(payload.sv) ? payload.sv : -1;
  return { staffId: payload.sub, issuedAt: (payload.iat ?? 0) * 1000, epoch, expiresAt: (payload.exp ?? 0) * 1000 };
}
