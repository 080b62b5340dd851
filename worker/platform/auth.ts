/**
 * Who a city platform call comes from, and what it may do.
 *
 * A platform calls with `Authorization: Bearer <JWT>` signed with its own private key (asymmetric
 * algorithms only, ≤10 minutes, issuer and audience checked: worker/identity/platform-token.ts).
 * The token's `iss` names the caller:
 *   - the platform configured by environment (PLATFORM_ISSUER with PLATFORM_JWKS or
 *     PLATFORM_JWKS_URL, issue 3): client id `env`, every scope — unchanged for existing cities;
 *   - a client an administrator registered (D1 `platform_clients`: its issuer, its public JWKS,
 *     its scopes). Its tokens must carry `aud` = PLATFORM_AUDIENCE (default "sothutu").
 *
 * Scopes: `book` (act for a citizen the token names: book, list, cancel), `read_status` (branch
 * status and reports under /api/v1/platform/...), `events` (manage its webhooks). A missing scope
 * is 403 `platform_scope_missing`. Each call is counted per client, day and scope (usage.ts).
 *
 * For other engineers' routes:
 *   app.get("/api/v1/platform/branches/:branchId/report", platformScope("read_status"), (c) => …c.get("platform")…)
 * or inside a handler: `const client = await requirePlatformScope(c, "read_status");`
 */
import { decodeJwt, type JWTPayload } from "jose";
import type { Context, MiddlewareHandler } from "hono";
import { bearerTokenOf, type CitizenSession } from "../auth/session";
import { ProblemError } from "../http/problem";
import {
  citizenSessionOfPlatformClaims,
  DEFAULT_ID_CLAIM,
  platformConfig,
  verifyPlatformJwt,
  type PlatformConfig,
  type PlatformEnv,
} from "../identity/platform-token";
import { clientByIssuer, ENV_PLATFORM_CLIENT_ID, PLATFORM_SCOPES, type PlatformScope } from "./clients";
import { countUsage } from "./usage";

export type { PlatformScope };

export interface PlatformPrincipal {
  /** `env` for the environment-configured platform, else the registered client's id. */
  clientId: string;
  name: string;
  issuer: string;
  scopes: readonly PlatformScope[];
  registered: boolean;
}

export type PlatformHonoEnv = { Bindings: Env; Variables: { platform: PlatformPrincipal } };

/** The `aud` a registered client's tokens must carry. */
export const DEFAULT_PLATFORM_AUDIENCE = "sothutu";
export function serviceAudience(env: Env): string {
  return (env as unknown as PlatformEnv).PLATFORM_AUDIENCE?.trim() || DEFAULT_PLATFORM_AUDIENCE;
}

interface Verified {
  principal: PlatformPrincipal;
  config: PlatformConfig;
  payload: JWTPayload;
}

function invalid(reason: string, vi: string, en: string): ProblemError {
  return new ProblemError("invalid_token", { reason }, { vi, en });
}

/**
 * Verifies a platform JWT from whichever caller its `iss` names. Throws 401 `invalid_token`
 * (reason `unknown_token` when no platform could have made it, `client_disabled` for a disabled
 * client, or the failed check) or 503 `platform_keys_unavailable`.
 */
async function verifyFromAnyPlatform(env: Env, token: string): Promise<Verified> {
  const envConfig = platformConfig(env);
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    issuer = undefined;
  }
  if (typeof issuer === "string" && !(envConfig && issuer === envConfig.issuer) && issuer.length <= 300) {
    const found = await clientByIssuer(env.DB, issuer);
    if (found) {
      const { client, keys } = found;
      if (client.disabledAt !== null) {
        throw invalid("client_disabled", "Ứng dụng nền tảng này đã bị vô hiệu hoá.", "This platform client has been disabled.");
      }
      const config: PlatformConfig = {
        keys,
        issuer: client.issuer,
        audience: serviceAudience(env),
        idClaim: envConfig?.idClaim ?? DEFAULT_ID_CLAIM,
      };
      const payload = await verifyPlatformJwt(config, token);
      return { principal: { clientId: client.id, name: client.name, issuer: client.issuer, scopes: client.scopes, registered: true }, config, payload };
    }
  }
  // The environment's platform (also for a token it cannot name: the check that fails, e.g.
  // `issuer` or `malformed`, is reported as before registered clients existed).
  if (!envConfig) throw invalid("unknown_token", "Mã xác thực không do nền tảng nào đã đăng ký phát hành.", "The token was not issued by any registered platform.");
  const payload = await verifyPlatformJwt(envConfig, token);
  return {
    principal: { clientId: ENV_PLATFORM_CLIENT_ID, name: "platform (environment)", issuer: envConfig.issuer, scopes: PLATFORM_SCOPES, registered: false },
    config: envConfig,
    payload,
  };
}

function scopeMissing(scope: PlatformScope): ProblemError {
  return new ProblemError(
    "platform_scope_missing",
    { reason: scope },
    { vi: `Ứng dụng nền tảng chưa được cấp quyền "${scope}".`, en: `The platform client lacks the "${scope}" scope.` },
  );
}

const principals = new WeakMap<Request, Promise<PlatformPrincipal>>();
// Scopes already counted for a request: a handler behind `platformScope` that also calls
// `requirePlatformScope` is one use, not two.
const counted = new WeakMap<Request, Set<PlatformScope>>();

/**
 * The calling platform client, checked for `scope` and counted (usage per client, day and scope).
 * 401 `unauthorized` without a bearer, 401 `invalid_token` for a bad one, 403
 * `platform_scope_missing` when the client lacks the scope.
 */
export async function requirePlatformScope<E extends { Bindings: Env }>(c: Context<E>, scope: PlatformScope): Promise<PlatformPrincipal> {
  let pending = principals.get(c.req.raw);
  if (!pending) {
    const token = bearerTokenOf(c);
    pending = token === undefined ? Promise.reject(new ProblemError("unauthorized")) : verifyFromAnyPlatform(c.env, token).then((v) => v.principal);
    pending.catch(() => {}); // rejection is observed by the awaiting caller
    principals.set(c.req.raw, pending);
  }
  const principal = await pending;
  if (!principal.scopes.includes(scope)) throw scopeMissing(scope);
  let done = counted.get(c.req.raw);
  if (!done) counted.set(c.req.raw, (done = new Set()));
  if (!done.has(scope)) {
    done.add(scope);
    countUsage(c, principal.clientId, scope);
  }
  return principal;
}

/** Middleware form: `platformScope("read_status")`; the handler reads `c.get("platform")`. */
export function platformScope(scope: PlatformScope): MiddlewareHandler<PlatformHonoEnv> {
  return async (c, next) => {
    c.set("platform", await requirePlatformScope(c, scope));
    await next();
  };
}

/**
 * A citizen named by a platform token (worker/auth/citizen.ts): the caller must hold `book`.
 * Counted as `book` usage.
 */
export async function citizenFromPlatformToken<E extends { Bindings: Env }>(c: Context<E>, token: string): Promise<CitizenSession> {
  const { principal, config, payload } = await verifyFromAnyPlatform(c.env, token);
  if (!principal.scopes.includes("book")) throw scopeMissing("book");
  const session = await citizenSessionOfPlatformClaims(c.env, config, payload);
  countUsage(c, principal.clientId, "book");
  return session;
}
