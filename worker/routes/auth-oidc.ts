/**
 * Citizen sign-in with the national SSO (OpenID Connect, worker/identity/oidc.ts). Mounted under
 * /api/v1/auth/oidc:
 *
 * - `GET /start?returnTo=/path&consent=<policy version>`: 302 to the provider. The sign-in page
 *   sends `consent` only once the citizen has accepted the current personal-data policy
 *   (PRIVACY_POLICY_VERSION); anything else is refused with `consent_required`.
 * - `GET /callback?code&state`: the provider sends the citizen back here; on success a citizen
 *   session cookie is set (consent recorded) and the answer is a 302 to `returnTo`. Failures are
 *   problems (`sso_flow_invalid`, `sso_sign_in_failed`, `invalid_id_number`, `sso_unavailable`),
 *   and the flow cookie is cleared either way.
 *
 * Both are throttled per IP (RL_SIGNIN_IP).
 */
import { Hono, type Context } from "hono";
import { startCitizenSession } from "../auth/session";
import { standInAwareFetch } from "../dev/idp";
import { problem, ProblemError } from "../http/problem";
import { clientIp, throttle } from "../http/rate-limit";
import { beginOidcSignIn, completeOidcSignIn, OIDC_FLOW_COOKIE, oidcProvider, safeReturnTo, type OidcProvider } from "../identity/oidc";

export const oidcRoutes = new Hono<{ Bindings: Env }>();

type Ctx = Context<{ Bindings: Env }>;

function executionCtxOf(c: Ctx): Ctx["executionCtx"] | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

function providerFor(c: Ctx): OidcProvider {
  const origin = new URL(c.req.url).origin;
  const found = oidcProvider(c.env, origin, standInAwareFetch(c.env, executionCtxOf(c), origin));
  if (!found.ok) {
    // Names of settings only, so an operator sees what to configure.
    console.warn("oidc sign-in is not configured", { missing: found.missing });
    throw new ProblemError("sso_not_configured");
  }
  return found.provider;
}

function consentDetail(version: string) {
  return {
    vi: `Vui lòng đọc và đồng ý với chính sách xử lý dữ liệu cá nhân (phiên bản ${version}) trước khi đăng nhập.`,
    en: `Please read and accept the personal data policy (version ${version}) before signing in.`,
  };
}

oidcRoutes.get("/start", async (c) => {
  await throttle(c.env.RL_SIGNIN_IP, clientIp(c));
  const provider = providerFor(c);
  const returnTo = safeReturnTo(c.req.query("returnTo"));
  if (returnTo === null) {
    throw new ProblemError("invalid_request", { errors: [{ path: "returnTo", message: "returnTo must be a path on this site, starting with a single /" }] });
  }
  const current = c.env.PRIVACY_POLICY_VERSION;
  if (c.req.query("consent") !== current) throw new ProblemError("consent_required", { policyVersion: current }, consentDetail(current));
  const url = await beginOidcSignIn(c, provider, { returnTo, consentedPolicyVersion: current });
  return c.redirect(url.href, 302);
});

oidcRoutes.get("/callback", async (c) => {
  await throttle(c.env.RL_SIGNIN_IP, clientIp(c));
  try {
    const signIn = await completeOidcSignIn(c, providerFor(c));
    // The policy may have changed while the citizen was at the provider: consent is to the current one.
    const current = c.env.PRIVACY_POLICY_VERSION;
    if (signIn.consentedPolicyVersion !== current) throw new ProblemError("consent_required", { policyVersion: current }, consentDetail(current));
    await startCitizenSession(c, signIn.identity, "oidc", signIn.consentedPolicyVersion);
    return c.redirect(signIn.returnTo, 302);
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    // Rendered here rather than by the app's error handler so the flow cookie is cleared too.
    const res = problem(c, err.code, err.facts, err.detail);
    res.headers.append("set-cookie", `${OIDC_FLOW_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax`);
    return res;
  }
});
