/**
 * OpenID Connect sign-in for citizens (authorization code flow with PKCE S256, state and nonce)
 * against a configured provider modelled on the national SSO (VNeID), with oauth4webapi.
 *
 * - The flow's secrets (state, nonce, PKCE verifier) and where to go afterwards travel in a
 *   short-lived signed HttpOnly cookie (HS256 with SESSION_SECRET, its own audience so it can never
 *   pass for a session), cleared when the provider sends the citizen back.
 * - The ID token is checked for issuer, audience, expiry, nonce and its signature against the
 *   provider's JWKS; the ID number is read from userinfo (then the ID token) under the configured
 *   claim, validated, and turned into the keyed-hash identity at once. Name and birth date are
 *   never kept; nothing from the provider is logged but error codes.
 * - Without OIDC_ISSUER, a deploy with DEV_STAND_INS="1" signs in against the stand-in provider
 *   (worker/dev/idp.ts) at `<origin>/dev/idp` with its fixed dev client.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { signToken, verifyToken, type SignedTokenSecret } from "../auth/signed-token";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { now } from "../../shared/clock";
import { checkPersonalId } from "../../shared/personal-id";
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET, devIssuer, OIDC_CALLBACK_PATH, type HttpFetch } from "../dev/idp";
import { ProblemError } from "../http/problem";
import { citizenIdentity, type CitizenIdentity } from "./citizen-key";

/**
 * OIDC settings are optional (a deploy may offer only OTP and platform sign-in), so wrangler.toml
 * does not declare them and `wrangler types` leaves them out of the generated Env. This view types
 * them where they are read instead of widening Env for everyone. OIDC_CLIENT_SECRET is a secret
 * (`wrangler secret put`); the others are plain vars.
 */
export interface OidcEnv {
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_REDIRECT_URI?: string;
  /** Space-separated; default "openid". */
  OIDC_SCOPES?: string;
  /** Claim carrying the 12-digit ID number; default "SoDinhDanh". */
  OIDC_ID_CLAIM?: string;
}

const DEFAULT_SCOPES = "openid";
const DEFAULT_ID_CLAIM = "SoDinhDanh";
/** Calls to the provider give up after this long (the citizen is waiting on a redirect). */
const PROVIDER_TIMEOUT_MS = 10_000;
/** Provider metadata is re-read after this long (keys rotate through JWKS, cached by oauth4webapi). */
const DISCOVERY_TTL_MS = 3600_000;

export interface OidcProvider {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string;
  idClaim: string;
  /** True when this is the dev stand-in (worker/dev/idp.ts). */
  standIn: boolean;
  /** Plain http is allowed only in development (DEV_STAND_INS="1"). */
  allowInsecure: boolean;
  fetch: HttpFetch;
}

export type ProviderLookup = { ok: true; provider: OidcProvider } | { ok: false; missing: string[] };

/**
 * The provider for this request: the configured one, else the stand-in where DEV_STAND_INS="1",
 * else none (`missing` names the settings to set; a half-configured provider is not used).
 */
export function oidcProvider(env: Env, origin: string, httpFetch: HttpFetch): ProviderLookup {
  // See OidcEnv: optional settings absent from the generated Env type.
  const o = env as unknown as OidcEnv;
  const dev = env.DEV_STAND_INS === "1";
  const issuer = o.OIDC_ISSUER?.trim();
  if (!issuer) {
    if (!dev) return { ok: false, missing: ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] };
    return {
      ok: true,
      provider: {
        issuer: new URL(devIssuer(origin)),
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        redirectUri: `${origin}${OIDC_CALLBACK_PATH}`,
        scopes: DEFAULT_SCOPES,
        idClaim: DEFAULT_ID_CLAIM,
        standIn: true,
        allowInsecure: true,
        fetch: httpFetch,
      },
    };
  }
  const missing = (["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const).filter((k) => !o[k]?.trim());
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    return { ok: false, missing: ["OIDC_ISSUER (not a URL)", ...missing] };
  }
  if (missing.length > 0) return { ok: false, missing };
  return {
    ok: true,
    provider: {
      issuer: issuerUrl,
      clientId: o.OIDC_CLIENT_ID!.trim(),
      clientSecret: o.OIDC_CLIENT_SECRET!.trim(),
      redirectUri: o.OIDC_REDIRECT_URI?.trim() || `${origin}${OIDC_CALLBACK_PATH}`,
      scopes: o.OIDC_SCOPES?.trim() || DEFAULT_SCOPES,
      idClaim: o.OIDC_ID_CLAIM?.trim() || DEFAULT_ID_CLAIM,
      standIn: false,
      allowInsecure: dev,
      fetch: httpFetch,
    },
  };
}

