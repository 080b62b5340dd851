/**
 * Idempotency keys on every state-changing call (POST, PUT, PATCH, DELETE under /api/v1): a
 * client that retries after a lost answer sends the same `Idempotency-Key` and gets the first
 * answer again instead of doing the thing twice.
 *
 * - Scope: the caller, as a SHA-256 of the credential it sent (bearer token, else session
 *   cookie), or of its IP address when anonymous. Another caller's key is another record, so
 *   nobody can read someone else's stored answer by guessing keys. (A refreshed session cookie is
 *   a new credential, hence a new scope: the retry of a call made before the refresh runs again.)
 * - Fingerprint: SHA-256 of method, path with query, and the body bytes.
 * - First request: a placeholder row (status 0) claims (scope, key) in D1 in one statement
 *   (INSERT … ON CONFLICT DO UPDATE … WHERE expired), so two concurrent duplicates cannot both
 *   run: the second gets 409 `idempotency_in_progress`. A 2xx answer is stored and replayed for
 *   24 hours (`Idempotent-Replayed: true`); any other answer deletes the claim (a refused request
 *   changed nothing, so its retry simply runs again). A placeholder left by a crashed request is
 *   taken over after IN_PROGRESS_STALE_MS.
 * - Same key, different request: 422 `idempotency_key_reused`.
 * - Rows older than 24 hours are deleted by the daily retention run (worker/privacy/retention.ts).
 *
 * Which routes take part is written once, in the contract registry (`idempotency` of each
 * RouteDoc in worker/openapi/): "own" routes keep their own keys (booking and walk-in numbers,
 * in the citizen ledger: doubling it here would answer a ledger replay from D1 instead), "none"
 * routes never store (their answers carry a credential — session cookies, live and display
 * tokens, generated passwords — that must not sit in D1, or sign-in/out where a retry is harmless).
 * Routes not (yet) in the registry are handled: the safe default. GETs and WebSocket upgrades
 * pass untouched.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { sha256Hex } from "../../shared/hex";
import { now } from "../../shared/clock";
import { STAFF_COOKIE, CITIZEN_COOKIE } from "../auth/session";
import { documentedRoutes } from "../openapi/routes";
import { isStateChanging } from "../openapi/registry";
import { idempotencyKeyOf } from "../routes/citizen";
import { MAX_BODY_BYTES } from "./body";
import { problem } from "./problem";
import { clientIp } from "./rate-limit";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const IDEMPOTENCY_REPLAYED_HEADER = "Idempotent-Replayed";
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A placeholder older than this belongs to a request that died: a retry may take it over. */
export const IN_PROGRESS_STALE_MS = 60_000;

interface SkipRule {
  method: string;
  re: RegExp;
}

