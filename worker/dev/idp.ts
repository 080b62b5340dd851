/**
 * Stand-in identity provider for local development and tests, modelled on the national SSO
 * (OpenID Connect authorization code flow backed by VNeID): discovery, an authorize page where the
 * developer types an ID number, a token endpoint that checks the client, the redirect URI and the
 * PKCE verifier (S256), JWKS and userinfo with the SSO's claims (`SoDinhDanh`, `HoVaTen`,
 * `NgayThangNamSinh`).
 *
 * It answers only where DEV_STAND_INS is "1" (local `.dev.vars`/wrangler dev, tests); production
 * sets "0" and every path here is a 404 (the guard below runs for each request, however the app is
 * reached). Its signing key is generated once per isolate and its codes and access tokens live in
 * isolate memory: a restart forgets them, which is fine for a stand-in.
 */
import { Hono, type Context } from "hono";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { now } from "../../shared/clock";
import { problem } from "../http/problem";

export const DEV_IDP_PATH = "/dev/idp";
/** The one client the stand-in knows: the service itself. Not a secret (dev only). */
export const DEV_CLIENT_ID = "sothutu-dev";
export const DEV_CLIENT_SECRET = "sothutu-dev-client-secret";
/** Where the service receives the authorization response (worker/routes/auth-oidc.ts). */
export const OIDC_CALLBACK_PATH = "/api/v1/auth/oidc/callback";

const ALG = "ES256";
const CODE_TTL_MS = 60_000;
const TOKEN_TTL_S = 300;

/** The issuer of the stand-in serving `origin` ("http://127.0.0.1:8787" → ".../dev/idp"). */
export function devIssuer(origin: string): string {
  return `${origin}${DEV_IDP_PATH}`;
}

// ---- Per-isolate state ---------------------------------------------------------------------------

interface DevUser {
  sub: string;
  idNumber: string;
  name: string;
  birthDate: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  user: DevUser;
  expiresAt: number;
}

interface AccessGrant {
  user: DevUser;
  expiresAt: number;
}

const codes = new Map<string, PendingCode>();
const accessTokens = new Map<string, AccessGrant>();

function purgeExpired(): void {
  const t = now();
  for (const [k, v] of codes) if (v.expiresAt <= t) codes.delete(k);
  for (const [k, v] of accessTokens) if (v.expiresAt <= t) accessTokens.delete(k);
}

interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

let signingKey: Promise<SigningKey> | null = null;

function key(): Promise<SigningKey> {
  if (!signingKey) {
    const made = (async () => {
      const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
      const kid = randomToken(8);
      return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" } };
    })();
    signingKey = made;
    made.catch(() => {
      if (signingKey === made) signingKey = null;
    });
  }
  return signingKey;
}