// ---- Talking to the provider ---------------------------------------------------------------------

function httpOptions(p: OidcProvider) {
  return {
    [oauth.customFetch]: p.fetch,
    [oauth.allowInsecureRequests]: p.allowInsecure,
    signal: () => AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
  };
}

/** The client as oauth4webapi sees it; its clock follows the service clock (demo offset, tests). */
function clientOf(p: OidcProvider): oauth.Client {
  return { client_id: p.clientId, [oauth.clockSkew]: Math.round((now() - Date.now()) / 1000) };
}

function clientAuth(as: oauth.AuthorizationServer, p: OidcProvider): oauth.ClientAuth {
  const methods = as.token_endpoint_auth_methods_supported;
  // client_secret_basic is the OIDC default; use _post only where the provider offers nothing else.
  if (Array.isArray(methods) && !methods.includes("client_secret_basic") && methods.includes("client_secret_post")) {
    return oauth.ClientSecretPost(p.clientSecret);
  }
  return oauth.ClientSecretBasic(p.clientSecret);
}

const discovered = new Map<string, { at: number; as: Promise<oauth.AuthorizationServer> }>();

/** Provider metadata, cached per isolate (and per issuer) for an hour; failures are not cached. */
async function discover(p: OidcProvider): Promise<oauth.AuthorizationServer> {
  const key = p.issuer.href;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.as;
  const as = (async () => {
    const res = await oauth.discoveryRequest(p.issuer, { ...httpOptions(p), algorithm: "oidc" });
    return oauth.processDiscoveryResponse(p.issuer, res);
  })();
  discovered.set(key, { at: Date.now(), as });
  try {
    return await as;
  } catch (err) {
    if (discovered.get(key)?.as === as) discovered.delete(key);
    throw failure("sso_unavailable", "discovery", err);
  }
}

/** Logs what went wrong (codes only: never tokens, claims or ID numbers) and builds the problem. */
function failure(code: "sso_unavailable" | "sso_sign_in_failed" | "sso_flow_invalid", stage: string, err?: unknown, providerError?: string): ProblemError {
  const name = err instanceof Error ? err.name : typeof err;
  const errCode = err && typeof err === "object" && "code" in err && typeof err.code === "string" ? err.code : "";
  console.warn("oidc sign-in failed", { stage, problem: code, error: name, code: errCode, ...(providerError ? { providerError } : {}) });
  return new ProblemError(code, { reason: stage, ...(providerError ? { providerError } : {}) });
}

/** A provider's OAuth error code, only if it is a plain token (it is shown to the client). */
function safeErrorCode(value: unknown): string | undefined {
  return typeof value === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : undefined;
}

/** The OAuth error code of a refusal sent as a WWW-Authenticate challenge, or else in its body. */
async function challengeErrorCode(err: oauth.WWWAuthenticateChallengeError): Promise<string | undefined> {
  for (const challenge of err.cause) {
    const code = safeErrorCode(challenge.parameters.error);
    if (code) return code;
  }
  try {
    const body: unknown = await err.response.clone().json();
    return safeErrorCode(body && typeof body === "object" && "error" in body ? body.error : undefined);
  } catch {
    return undefined;
  }
}

