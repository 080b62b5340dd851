/**
 * Registered city platform clients (D1 `platform_clients`): each has its own issuer (`iss` of its
 * tokens), its own public key set (JWKS, asymmetric keys only) and scopes. An administrator
 * registers them (worker/routes/platform.ts); worker/platform/auth.ts verifies their tokens.
 *
 * The platform configured by environment (PLATFORM_JWKS / PLATFORM_JWKS_URL, issue 3) keeps
 * working beside them as the client `env` with every scope.
 */
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { now } from "../../shared/clock";
import { ProblemError } from "../http/problem";
import { PLATFORM_SCOPES, platformClients, type PlatformScope } from "../db/schema";
import { randomId } from "./ids";

export { PLATFORM_SCOPES, type PlatformScope };

/** The id under which the environment-configured platform is counted and owns webhooks. */
export const ENV_PLATFORM_CLIENT_ID = "env";

export interface PlatformClient {
  id: string;
  name: string;
  issuer: string;
  jwks: { keys: JWK[] };
  scopes: PlatformScope[];
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

// Key types and curves a client may register: the families PLATFORM_ALGORITHMS can verify.
const ALLOWED_KEY = (k: JWK): boolean =>
  (k.kty === "RSA" && typeof k.n === "string" && typeof k.e === "string") ||
  (k.kty === "EC" && k.crv === "P-256" && typeof k.x === "string" && typeof k.y === "string") ||
  (k.kty === "OKP" && k.crv === "Ed25519" && typeof k.x === "string");
const ALLOWED_ALGS = new Set(["RS256", "PS256", "ES256", "EdDSA", "Ed25519"]);
// Private parts of RSA/EC/OKP keys and the symmetric key value: a JWKS holding them is refused
// (a client that pastes its private key must not have it stored here).
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] as const;

const MAX_KEYS = 10;
const MAX_JWKS_CHARS = 16_384;

/** Checks a client's key set: public asymmetric keys only. Throws 422 `platform_jwks_invalid`. */
export function checkJwks(value: unknown): { keys: JWK[] } {
  const bad = (why: string) => new ProblemError("platform_jwks_invalid", { reason: why });
  if (typeof value !== "object" || value === null || !Array.isArray((value as { keys?: unknown }).keys)) throw bad("not_a_key_set");
  if (JSON.stringify(value).length > MAX_JWKS_CHARS) throw bad("too_large");
  const keys = (value as { keys: unknown[] }).keys;
  if (keys.length === 0 || keys.length > MAX_KEYS) throw bad("key_count");
  const clean: JWK[] = [];
  for (const raw of keys) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("not_a_key");
    const k = raw as JWK;
    if (PRIVATE_MEMBERS.some((m) => m in k)) throw bad("private_key");
    if (!ALLOWED_KEY(k)) throw bad("key_type");
    if (k.alg !== undefined && !ALLOWED_ALGS.has(k.alg)) throw bad("algorithm");
    if (k.use !== undefined && k.use !== "sig") throw bad("use");
    // Keep only the public members we know: nothing else is stored.
    const pick: JWK = { kty: k.kty };
    for (const m of ["kid", "alg", "use", "n", "e", "crv", "x", "y"] as const) if (typeof k[m] === "string") pick[m] = k[m];
    clean.push(pick);
  }
  try {
    createLocalJWKSet({ keys: clean });
  } catch {
    throw bad("not_a_key_set");
  }
  return { keys: clean };
}

export const platformClientInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  issuer: z.string().trim().min(1).max(300),
  jwks: z.unknown(),
  scopes: z.array(z.enum(PLATFORM_SCOPES)).max(PLATFORM_SCOPES.length),
});
export const platformClientPatch = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  jwks: z.unknown().optional(),
  scopes: z.array(z.enum(PLATFORM_SCOPES)).max(PLATFORM_SCOPES.length).optional(),
  disabled: z.boolean().optional(),
});

type Row = typeof platformClients.$inferSelect;

function fromRow(r: Row): PlatformClient {
  return {
    id: r.id,
    name: r.name,
    issuer: r.issuer,
    jwks: JSON.parse(r.jwks) as { keys: JWK[] },
    scopes: (JSON.parse(r.scopes) as string[]).filter((s): s is PlatformScope => (PLATFORM_SCOPES as readonly string[]).includes(s)),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    disabledAt: r.disabledAt,
  };
}

const uniqueScopes = (s: PlatformScope[]): PlatformScope[] => PLATFORM_SCOPES.filter((x) => s.includes(x));

