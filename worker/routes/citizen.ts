/**
 * A citizen's own numbers: book, list, look at one, cancel. Identity comes from `citizenOf`
 * (session cookie, session bearer token or a city platform's JWT: worker/auth/citizen.ts);
 * nobody reads another person's ticket.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { bookTicketBody } from "../../shared/api-schemas";
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { book, branchDay, cancelBooking, citizenLedger, parseTicketId } from "../booking";
import { readJson, validate } from "../http/body";
import { guardCitizenBooking, throttleBookingCitizen, throttleBookingIp } from "../http/booking-guards";
import { orProblem, ProblemError } from "../http/problem";
import { bookingChannelOf, citizenOf, requireCurrentConsent } from "../auth/citizen";
import { citizenKeys } from "../identity/citizen-key";
import { ticketLiveToken } from "../identity/live-tokens";
import { notificationChannels, pushTargetProblem, type NotifyEnv } from "../notify";
import { requireBranch, requirePlan, todayAt } from "./public";

export const citizenRoutes = new Hono<{ Bindings: Env }>();

/** Idempotency-Key: printable ASCII, at most 128 characters (a UUID fits). */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,128}$/, "Idempotency-Key: 1–128 printable ASCII characters");

/** Where and with what token the ticket's holder can watch it live (WebSocket or polling). */
export async function liveAccess(env: Env, ticketId: string): Promise<{ token: string; url: string }> {
  const token = await ticketLiveToken(env, ticketId);
  return { token, url: `/api/v1/live/tickets/${ticketId}?token=${encodeURIComponent(token)}` };
}

/** The request's waitUntil, for work that may finish after the reply (none outside a request). */
function deferTo(c: Context): ((work: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    return undefined;
  }
}

export function idempotencyKeyOf(c: Context): string | null {
  const raw = c.req.header("idempotency-key");
  return raw === undefined ? null : validate(idempotencyKeySchema, raw);
}

citizenRoutes.post("/tickets", async (c) => {
  // The per-IP throttle is decided first; verifying the token meanwhile only saves time.
  const verifying = citizenOf(c);
  verifying.catch(() => undefined); // observed below, after the throttle
  await throttleBookingIp(c);
  const citizen = await verifying;
  requireCurrentConsent(c.env, citizen);
  const body = await readJson(c, bookTicketBody);
  const idempotencyKey = idempotencyKeyOf(c);
  await guardCitizenBooking(c, citizen);
  const branch = await requireBranch(c.env, body.branchId);
  const plan = await requirePlan(c.env, branch.id, body.serviceDate ?? todayAt(branch));
  const booked = orProblem(
    await book(
      c.env,
      { citizen, plan, fieldCode: body.fieldCode, channel: bookingChannelOf(citizen), priority: null, verifiedBy: null, idempotencyKey },
      deferTo(c),
    ),
  );
  return c.json({ ticket: booked.ticket, replay: booked.replay, live: await liveAccess(c.env, booked.ticket.id) }, booked.replay ? 200 : 201);
});

/**
 * Today's and upcoming tickets, live from their branch-days: from the citizen's ledger and,
 * during a key rotation, from their previous-key ledgers (numbers booked before it).
 */
citizenRoutes.get("/tickets", async (c) => {
  const citizen = await citizenOf(c);
  const keys = citizenKeys(citizen);
  const today = localDateOf(now(), VN_TIME_ZONE);
  const reservations = (await Promise.all(keys.map((key) => citizenLedger(c.env, key).list(today))))
    .flat()
    .sort((a, b) => a.serviceDate.localeCompare(b.serviceDate) || a.createdAt - b.createdAt);
  const tickets = await Promise.all(
    reservations
      .filter((r) => r.ticketId !== null && (r.status === "confirmed" || r.status === "cancelled"))
      .map(async (r) => {
        const ref = parseTicketId(r.ticketId!)!;
        const found = await branchDay(c.env, ref.branchId, ref.date).citizenTicket(ref.seq, keys);
        return found.ok ? found.ticket : null;
      }),
  );
  const mine = tickets.filter((t) => t !== null);
  return c.json({ tickets: await Promise.all(mine.map(async (t) => ({ ...t, live: await liveAccess(c.env, t.id) }))) });
});

citizenRoutes.get("/tickets/:ticketId", async (c) => {
  const citizen = await citizenOf(c);
  const ref = parseTicketId(c.req.param("ticketId"));
  if (!ref) throw new ProblemError("ticket_not_found");
  const found = orProblem(await branchDay(c.env, ref.branchId, ref.date).citizenTicket(ref.seq, citizenKeys(citizen)));
  return c.json({ ticket: found.ticket, live: await liveAccess(c.env, found.ticket.id) });
});

citizenRoutes.post("/tickets/:ticketId/cancel", async (c) => {
  await throttleBookingIp(c);
  const citizen = await citizenOf(c);
  await throttleBookingCitizen(c, citizen);
  const cancelled = orProblem(await cancelBooking(c.env, citizen, c.req.param("ticketId")));
  return c.json({ ticket: cancelled.ticket });
});

/** A browser push subscription, as `PushSubscription.toJSON()` gives it. */
export const pushSubscriptionBody = z.strictObject({
  endpoint: z.url().max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(64) }),
});

/** The citizen's page asks to be told "your turn is near" / "you are called" by web push. */
citizenRoutes.post("/tickets/:ticketId/push-subscription", async (c) => {
  const citizen = await citizenOf(c);
  const ref = parseTicketId(c.req.param("ticketId"));
  if (!ref) throw new ProblemError("ticket_not_found");
  const body = await readJson(c, pushSubscriptionBody);
  const target = { endpoint: body.endpoint, keys: body.keys };
  const problem = pushTargetProblem(target);
  if (problem) throw new ProblemError("invalid_request", { errors: [{ path: "endpoint", message: problem }] });
  orProblem(await branchDay(c.env, ref.branchId, ref.date).setPushTarget(ref.seq, citizenKeys(citizen), target));
  return c.json({ subscribed: true }, 201);
});

citizenRoutes.delete("/tickets/:ticketId/push-subscription", async (c) => {
  const citizen = await citizenOf(c);
  const ref = parseTicketId(c.req.param("ticketId"));
  if (!ref) throw new ProblemError("ticket_not_found");
  orProblem(await branchDay(c.env, ref.branchId, ref.date).setPushTarget(ref.seq, citizenKeys(citizen), null));
  return c.json({ subscribed: false });
});

/** The VAPID public key the page subscribes with (null when web push is not configured). */
citizenRoutes.get("/push/public-key", (c) => {
  return c.json({ publicKey: notificationChannels(c.env as unknown as NotifyEnv).vapidPublicKey });
});