/** Maps an error from a token/userinfo exchange to the right problem. */
async function exchangeFailure(stage: string, err: unknown): Promise<ProblemError> {
  if (err instanceof ProblemError) return err;
  if (err instanceof oauth.ResponseBodyError) {
    if (err.status >= 500) return failure("sso_unavailable", stage, err);
    return failure("sso_sign_in_failed", stage, err, safeErrorCode(err.error));
  }
  // A refusal with a WWW-Authenticate challenge (e.g. 401 invalid_client at the token endpoint).
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    if (err.status >= 500) return failure("sso_unavailable", stage, err);
    return failure("sso_sign_in_failed", stage, err, await challengeErrorCode(err));
  }
  // fetch itself failed (network, timeout): the provider is unreachable, not the citizen's fault.
  if (err instanceof TypeError || (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))) {
    return failure("sso_unavailable", stage, err);
  }
  return failure("sso_sign_in_failed", stage, err);
}

async function send(stage: string, request: () => Promise<Response>): Promise<Response> {
  let res: Response;
  try {
    res = await request();
  } catch (err) {
    throw await exchangeFailure(stage, err);
  }
  if (res.status >= 500) {
    await res.body?.cancel();
    throw failure("sso_unavailable", stage);
  }
  return res;
}

// ---- The flow cookie -----------------------------------------------------------------------------

export const OIDC_FLOW_COOKIE = "__Host-sothutu_oidc";
export const OIDC_FLOW_TTL_S = 600;
const FLOW_AUDIENCE = "oidc:flow";

const flowClaims = z.object({
  st: z.string().min(1).max(128),
  no: z.string().min(1).max(128),
  cv: z.string().min(43).max(128),
  rt: z.string().max(512),
  pv: z.string().min(1).max(64),
  is: z.string().max(512),
});

export interface SignInFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  consentedPolicyVersion: string;
  issuer: string;
}

const flowSecret = (env: Env): SignedTokenSecret => ({ value: env.SESSION_SECRET, name: "SESSION_SECRET" });

function sealFlow(env: Env, f: SignInFlow): Promise<string> {
  const claims = { st: f.state, no: f.nonce, cv: f.codeVerifier, rt: f.returnTo, pv: f.consentedPolicyVersion, is: f.issuer };
  return signToken(flowSecret(env), FLOW_AUDIENCE, claims, OIDC_FLOW_TTL_S);
}

async function openFlow(env: Env, token: string | undefined): Promise<SignInFlow | null> {
  const c = flowClaims.safeParse(await verifyToken(flowSecret(env), token, FLOW_AUDIENCE));
  if (!c.success) return null;
  return { state: c.data.st, nonce: c.data.no, codeVerifier: c.data.cv, returnTo: c.data.rt, consentedPolicyVersion: c.data.pv, issuer: c.data.is };
}

// ---- Where to go afterwards ----------------------------------------------------------------------

const RETURN_TO_MAX = 512;

/**
 * A same-origin relative path (`/…`) to return to after sign-in, normalised; null for anything
 * that could leave the site: absolute or scheme-relative URLs (`//evil`, `/\evil`), backslashes,
 * control characters, or a path that resolves to another origin.
 */
export function safeReturnTo(raw: string | undefined): string | null {
  if (raw === undefined || raw === "") return "/";
  if (raw.length > RETURN_TO_MAX) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  if (/[\\\x00-\x20\x7f]/.test(raw)) return null;
  const base = "https://sothutu.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") ? null : path;
}

// ---- The two halves of the flow ------------------------------------------------------------------

function flowCookieOptions(maxAge: number) {
  // Lax, not Strict: the provider sends the citizen back with a top-level cross-site GET.
  return { path: "/", httpOnly: true, secure: true, sameSite: "Lax" as const, maxAge };
}

/**
 * Starts a sign-in: remembers the flow in the cookie and returns the provider's authorization URL
 * to redirect the citizen to.
 */
export async function beginOidcSignIn(c: Context<{ Bindings: Env }>, p: OidcProvider, opts: { returnTo: string; consentedPolicyVersion: string }): Promise<URL> {
  const as = await discover(p);
  if (typeof as.authorization_endpoint !== "string") throw failure("sso_unavailable", "discovery");
  const flow: SignInFlow = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    returnTo: opts.returnTo,
    consentedPolicyVersion: opts.consentedPolicyVersion,
    issuer: p.issuer.href,
  };
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("scope", p.scopes);
  url.searchParams.set("state", flow.state);
  url.searchParams.set("nonce", flow.nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  setCookie(c, OIDC_FLOW_COOKIE, await sealFlow(c.env, flow), flowCookieOptions(OIDC_FLOW_TTL_S));
  return url;
}