function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256url(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** A stable pairwise-looking subject, so `sub` is not the ID number itself (as at the real SSO). */
async function subjectOf(idNumber: string): Promise<string> {
  return `dev-${(await sha256url(`sothutu-dev-idp:${idNumber}`)).slice(0, 22)}`;
}

/** YYYYMMDD from the ID number's century digit and year digits (day and month made up). */
function birthDateOf(idNumber: string): string {
  if (!/^\d{12}$/.test(idNumber)) return "19900101";
  const century = 1900 + Math.floor(Number(idNumber.charAt(3)) / 2) * 100;
  return `${century + Number(idNumber.slice(4, 6))}0101`;
}

// ---- The app -------------------------------------------------------------------------------------

export const devIdp = new Hono<{ Bindings: Env }>().basePath(DEV_IDP_PATH);

// Checked per request: the same deploy answers 404 here unless DEV_STAND_INS is "1".
devIdp.use("*", async (c, next) => {
  if (c.env.DEV_STAND_INS !== "1") return problem(c, "not_found");
  await next();
  c.header("cache-control", "no-store");
});

function originOf(c: Context): string {
  return new URL(c.req.url).origin;
}

devIdp.get("/.well-known/openid-configuration", (c) => {
  const issuer = devIssuer(originOf(c));
  return c.json({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [ALG],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    scopes_supported: ["openid"],
    claims_supported: ["sub", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh"],
    authorization_response_iss_parameter_supported: true,
  });
});

devIdp.get("/jwks", async (c) => c.json({ keys: [(await key()).jwk] }));

// ---- /authorize ----------------------------------------------------------------------------------

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  scope: string;
}

type Checked = { ok: true; req: AuthorizeRequest } | { ok: false; page: string } | { ok: false; redirect: string };

const PKCE_CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;
const PARAM_RE = /^[\x20-\x7e]{1,512}$/;

/** Validates the authorization request as a provider would: bad client or redirect → error page. */
function checkAuthorizeRequest(c: Context, p: Record<string, string | undefined>): Checked {
  const expectedRedirect = `${originOf(c)}${OIDC_CALLBACK_PATH}`;
  if (p.client_id !== DEV_CLIENT_ID) return { ok: false, page: "Unknown client_id." };
  if (p.redirect_uri !== expectedRedirect) return { ok: false, page: `redirect_uri must be ${expectedRedirect}.` };
  const state = p.state ?? null;
  const nonce = p.nonce ?? null;
  const fail = (error: string, description: string): Checked => {
    const url = new URL(expectedRedirect);
    url.searchParams.set("error", error);
    url.searchParams.set("error_description", description);
    if (state !== null && PARAM_RE.test(state)) url.searchParams.set("state", state);
    url.searchParams.set("iss", devIssuer(originOf(c)));
    return { ok: false, redirect: url.href };
  };
  if (p.response_type !== "code") return fail("unsupported_response_type", "only response_type=code");
  if (!(p.scope ?? "").split(" ").includes("openid")) return fail("invalid_scope", "scope must include openid");
  if (p.code_challenge_method !== "S256" || !PKCE_CHALLENGE_RE.test(p.code_challenge ?? "")) {
    return fail("invalid_request", "PKCE with code_challenge_method=S256 is required");
  }
  if ((state !== null && !PARAM_RE.test(state)) || (nonce !== null && !PARAM_RE.test(nonce))) {
    return fail("invalid_request", "state or nonce malformed");
  }
  return { ok: true, req: { clientId: p.client_id, redirectUri: p.redirect_uri, state, nonce, codeChallenge: p.code_challenge!, scope: p.scope! } };
}

async function approve(c: Context, req: AuthorizeRequest, idNumber: string, name: string): Promise<Response> {
  purgeExpired();
  const user: DevUser = { sub: await subjectOf(idNumber), idNumber, name, birthDate: birthDateOf(idNumber) };
  const code = randomToken();
  codes.set(code, { clientId: req.clientId, redirectUri: req.redirectUri, codeChallenge: req.codeChallenge, nonce: req.nonce, user, expiresAt: now() + CODE_TTL_MS });
  const url = new URL(req.redirectUri);
  url.searchParams.set("code", code);
  if (req.state !== null) url.searchParams.set("state", req.state);
  url.searchParams.set("iss", devIssuer(originOf(c)));
  return c.redirect(url.href, 302);
}

function deny(c: Context, req: AuthorizeRequest): Response {
  const url = new URL(req.redirectUri);
  url.searchParams.set("error", "access_denied");
  url.searchParams.set("error_description", "The citizen declined");
  if (req.state !== null) url.searchParams.set("state", req.state);
  url.searchParams.set("iss", devIssuer(originOf(c)));
  return c.redirect(url.href, 302);
}

function refused(c: Context, checked: Exclude<Checked, { ok: true }>): Response {
  if ("redirect" in checked) return c.redirect(checked.redirect, 302);
  return c.html(page("Yêu cầu không hợp lệ / Invalid request", `<p>${escapeHtml(checked.page)}</p>`), 400);
}

// The stand-in takes any login hint up to 64 characters, valid or not: the service, not the
// provider, must refuse a malformed ID number, and tests check that it does.
const HINT_RE = /^[\x20-\x7e]{1,64}$/;

devIdp.get("/authorize", async (c) => {
  const checked = checkAuthorizeRequest(c, c.req.query());
  if (!checked.ok) return refused(c, checked);
  const hint = c.req.query("login_hint");
  if (hint !== undefined && HINT_RE.test(hint)) return approve(c, checked.req, hint.trim(), "Công Dân Thử Nghiệm");
  return c.html(loginPage(checked.req));
});

devIdp.post("/authorize", async (c) => {
  const form = await c.req.parseBody();
  const fields: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(form)) if (typeof v === "string") fields[k] = v;
  const checked = checkAuthorizeRequest(c, fields);
  if (!checked.ok) return refused(c, checked);
  if (fields.action === "deny") return deny(c, checked.req);
  const idNumber = (fields.id_number ?? "").trim();
  const name = (fields.name ?? "").trim().slice(0, 100) || "Công Dân Thử Nghiệm";
  if (!HINT_RE.test(idNumber)) return c.html(loginPage(checked.req, "Nhập số định danh cá nhân / Enter an ID number."), 400);
  return approve(c, checked.req, idNumber, name);
});

// ---- /token --------------------------------------------------------------------------------------

function tokenError(c: Context, status: 400 | 401, error: string, description: string): Response {
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (status === 401) headers["www-authenticate"] = 'Basic realm="sothutu-dev-idp"';
  return c.json({ error, error_description: description }, status, headers);
}

/** client_secret_basic or client_secret_post → [id, secret], or null when absent or malformed. */
function clientCredentials(c: Context, form: Record<string, string | undefined>): [string, string] | null {
  const header = c.req.header("authorization") ?? "";
  if (header.startsWith("Basic ")) {
    try {
      const decoded = atob(header.slice(6).trim());
      const colon = decoded.indexOf(":");
      if (colon < 0) return null;
      return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
    } catch {
      return null;
    }
  }
  if (form.client_id !== undefined && form.client_secret !== undefined) return [form.client_id, form.client_secret];
  return null;
}

const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;

