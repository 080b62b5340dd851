/**
 * What stands between a request and the booking objects (anti-fraud from the pilot: "IP limits
 * and time limits stop racing and fraud"). Nothing here touches a Durable Object.
 *
 * - Per IP (RL_BOOKING_IP, 30 a minute in wrangler.toml): every booking or cancel attempt, counted
 *   before anything else is done for it, signed in or not, well-formed or not.
 * - Per citizen (RL_BOOKING_CITIZEN, 10 a minute): attempts that passed validation (a malformed
 *   request is refused by the Worker alone, cheaper than the throttle call, and can race for
 *   nothing); keyed by the citizen key, so changing address does not help.
 * - The human check (Turnstile, when configured) for browser sessions.
 * - Consent withdrawn since the session began: the citizen's ledger refuses online bookings
 *   itself (no D1 read here); only while a citizen-key rotation is in progress is D1 asked too,
 *   because a withdrawal made under the previous key lives in the previous ledger.
 *
 * The exact quotas (2 numbers a day, 1 per field) are not here: the citizen ledger keeps them.
 *
 * Why the two throttles run one after the other rather than in parallel: `limit()` counts the
 * attempt whatever the answer, and there is no way to take a count back. Started together, the
 * per-citizen throttle would also count attempts the IP throttle refuses and malformed ones; a
 * citizen behind a shared (carrier-grade NAT) address who retries while the address is throttled
 * would use up their own 10 a minute and be refused later for attempts that were never
 * examined. What can overlap without changing any decision already does: the token is verified
 * while the IP throttle decides (worker/routes/citizen.ts). Overlapping saves latency, not CPU.
 */
import type { Context } from "hono";
import { requireHumanCheck } from "../identity/turnstile";
import { requireConsentNotWithdrawn } from "../privacy/consent";
import { clientIp, throttle } from "./rate-limit";

/** First thing a booking or cancel route does: the per-IP throttle. */
export async function throttleBookingIp(c: Context<{ Bindings: Env }>): Promise<void> {
  await throttle(c.env.RL_BOOKING_IP, clientIp(c));
}

/** The per-citizen throttle (booking and cancel). */
export async function throttleBookingCitizen(c: Context<{ Bindings: Env }>, citizen: { key: string }): Promise<void> {
  await throttle(c.env.RL_BOOKING_CITIZEN, citizen.key);
}

/** A citizen's own booking, once the request is valid: throttle, human check, consent. */
export async function guardCitizenBooking(c: Context<{ Bindings: Env }>, citizen: { key: string; via?: string; previousKeys?: readonly string[] }): Promise<void> {
  await throttleBookingCitizen(c, citizen);
  await requireHumanCheck(c, citizen);
  for (const key of citizen.previousKeys ?? []) await requireConsentNotWithdrawn(c.env, key);
}