export interface OidcSignIn {
  identity: CitizenIdentity;
  returnTo: string;
  consentedPolicyVersion: string;
}

/**
 * Finishes a sign-in at the callback: checks the response against the flow cookie (cleared here
 * whatever happens), redeems the code with the PKCE verifier, validates the ID token and reads the
 * ID number. Throws a ProblemError on any failure.
 */
export async function completeOidcSignIn(c: Context<{ Bindings: Env }>, p: OidcProvider): Promise<OidcSignIn> {
  const flow = await openFlow(c.env, getCookie(c, OIDC_FLOW_COOKIE));
  deleteCookie(c, OIDC_FLOW_COOKIE, { path: "/", secure: true });
  if (!flow) throw failure("sso_flow_invalid", "flow_cookie");
  if (flow.issuer !== p.issuer.href) throw failure("sso_flow_invalid", "issuer_changed");

  const as = await discover(p);
  const client = clientOf(p);
  const http = httpOptions(p);

  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, new URL(c.req.url), flow.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) throw failure("sso_sign_in_failed", "provider_error", err, safeErrorCode(err.error));
    // State missing or different, or an `iss` naming another provider: not this flow's answer.
    throw failure("sso_flow_invalid", "authorization_response", err);
  }

  const tokenResponse = await send("token", () => oauth.authorizationCodeGrantRequest(as, client, clientAuth(as, p), params, p.redirectUri, flow.codeVerifier, http));
  let tokens: oauth.TokenEndpointResponse;
  let idClaims: oauth.IDToken;
  try {
    // Refused grants (bad code, PKCE verifier, client) and ID tokens with the wrong issuer,
    // audience, expiry or nonce fail here…
    tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse, { expectedNonce: flow.nonce, requireIdToken: true });
    // …and a signature that does not verify against the provider's JWKS here.
    await oauth.validateApplicationLevelSignature(as, tokenResponse, http);
    idClaims = oauth.getValidatedIdTokenClaims(tokens)!;
  } catch (err) {
    const refusedGrant = err instanceof oauth.ResponseBodyError || err instanceof oauth.WWWAuthenticateChallengeError;
    throw await exchangeFailure(refusedGrant ? "token" : "id_token", err);
  }

  let userinfo: oauth.UserInfoResponse | null = null;
  if (typeof as.userinfo_endpoint === "string") {
    const res = await send("userinfo", () => oauth.userInfoRequest(as, client, tokens.access_token, http));
    try {
      userinfo = await oauth.processUserInfoResponse(as, client, idClaims.sub, res);
    } catch (err) {
      throw await exchangeFailure("userinfo", err);
    }
  }

  const raw = userinfo?.[p.idClaim] ?? idClaims[p.idClaim];
  if (raw === undefined || raw === null) throw failure("sso_sign_in_failed", "id_claim_missing");
  const checked = checkPersonalId(raw, now());
  if (!checked.ok) {
    console.warn("oidc sign-in failed", { stage: "id_number", reason: checked.reason });
    throw new ProblemError(
      "invalid_id_number",
      { reason: checked.reason },
      {
        vi: "Số định danh cá nhân nhận từ hệ thống đăng nhập không hợp lệ. Vui lòng đăng nhập cách khác hoặc đến quầy lễ tân để được hỗ trợ.",
        en: "The identity provider returned a personal ID number that is not valid. Please sign in another way or go to reception for help.",
      },
    );
  }
  // The provider vouches for the number: an unknown province code (e.g. a birth registered
  // abroad) is accepted here, unlike a number typed on trust.
  return {
    identity: await citizenIdentity(c.env, checked.idNumber),
    returnTo: flow.returnTo,
    consentedPolicyVersion: flow.consentedPolicyVersion,
  };
}