function routeRegex(honoPath: string): RegExp {
  const pattern = honoPath
    .split("/")
    .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${pattern}/?$`);
}

let skipRules: SkipRule[] | null = null;

/** Routes whose Idempotency-Key the middleware leaves alone ("own" or "none" in the registry). */
export function idempotencySkipRules(): SkipRule[] {
  skipRules ??= documentedRoutes
    .filter((r) => r.idempotency === "own" || r.idempotency === "none")
    .map((r) => ({ method: r.method.toUpperCase(), re: routeRegex(r.path) }));
  return skipRules;
}

function skipped(method: string, path: string): boolean {
  return idempotencySkipRules().some((r) => r.method === method && r.re.test(path));
}


/** Who is calling, as a hash of the credential (never stored in clear), or the IP. */
async function scopeOf(c: Context): Promise<string> {
  const auth = c.req.header("authorization");
  if (auth) return `cred:${await sha256Hex(`authorization\n${auth}`)}`;
  const session = getCookie(c, CITIZEN_COOKIE) ?? getCookie(c, STAFF_COOKIE);
  if (session) return `cred:${await sha256Hex(`cookie\n${session}`)}`;
  return `ip:${await sha256Hex(`ip\n${clientIp(c)}`)}`;
}

/** The body's bytes (from a clone, so the handler still reads it), or null when too large. */
async function bodyBytes(c: Context): Promise<Uint8Array | null> {
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) return null;
  const stream = c.req.raw.clone().body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

interface StoredRecord {
  fingerprint: string;
  status: number;
  body: string;
  content_type: string;
}

/** Claims (scope, key) for this request; true when this request may run. */
async function claim(d1: D1Database, scope: string, key: string, fingerprint: string, at: number): Promise<boolean> {
  const res = await d1
    .prepare(
      `INSERT INTO idempotency_records (scope, key, fingerprint, status, body, content_type, created_at)
       VALUES (?1, ?2, ?3, 0, '', '', ?4)
       ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = 0, body = '', content_type = '', created_at = excluded.created_at
       WHERE idempotency_records.created_at < ?5 OR (idempotency_records.status = 0 AND idempotency_records.created_at < ?6)`,
    )
    .bind(scope, key, fingerprint, at, at - IDEMPOTENCY_TTL_MS, at - IN_PROGRESS_STALE_MS)
    .run();
  return (res.meta.changes ?? 0) > 0;
}

export const idempotency: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const method = c.req.method.toUpperCase();
  if (!isStateChanging(method) || c.req.header("idempotency-key") === undefined) return next();
  const path = new URL(c.req.url).pathname;
  if (skipped(method, path)) return next();
  const key = idempotencyKeyOf(c)!;
  const bytes = await bodyBytes(c);
  // Too large to fingerprint: the handler refuses it (payload_too_large) and nothing is stored.
  if (bytes === null) return next();
  const url = new URL(c.req.url);
  const head = new TextEncoder().encode(`${method}\n${url.pathname}${url.search}\n`);
  const material = new Uint8Array(head.byteLength + bytes.byteLength);
  material.set(head);
  material.set(bytes, head.byteLength);
  const fingerprint = await sha256Hex(material);
  const scope = await scopeOf(c);
  const d1 = c.env.DB;
  const at = now();

  if (!(await claim(d1, scope, key, fingerprint, at))) {
    const prior = await d1
      .prepare(`SELECT fingerprint, status, body, content_type FROM idempotency_records WHERE scope = ?1 AND key = ?2`)
      .bind(scope, key)
      .first<StoredRecord>();
    if (prior && prior.fingerprint !== fingerprint) return problem(c, "idempotency_key_reused");
    // Still running (or just released by a refused first attempt): try again shortly.
    if (!prior || prior.status === 0) return problem(c, "idempotency_in_progress", { retryAfterSeconds: 1 });
    return new Response(prior.body, {
      status: prior.status,
      headers: { "content-type": prior.content_type, [IDEMPOTENCY_REPLAYED_HEADER]: "true" },
    });
  }

  let stored = false;
  try {
    await next();
    const res = c.res;
    // Answers that set cookies carry a session: never kept (such routes are "none" anyway).
    if (res.status >= 200 && res.status < 300 && !res.headers.has("set-cookie")) {
      const body = await res.clone().text();
      await d1
        .prepare(`UPDATE idempotency_records SET status = ?1, body = ?2, content_type = ?3 WHERE scope = ?4 AND key = ?5 AND fingerprint = ?6`)
        .bind(res.status, body, res.headers.get("content-type") ?? "application/json", scope, key, fingerprint)
        .run();
      stored = true;
    }
  } finally {
    if (!stored) {
      await d1
        .prepare(`DELETE FROM idempotency_records WHERE scope = ?1 AND key = ?2 AND fingerprint = ?3 AND status = 0`)
        .bind(scope, key, fingerprint)
        .run()
        .catch((err: unknown) => console.error("idempotency: releasing a claim failed", err instanceof Error ? err.message : String(err)));
    }
  }
};

/** Deletes records older than the TTL (run by the daily retention job). */
export async function purgeIdempotencyRecords(d1: D1Database, nowMs: number, limit = 1000): Promise<number> {
  const res = await d1
    .prepare(`DELETE FROM idempotency_records WHERE rowid IN (SELECT rowid FROM idempotency_records WHERE created_at < ?1 LIMIT ?2)`)
    .bind(nowMs - IDEMPOTENCY_TTL_MS, limit)
    .run();
  return res.meta.changes ?? 0;
}
