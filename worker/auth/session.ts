/**
 * Sessions: signed JWTs (HS256, jose) in Secure, HttpOnly, SameSite cookies; the city platform
 * may send the same token as a bearer instead. A citizen session carries only the keyed hash of
 * the ID number and its masked form, never the number itself. Staff sessions name the account;
 * the account row is re-read on each staff request (disabled, sessions revoked).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { now } from "../../shared/clock";
import type { CitizenIdentity } from "../identity/citizen-key";

export const CITIZEN_COOKIE = "__Host-sothutu_citizen";
export const STAFF_COOKIE = "__Host-sothutu_staff";
const ISSUER = "sothutu";
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
  issuedAt: number;
}

export interface StaffSessionClaims {
  staffId: string;
  issuedAt: number;
}

const keys = new Map<string, Uint8Array>();
function keyOf(env: Env): Uint8Array {
  const secret = env.SESSION_SECRET ?? "";
  if (secret.length < 16) throw new Error("SESSION_SECRET is missing or shorter than 16 characters");
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
}

async function sign(env: Env, audience: string, subject: string, claims: Record<string, unknown>, ttlS: number): Promise<string> {
  const iat = Math.floor(now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(audience).setSubject(subject).setIssuedAt(iat).setExpirationTime(iat + ttlS).sign(keyOf(env));
}

async function verify(env: Env, token: string | undefined, audience: string) {
  if (!token || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(env), { issuer: ISSUER, audience, algorithms: ["HS256"], currentDate: new Date(now()) });
    return payload;
  } catch {
    return null;
  }
}

/**
 * `__Host-` cookies: Secure, Path=/, no Domain. Browsers accept Secure cookies from
 * http://localhost and 127.0.0.1, so local development works unchanged.
 */
function cookieOptions(maxAge: number) {
  return { path: "/", httpOnly: true, secure: true, sameSite: "Lax" as const, maxAge };
}

const citizenClaims = z.object({ m: z.string().max(32), via: z.enum(SIGN_IN_METHODS) });

/** Mints a citizen session token (cookie value or platform bearer). */
export function citizenSessionToken(env: Env, identity: CitizenIdentity, via: SignInMethod): Promise<string> {
  return sign(env, CITIZEN_AUDIENCE, identity.key, { m: identity.masked, via }, CITIZEN_SESSION_TTL_S);
}

/** Starts a citizen session: sets the cookie and returns the token. */
export async function startCitizenSession(c: Context<{ Bindings: Env }>, identity: CitizenIdentity, via: SignInMethod): Promise<string> {
  const token = await citizenSessionToken(c.env, identity, via);
  setCookie(c, CITIZEN_COOKIE, token, cookieOptions(CITIZEN_SESSION_TTL_S));
  return token;
}

export function endCitizenSession(c: Context): void {
  deleteCookie(c, CITIZEN_COOKIE, { path: "/", secure: true });
}

/** The citizen session from the cookie, or from `Authorization: Bearer` (a session token). */
export async function readCitizenSession(c: Context<{ Bindings: Env }>): Promise<CitizenSession | null> {
  const payload = await verify(c.env, getCookie(c, CITIZEN_COOKIE), CITIZEN_AUDIENCE);
  if (!payload) return null;
  const claims = citizenClaims.safeParse(payload);
  if (!claims.success || typeof payload.sub !== "string") return null;
  return { key: payload.sub, masked: claims.data.m, via: claims.data.via, issuedAt: (payload.iat ?? 0) * 1000 };
}

export async function startStaffSession(c: Context<{ Bindings: Env }>, staffId: string): Promise<string> {
  const token = await sign(c.env, STAFF_AUDIENCE, staffId, {}, STAFF_SESSION_TTL_S);
  setCookie(c, STAFF_COOKIE, token, { ...cookieOptions(STAFF_SESSION_TTL_S), sameSite: "Strict" });
  return token;
}

export function endStaffSession(c: Context): void {
  deleteCookie(c, STAFF_COOKIE, { path: "/", secure: true });
}

/** Staff session claims from the cookie or `Authorization: Bearer` (tablets may keep a token). */
export async function readStaffSession(c: Context<{ Bindings: Env }>): Promise<StaffSessionClaims | null> {
  const header = c.req.header("authorization") ?? "";
  const bearer = header.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  const payload = await verify(c.env, getCookie(c, STAFF_COOKIE) ?? bearer, STAFF_AUDIENCE);
  if (!payload || typeof payload.sub !== "string") return null;
  return { staffId: payload.sub, issuedAt: (payload.iat ?? 0) * 1000 };
}
