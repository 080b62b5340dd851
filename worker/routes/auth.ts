/**
 * The citizen's session: who am I, sign out. Sign-in itself lives with each method
 * (worker/routes/auth-oidc.ts, worker/routes/auth-otp.ts; city platforms send a signed bearer
 * token on each call instead, worker/identity/platform-token.ts). Mounted under /api/v1/auth.
 */
import { Hono } from "hono";
import { citizenOf } from "../auth/citizen";
import { endCitizenSession } from "../auth/session";

export const authRoutes = new Hono<{ Bindings: Env }>();

/**
 * Clears the session cookie. 200 whether or not anyone was signed in (signing out twice, or with
 * an expired cookie, is not an error). A bearer token cannot be revoked here: it simply expires.
 */
authRoutes.post("/sign-out", (c) => {
  endCitizenSession(c);
  return c.json({ signedOut: true });
});

/** The signed-in citizen as the service sees them: masked ID, how they signed in, consent, expiry. */
authRoutes.get("/me", async (c) => {
  const session = await citizenOf(c);
  return c.json({
    citizen: {
      idNumberMasked: session.masked,
      method: session.via,
      policyVersion: session.policyVersion,
      currentPolicyVersion: c.env.PRIVACY_POLICY_VERSION,
      consentCurrent: session.policyVersion === c.env.PRIVACY_POLICY_VERSION,
      issuedAt: session.issuedAt,
      expiresAt: session.expiresAt,
    },
  });
});
