/**
 * The signed-in citizen's personal-data rights (Personal Data Protection Law 91/2025, Decree
 * 356/2025), mounted at /api/v1/me:
 *
 *   GET    /api/v1/me           everything held about them (masked ID, consents, today's and
 *                               upcoming numbers, whether a phone is held, history count)
 *   POST   /api/v1/me/consent   {policyVersion}: consent (again) to the current policy
 *   DELETE /api/v1/me/consent   withdraw consent: online booking is refused until given again
 *   DELETE /api/v1/me           delete: unlink history, forget the citizen, sign out
 *
 * No raw ID number and no phone number ever appears in these answers.
 */
import { Hono } from "hono";
import { z } from "zod";
import { now } from "../../shared/clock";
import { citizenOf } from "../auth/citizen";
import { endCitizenSession, startCitizenSession } from "../auth/session";
import { readJson } from "../http/body";
import { citizenKeys } from "../identity/citizen-key";
import { throttleBookingCitizen, throttleBookingIp } from "../http/booking-guards";
import { ProblemError } from "../http/problem";
import { listConsents, recordConsent, withdrawConsent } from "../privacy/consent";
import { eraseCitizen } from "../privacy/erasure";
import { subjectAccess } from "../privacy/subject-access";
import { citizenLedger } from "../booking";

export const meRoutes = new Hono<{ Bindings: Env }>();

export const consentBody = z.strictObject({ policyVersion: z.string().min(1).max(64) });

meRoutes.get("/", async (c) => {
  const session = await citizenOf(c);
  return c.json(await subjectAccess(c.env, session));
});

meRoutes.post("/consent", async (c) => {
  const session = await citizenOf(c);
  const { policyVersion } = await readJson(c, consentBody);
  const current = c.env.PRIVACY_POLICY_VERSION;
  if (policyVersion !== current) {
    throw new ProblemError("invalid_request", {
      errors: [{ path: "policyVersion", message: `not the current policy version (${current})` }],
      policyVersion: current,
    });
  }
  // A browser session gets a fresh cookie carrying the consent (claim `pv`), which also records
  // it; a city platform asserts consent in its own tokens, so only the record is made.
  if (session.via === "platform") {
    await recordConsent(c.env.DB, session.key, current, now());
    await citizenLedger(c.env, session.key).setConsentWithdrawn(null);
  } else await startCitizenSession(c, session, session.via, current);
  return c.json({ policyVersion: current, consents: await listConsents(c.env.DB, session.key) });
});

meRoutes.delete("/consent", async (c) => {
  const session = await citizenOf(c);
  const withdrawn = await withdrawConsent(c.env.DB, session.key, now(), { policyVersion: c.env.PRIVACY_POLICY_VERSION, givenAt: session.issuedAt });
  // The ledger refuses online bookings from now on (checked where every booking passes).
  await citizenLedger(c.env, session.key).setConsentWithdrawn(now());
  return c.json({ withdrawn, consents: await listConsents(c.env.DB, session.key) });
});

meRoutes.delete("/", async (c) => {
  // The same throttles as booking: deleting and re-booking in a loop is a booking pattern.
  await throttleBookingIp(c);
  const session = await citizenOf(c);
  await throttleBookingCitizen(c, session);
  const result = await eraseCitizen(c.env, citizenKeys(session));
  endCitizenSession(c);
  return c.json({ deleted: true, ...result });
});
