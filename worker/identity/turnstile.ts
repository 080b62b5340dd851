/**
 * A human check for the public booking page: Cloudflare Turnstile, verified server-side.
 *
 * Off unless the secret `TURNSTILE_SECRET_KEY` is configured. When on, a booking made from a
 * browser session (signed in by OIDC or OTP) must carry the widget's token in the header
 * `CF-Turnstile-Response`; a city platform calling as a microservice (session `via` "platform")
 * did its own checks and is exempt. The token is checked once with siteverify:
 *
 *   POST https://challenges.cloudflare.com/turnstile/v0/siteverify
 *   Content-Type: application/x-www-form-urlencoded
 *   secret=…&response=<token>&remoteip=<CF-Connecting-IP>&idempotency_key=<uuid>
 *
 * A network failure is retried once with the same idempotency key (siteverify then answers the
 * same verdict instead of "already used"). Tokens are single-use and valid for 300 s.
 */
import type { Context } from "hono";
import { ProblemError } from "../http/problem";

export const SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
export const TURNSTILE_HEADER = "cf-turnstile-response";
/** Turnstile tokens are at most 2048 characters. */
const MAX_TOKEN_LENGTH = 2048;
const SITEVERIFY_TIMEOUT_MS = 5_000;

/** Optional secrets, not part of the generated Env type. */
export interface TurnstileEnv {
  TURNSTILE_SECRET_KEY?: string;
  /** When set, the token must have been issued on this hostname (the booking page's). */
  TURNSTILE_EXPECTED_HOSTNAME?: string;
}

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface SiteverifyRequest {
  secret: string;
  token: string;
  remoteIp: string | null;
  idempotencyKey: string;
}

export interface TurnstileVerdict {
  success: boolean;
  /** siteverify's error codes (e.g. "timeout-or-duplicate"); nothing personal. */
  errorCodes: string[];
  hostname: string | null;
  action: string | null;
}

/** The form body siteverify expects. */
export function siteverifyBody(req: SiteverifyRequest): URLSearchParams {
  const form = new URLSearchParams();
  form.set("secret", req.secret);
  form.set("response", req.token);
  if (req.remoteIp) form.set("remoteip", req.remoteIp);
  form.set("idempotency_key", req.idempotencyKey);
  return form;
}

/**
 * Asks siteverify about a token. Throws when siteverify cannot be reached or answers garbage
 * twice (the caller fails closed with 503 `human_check_unavailable`).
 */
export async function siteverify(req: SiteverifyRequest, fetchImpl: FetchLike = (i, init) => fetch(i, init)): Promise<TurnstileVerdict> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetchImpl(SITEVERIFY_URL, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: siteverifyBody(req).toString(),
        signal: AbortSignal.timeout(SITEVERIFY_TIMEOUT_MS),
      });
      if (res.status >= 500) throw new Error(`siteverify answered ${res.status}`);
      const json = (await res.json()) as Record<string, unknown>;
      if (typeof json.success !== "boolean") throw new Error("siteverify answer without success");
      const codes = Array.isArray(json["error-codes"]) ? json["error-codes"].filter((c): c is string => typeof c === "string") : [];
      return {
        success: json.success,
        errorCodes: codes.slice(0, 8),
        hostname: typeof json.hostname === "string" ? json.hostname : null,
        action: typeof json.action === "string" ? json.action : null,
      };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error("siteverify failed");
}

/** Whether the human check is on for this deployment. */
export function turnstileEnabled(env: unknown): boolean {
  const secret = (env as TurnstileEnv).TURNSTILE_SECRET_KEY;
  return typeof secret === "string" && secret.trim() !== "";
}

/**
 * Refuses a browser booking without a valid Turnstile token (403 `human_check_failed`). Does
 * nothing when Turnstile is not configured or the caller is a city platform.
 */
export async function requireHumanCheck(
  c: Context<{ Bindings: Env }>,
  session: { via?: string },
  fetchImpl?: FetchLike,
): Promise<void> {
  if (!turnstileEnabled(c.env) || session.via === "platform") return;
  const env = c.env as unknown as TurnstileEnv;
  const token = c.req.header(TURNSTILE_HEADER)?.trim() ?? "";
  if (token === "" || token.length > MAX_TOKEN_LENGTH) throw new ProblemError("human_check_failed");
  const ip = c.req.header("cf-connecting-ip") ?? null;
  let verdict: TurnstileVerdict;
  try {
    verdict = await siteverify({ secret: env.TURNSTILE_SECRET_KEY!.trim(), token, remoteIp: ip, idempotencyKey: crypto.randomUUID() }, fetchImpl);
  } catch (err) {
    console.error("turnstile siteverify unreachable", err instanceof Error ? err.name : "error");
    throw new ProblemError("human_check_unavailable", { retryAfterSeconds: 5 });
  }
  const expectedHost = env.TURNSTILE_EXPECTED_HOSTNAME?.trim();
  if (!verdict.success || (expectedHost && verdict.hostname !== expectedHost)) throw new ProblemError("human_check_failed");
}
