/**
 * Who the citizen is, on every citizen route. One entry point, `citizenOf`, resolving in order:
 *   1. the session cookie (`__Host-sothutu_citizen`, set at sign-in by OIDC or OTP);
 *   2. `Authorization: Bearer <token>`: a citizen session token we issued, or else a city
 *      platform's signed JWT (worker/identity/platform-token.ts, only when configured).
 * Nothing else names a citizen: there is no header that takes an ID number on trust.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { now } from "../../shared/clock";
import type { Channel } from "../../shared/ticket-vocabulary";
import { ProblemError } from "../http/problem";
import { citizenFromPlatformToken } from "../platform/auth";
import { carryConsentWithdrawal, recordConsentUnlessWithdrawn } from "../privacy/consent";
import { bearerTokenOf, CITIZEN_COOKIE, verifyCitizenSessionToken, type CitizenSession } from "./session";
import { isOwnTokenShape } from "./signed-token";

export type { CitizenSession } from "./session";

// One resolution per request, however many times a handler asks.
const resolved = new WeakMap<Request, Promise<CitizenSession>>();

/** The signed-in citizen, or a 401 problem (`unauthorized`; `invalid_token` for a bad bearer). */
export function citizenOf<E extends { Bindings: Env }>(c: Context<E>): Promise<CitizenSession> {
  let session = resolved.get(c.req.raw);
  if (!session) {
    session = resolve(c);
    resolved.set(c.req.raw, session);
  }
  return session;
}

async function resolve<E extends { Bindings: Env }>(c: Context<E>): Promise<CitizenSession> {
  const fromCookie = await verifyCitizenSessionToken(c.env, getCookie(c, CITIZEN_COOKIE));
  if (fromCookie) return fromCookie;

  const bearer = bearerTokenOf(c);
  if (bearer === undefined) throw new ProblemError("unauthorized");
  // Routed by the token's protected header, so each bearer meets one verifier: a session token
  // of ours is HS256, a platform's JWT is asymmetric (PLATFORM_ALGORITHMS). A platform token is
  // never tried as a session token first (that could only fail, by a thrown algorithm error:
  // work on every platform call). An HS256 bearer that is not a valid session of ours still goes
  // on to the platform check, which refuses it exactly as before (`invalid_token`).
  if (isOwnTokenShape(bearer)) {
    const fromBearer = await verifyCitizenSessionToken(c.env, bearer);
    if (fromBearer) return fromBearer;
  }

  // A city platform's JWT: the environment's platform or a registered client holding `book`.
  const session = await citizenFromPlatformToken(c, bearer);
  await rememberPlatformConsent(c.env, session);
  return session;
}

/**
 * Booking (and any other call that creates personal data) needs consent to the current policy
 * version: a session minted under an older policy, or without one, gets 403 `consent_required`
 * with the version to accept (the client sends the citizen through sign-in again).
 */
export function requireCurrentConsent(env: Env, session: CitizenSession): void {
  const current = env.PRIVACY_POLICY_VERSION;
  if (session.policyVersion !== current) throw new ProblemError("consent_required", { policyVersion: current });
}

/** The channel a citizen's own booking is recorded under: "platform" for a city app's calls. */
export function bookingChannelOf(session: CitizenSession): Extract<Channel, "online" | "platform"> {
  return session.via === "platform" ? "platform" : "online";
}

// The platform asserts consent on every call; D1 records it once per citizen and version (never
// undoing a withdrawal the citizen made here, even under a key since rotated: the booking guard
// still sees that). The per-isolate memory spares a D1 write on each call (the insert is
// idempotent anyway).
const MAX_REMEMBERED = 10_000;
const recordedConsents = new Set<string>();

async function rememberPlatformConsent(env: Env, session: CitizenSession): Promise<void> {
  const version = session.policyVersion;
  if (version === null) return;
  const id = `${session.key}|${version}`;
  if (recordedConsents.has(id)) return;
  await carryConsentWithdrawal(env.DB, session.previousKeys, session.key, version);
  await recordConsentUnlessWithdrawn(env.DB, session.key, version, now());
  if (recordedConsents.size >= MAX_REMEMBERED) recordedConsents.clear();
  recordedConsents.add(id);
}
