/**
 * Short-lived signed tokens that open a live view (WebSocket or polling). Browsers cannot set
 * headers on a WebSocket, so the view's URL carries a token instead of a credential: it names
 * exactly one subscription (one citizen's ticket, or a branch's counter/reception view) and
 * expires. Signed JWTs (HS256, via jose) with LIVE_TOKEN_SECRET.
 */
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { now } from "../../shared/clock";

const ISSUER = "sothutu";
const TICKET_AUDIENCE = "live:ticket";
const STAFF_AUDIENCE = "live:staff";
/** A citizen's token lasts the service day and a little more; staff tokens one shift. */
const TICKET_TOKEN_TTL_S = 36 * 3600;
const STAFF_TOKEN_TTL_S = 12 * 3600;

const keys = new Map<string, Uint8Array>();
function keyOf(env: Env): Uint8Array {
  const secret = env.LIVE_TOKEN_SECRET ?? "";
  if (secret.length < 16) throw new Error("LIVE_TOKEN_SECRET is missing or shorter than 16 characters");
  let key = keys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    keys.set(secret, key);
  }
  return key;
}

function sign(env: Env, audience: string, claims: Record<string, unknown>, ttlS: number): Promise<string> {
  const iat = Math.floor(now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(audience).setIssuedAt(iat).setExpirationTime(iat + ttlS).sign(keyOf(env));
}

async function verify(env: Env, token: string, audience: string): Promise<Record<string, unknown> | null> {
  if (token.length > 2048) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(env), {
      issuer: ISSUER,
      audience,
      algorithms: ["HS256"],
      currentDate: new Date(now()),
    });
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A token that lets its holder watch one ticket. */
export function ticketLiveToken(env: Env, ticketId: string): Promise<string> {
  return sign(env, TICKET_AUDIENCE, { sub: ticketId }, TICKET_TOKEN_TTL_S);
}

/** The ticket id a token opens, or null for a bad, expired or foreign token. */
export async function verifyTicketLiveToken(env: Env, token: string, ticketId: string): Promise<boolean> {
  const payload = await verify(env, token, TICKET_AUDIENCE);
  return payload?.sub === ticketId;
}

export const staffLiveClaimsSchema = z.discriminatedUnion("audience", [
  z.strictObject({ audience: z.literal("counter"), counter: z.number().int().min(1).max(999) }),
  z.strictObject({ audience: z.literal("reception") }),
]);
export type StaffLiveClaims = z.infer<typeof staffLiveClaimsSchema>;

export function staffLiveToken(env: Env, branchId: string, claims: StaffLiveClaims): Promise<string> {
  return sign(env, STAFF_AUDIENCE, { sub: branchId, view: claims }, STAFF_TOKEN_TTL_S);
}

export async function verifyStaffLiveToken(env: Env, token: string, branchId: string): Promise<StaffLiveClaims | null> {
  const payload = await verify(env, token, STAFF_AUDIENCE);
  if (!payload || payload.sub !== branchId) return null;
  const view = staffLiveClaimsSchema.safeParse(payload.view);
  return view.success ? view.data : null;
}
