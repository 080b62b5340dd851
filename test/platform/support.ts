/**
 * Registered platform clients for the tests: a fresh key pair per client (made here, in workerd),
 * registered through the admin API like an administrator would, and tokens signed with it.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { now } from "../../shared/clock";
import { expect, vi } from "vitest";
import { api, expectOk } from "../support/http";
import { auditRows, type AuditRow } from "../support/staff";
import { PLATFORM_AUDIENCE } from "../support/platform";

export interface TestClient {
  id: string;
  issuer: string;
  privateKey: CryptoKey;
  kid: string;
  publicJwk: JWK;
}

let n = 0;

export async function makeKeys(alg: "ES256" | "EdDSA" | "RS256" = "ES256"): Promise<{ privateKey: CryptoKey; publicJwk: JWK; kid: string }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `k-${++n}`;
  return { privateKey: privateKey as CryptoKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" }, kid };
}

/** Registers a client with `scopes` (admin API) and returns what it needs to sign tokens. */
export async function registerClient(scopes: string[], name = "Ứng dụng thử"): Promise<TestClient> {
  const keys = await makeKeys();
  const issuer = `https://client-${crypto.randomUUID().slice(0, 8)}.platform.test`;
  const res = await api("POST", "/api/v1/staff/admin/platform-clients", { staff: true, json: { name, issuer, jwks: { keys: [keys.publicJwk] }, scopes } });
  const { client } = expectOk(res, 201);
  return { id: client.id, issuer, privateKey: keys.privateKey, kid: keys.kid, publicJwk: keys.publicJwk };
}

/** A token of a registered client; `claims` adds e.g. the citizen's ID number and consent. */
export async function clientToken(client: Pick<TestClient, "issuer" | "privateKey" | "kid">, claims: Record<string, unknown> = {}, alg = "ES256"): Promise<string> {
  const iat = Math.floor(now() / 1000);
  return new SignJWT({ iss: client.issuer, aud: PLATFORM_AUDIENCE, iat, exp: iat + 300, ...claims })
    .setProtectedHeader({ alg, kid: client.kid, typ: "JWT" })
    .sign(client.privateKey);
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Claims naming a citizen, as a platform acting for them sends. */
export function citizenClaims(idNumber: string): Record<string, unknown> {
  return { SoDinhDanh: idNumber, privacy_policy_version: env.PRIVACY_POLICY_VERSION };
}

/** The usage counters of a client (D1), as { "<day>/<kind>": count }. */
export async function usageOf(clientId: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare("SELECT day, kind, count FROM platform_usage WHERE client_id = ?").bind(clientId).all<{ day: string; kind: string; count: number }>();
  return Object.fromEntries(results.map((r) => [`${r.day}/${r.kind}`, r.count]));
}

/**
 * Waits (up to 15 s: audit rows are written after the response, and a loaded CI machine is slow)
 * for an audit row of `action` that satisfies `match`.
 */
export async function expectAudited(action: string, match: (row: AuditRow) => boolean = () => true): Promise<void> {
  await vi.waitFor(async () => expect((await auditRows({ action })).some(match)).toBe(true), { timeout: 15_000, interval: 100 });
}
