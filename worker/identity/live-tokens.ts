/**
 * Short-lived signed tokens that open a live view (WebSocket or polling). Browsers cannot set
 * headers on a WebSocket, so the view's URL carries a token instead of a credential: it names
 * exactly one subscription (one citizen's ticket, or a branch's counter/reception view) and
 * expires. Signed JWTs (HS256, via jose) with LIVE_TOKEN_SECRET.
 */
import { signToken, verifyToken, type SignedTokenSecret } from "../auth/signed-token";
import { z } from "zod";

const TICKET_AUDIENCE = "live:ticket";
const STAFF_AUDIENCE = "live:staff";
/** A citizen's token lasts the service day and a little more; staff tokens one shift. */
const TICKET_TOKEN_TTL_S = 36 * 3600;
const STAFF_TOKEN_TTL_S = 12 * 3600;

const liveSecret = (env: Env): SignedTokenSecret => ({ value: env.LIVE_TOKEN_SECRET, name: "LIVE_TOKEN_SECRET" });

function sign(env: Env, audience: string, claims: Record<string, unknown>, ttlS: number): Promise<string> {
  return signToken(liveSecret(env), audience, claims, ttlS);
}

function verify(env: Env, token: string, audience: string): Promise<Record<string, unknown> | null> {
  return verifyToken(liveSecret(env), token, audience);
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