export async function createPlatformClient(
  d1: D1Database,
  input: { name: string; issuer: string; jwks: unknown; scopes: PlatformScope[] },
  envIssuer: string | null,
): Promise<PlatformClient> {
  const jwks = checkJwks(input.jwks);
  if (envIssuer !== null && input.issuer === envIssuer) throw new ProblemError("platform_issuer_taken");
  const at = now();
  const row: Row = {
    id: randomId("pc"),
    name: input.name,
    issuer: input.issuer,
    jwks: JSON.stringify(jwks),
    scopes: JSON.stringify(uniqueScopes(input.scopes)),
    createdAt: at,
    updatedAt: at,
    disabledAt: null,
  };
  const db = drizzle(d1);
  const taken = await db.select({ id: platformClients.id }).from(platformClients).where(eq(platformClients.issuer, input.issuer)).get();
  if (taken) throw new ProblemError("platform_issuer_taken");
  try {
    await db.insert(platformClients).values(row).run();
  } catch (err) {
    // Two registrations of one issuer at once: the UNIQUE index decides (drizzle wraps D1's error).
    const text = `${String(err)} ${String((err as { cause?: unknown }).cause ?? "")}`;
    if (/unique/i.test(text)) throw new ProblemError("platform_issuer_taken");
    throw err;
  }
  forgetClientCache();
  return fromRow(row);
}

export async function getPlatformClient(d1: D1Database, id: string): Promise<PlatformClient | null> {
  const row = await drizzle(d1).select().from(platformClients).where(eq(platformClients.id, id)).get();
  return row ? fromRow(row) : null;
}

/** Oldest first, by id after the cursor. */
export async function listPlatformClients(d1: D1Database, after: string | undefined, limit: number): Promise<{ clients: PlatformClient[]; next: string | null }> {
  const where: SQL[] = [];
  if (after !== undefined) where.push(gt(platformClients.id, after));
  const rows = await drizzle(d1)
    .select()
    .from(platformClients)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(platformClients.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map(fromRow);
  return { clients: page, next: rows.length > limit ? page[page.length - 1]!.id : null };
}

export async function updatePlatformClient(
  d1: D1Database,
  id: string,
  patch: { name?: string; jwks?: unknown; scopes?: PlatformScope[]; disabled?: boolean },
): Promise<PlatformClient> {
  const current = await getPlatformClient(d1, id);
  if (!current) throw new ProblemError("platform_client_not_found");
  const set: Partial<Row> = { updatedAt: now() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.jwks !== undefined) set.jwks = JSON.stringify(checkJwks(patch.jwks));
  if (patch.scopes !== undefined) set.scopes = JSON.stringify(uniqueScopes(patch.scopes));
  if (patch.disabled !== undefined) set.disabledAt = patch.disabled ? (current.disabledAt ?? now()) : null;
  await drizzle(d1).update(platformClients).set(set).where(eq(platformClients.id, id)).run();
  forgetClientCache();
  return (await getPlatformClient(d1, id))!;
}

export async function deletePlatformClient(d1: D1Database, id: string): Promise<boolean> {
  const res = await drizzle(d1).delete(platformClients).where(eq(platformClients.id, id)).run();
  forgetClientCache();
  return (res.meta.changes ?? 0) > 0;
}

// Per isolate, a few seconds: a platform call does not read D1 for its client every time. A change
// made through the admin API clears this isolate's cache at once; other isolates follow within
// CLIENT_CACHE_MS (a disabled client may be served that long: documented).
const CLIENT_CACHE_MS = 15_000;
const clientCache = new Map<string, { at: number; client: PlatformClient | null; keys: JWTVerifyGetKey | null }>();

export function forgetClientCache(): void {
  clientCache.clear();
}

/** The registered client whose tokens carry `iss`, with its key set (cached briefly). */
export async function clientByIssuer(d1: D1Database, issuer: string): Promise<{ client: PlatformClient; keys: JWTVerifyGetKey } | null> {
  const hit = clientCache.get(issuer);
  if (hit && now() - hit.at < CLIENT_CACHE_MS) return hit.client && hit.keys ? { client: hit.client, keys: hit.keys } : null;
  const row = await drizzle(d1).select().from(platformClients).where(eq(platformClients.issuer, issuer)).get();
  const client = row ? fromRow(row) : null;
  const keys = client ? createLocalJWKSet(client.jwks) : null;
  if (clientCache.size > 1000) clientCache.clear();
  clientCache.set(issuer, { at: now(), client, keys });
  return client && keys ? { client, keys } : null;
}
