/**
 * Interim authentication, until sign-in (VNeID/OIDC, platform tokens, OTP) and staff accounts
 * land. Citizens name themselves with their ID number in the `X-Citizen-Id` header; staff present
 * a shared bearer token from configuration. Routes depend only on `citizenOf`/`requireStaff`, so
 * real sign-in replaces this file without reshaping the API.
 */
import type { Context, MiddlewareHandler } from "hono";
import { ProblemError } from "../http/problem";
import type { CitizenIdentity } from "./citizen-key";
import { identityFromIdNumber } from "./id-number";

export const CITIZEN_ID_HEADER = "x-citizen-id";

/** The signed-in citizen, or 401. */
export async function citizenOf(c: Context<{ Bindings: Env }>): Promise<CitizenIdentity> {
  const raw = c.req.header(CITIZEN_ID_HEADER);
  if (raw === undefined || raw.trim() === "") throw new ProblemError("unauthorized");
  return identityFromIdNumber(c.env, raw, { acceptUnknownProvince: false });
}

const encoder = new TextEncoder();

function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  // Constant time: a mismatch at the first byte costs as long as one at the last.
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/** Staff endpoints: `Authorization: Bearer <STAFF_TOKEN>`. */
export const requireStaff: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  const expected = c.env.STAFF_TOKEN ?? "";
  if (!token) throw new ProblemError("unauthorized");
  if (expected.length < 16 || !sameSecret(token, expected)) throw new ProblemError("forbidden");
  await next();
};