devIdp.post("/token", async (c) => {
  const body = await c.req.parseBody();
  const form: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v;

  const creds = clientCredentials(c, form);
  if (!creds || creds[0] !== DEV_CLIENT_ID || creds[1] !== DEV_CLIENT_SECRET) return tokenError(c, 401, "invalid_client", "client authentication failed");
  if (form.grant_type !== "authorization_code") return tokenError(c, 400, "unsupported_grant_type", "only authorization_code");

  purgeExpired();
  const pending = form.code === undefined ? undefined : codes.get(form.code);
  // A code is good for one attempt, whatever its outcome.
  if (form.code !== undefined) codes.delete(form.code);
  if (!pending || pending.expiresAt <= now()) return tokenError(c, 400, "invalid_grant", "unknown, used or expired code");
  if (pending.clientId !== creds[0]) return tokenError(c, 400, "invalid_grant", "code issued to another client");
  if (form.redirect_uri !== pending.redirectUri) return tokenError(c, 400, "invalid_grant", "redirect_uri does not match");
  const verifier = form.code_verifier ?? "";
  if (!VERIFIER_RE.test(verifier) || (await sha256url(verifier)) !== pending.codeChallenge) {
    return tokenError(c, 400, "invalid_grant", "PKCE verification failed");
  }

  const iat = Math.floor(now() / 1000);
  const accessToken = randomToken();
  accessTokens.set(accessToken, { user: pending.user, expiresAt: now() + TOKEN_TTL_S * 1000 });
  const signer = await key();
  const idToken = await new SignJWT({ ...(pending.nonce !== null ? { nonce: pending.nonce } : {}), auth_time: iat })
    .setProtectedHeader({ alg: ALG, kid: signer.jwk.kid, typ: "JWT" })
    .setIssuer(devIssuer(originOf(c)))
    .setSubject(pending.user.sub)
    .setAudience(pending.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_S)
    .sign(signer.privateKey);
  return c.json({ access_token: accessToken, token_type: "Bearer", expires_in: TOKEN_TTL_S, id_token: idToken, scope: "openid" }, 200, { "cache-control": "no-store" });
});

// ---- /userinfo -----------------------------------------------------------------------------------

async function userinfo(c: Context): Promise<Response> {
  const header = c.req.header("authorization") ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  const grant = accessTokens.get(token);
  if (!grant || grant.expiresAt <= now()) {
    return c.json({ error: "invalid_token" }, 401, { "www-authenticate": 'Bearer error="invalid_token"' });
  }
  const u = grant.user;
  return c.json({ sub: u.sub, SoDinhDanh: u.idNumber, HoVaTen: u.name, NgayThangNamSinh: u.birthDate });
}

devIdp.get("/userinfo", userinfo);
devIdp.post("/userinfo", userinfo);

// ---- In-process routing ---------------------------------------------------------------------------

export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The HTTP client the OIDC client uses: calls to this origin's stand-in go straight to the
 * stand-in app (workerd tests have no network; wrangler dev would loop back to itself), anything
 * else to the network. Outside DEV_STAND_INS="1" it is plain `fetch`.
 */
export function standInAwareFetch(env: Env, ctx: Parameters<typeof devIdp.fetch>[2], origin: string): HttpFetch {
  const prefix = `${devIssuer(origin)}/`;
  return (url, init) => {
    if (env.DEV_STAND_INS === "1" && url.startsWith(prefix)) return Promise.resolve(devIdp.fetch(new Request(url, init), env, ctx));
    return fetch(url, init);
  };
}

// ---- HTML ----------------------------------------------------------------------------------------

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}
.dev{background:#fde68a;padding:.5rem;border-radius:.25rem}label{display:block;margin:.75rem 0}
input{width:100%;padding:.4rem;font-size:1rem}button{padding:.5rem 1rem;margin-right:.5rem}</style>
</head><body><p class="dev">Nhà cung cấp định danh giả lập — chỉ dùng khi phát triển.<br>Stand-in identity provider — development only.</p>
<h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loginPage(req: AuthorizeRequest, error?: string): string {
  const hidden: Array<[string, string | null]> = [
    ["response_type", "code"],
    ["client_id", req.clientId],
    ["redirect_uri", req.redirectUri],
    ["scope", req.scope],
    ["state", req.state],
    ["nonce", req.nonce],
    ["code_challenge", req.codeChallenge],
    ["code_challenge_method", "S256"],
  ];
  const inputs = hidden
    .filter((h): h is [string, string] => h[1] !== null)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  return page(
    "Đăng nhập (giả lập VNeID)",
    `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${DEV_IDP_PATH}/authorize">${inputs}
<label>Số định danh cá nhân (12 chữ số)<input name="id_number" inputmode="numeric" autocomplete="off" required maxlength="64"></label>
<label>Họ và tên<input name="name" autocomplete="off" maxlength="100" value="Công Dân Thử Nghiệm"></label>
<button type="submit" name="action" value="approve">Đồng ý / Approve</button>
<button type="submit" name="action" value="deny" formnovalidate>Từ chối / Deny</button>
</form>`,
  );
}
