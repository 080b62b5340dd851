/**
 * A stand-in city platform (like iHanoi) for the tests: signs short-lived JWTs naming a citizen
 * with the private keys vitest.config.ts made for this run (the Worker trusts the matching public
 * keys through PLATFORM_JWKS). Every knob a hostile or careless platform could turn is here.
 */
import { env } from "cloudflare:workers";
import { importJWK, SignJWT, type JWK } from "jose";
import { now } from "../../shared/clock";
import type { PlatformEnv } from "../../worker/identity/platform-token";
import { secret } from "./http";

export type PlatformAlg = "ES256" | "RS256" | "EdDSA";

const platformEnv = env as unknown as PlatformEnv;
export const PLATFORM_ISSUER = platformEnv.PLATFORM_ISSUER!;
export const PLATFORM_AUDIENCE = platformEnv.PLATFORM_AUDIENCE!;

const privateJwks = JSON.parse(env.TEST_PLATFORM_PRIVATE_JWKS) as Record<PlatformAlg, JWK>;

/** The platform's private key for an algorithm (and its key id). */
export async function platformKey(alg: PlatformAlg = "ES256"): Promise<{ key: CryptoKey; kid: string }> {
  const jwk = privateJwks[alg];
  return { key: (await importJWK(jwk, alg)) as CryptoKey, kid: jwk.kid! };
}

/** The platform's public keys as the Worker is configured with them. */
export function platformPublicJwks(): { keys: JWK[] } {
  return JSON.parse(platformEnv.PLATFORM_JWKS!) as { keys: JWK[] };
}

export interface PlatformTokenOptions {
  alg?: PlatformAlg;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now (the service clock): default 0. */
  iatOffsetS?: number;
  /** exp − iat in seconds: default 300. */
  lifetimeS?: number;
  /** Policy version asserted; default the current one; null leaves the claim out. */
  policyVersion?: string | null;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
  /** Claims to leave out ("iat", "exp", …). */
  omit?: string[];
  /** Protected header override (e.g. another kid). */
  kid?: string;
}

/** The claims a well-behaved platform sends for a citizen. */
export function platformClaims(idNumber: unknown, o: PlatformTokenOptions = {}): Record<string, unknown> {
  if (typeof idNumber === "string") secret(idNumber);
  const iat = Math.floor(now() / 1000) + (o.iatOffsetS ?? 0);
  const claims: Record<string, unknown> = {
    iss: o.issuer ?? PLATFORM_ISSUER,
    aud: o.audience ?? PLATFORM_AUDIENCE,
    sub: "platform-user-7f3a",
    iat,
    exp: iat + (o.lifetimeS ?? 300),
    SoDinhDanh: idNumber,
    privacy_policy_version: o.policyVersion === undefined ? env.PRIVACY_POLICY_VERSION : o.policyVersion,
    ...o.claims,
  };
  if (claims.privacy_policy_version === null) delete claims.privacy_policy_version;
  for (const name of o.omit ?? []) delete claims[name];
  return claims;
}

/** A platform token naming the citizen, signed with the stand-in platform's key. */
export async function platformToken(idNumber: unknown, o: PlatformTokenOptions = {}): Promise<string> {
  const alg = o.alg ?? "ES256";
  const { key, kid } = await platformKey(alg);
  return new SignJWT(platformClaims(idNumber, o)).setProtectedHeader({ alg, kid: o.kid ?? kid, typ: "JWT" }).sign(key);
}

/** `{ headers: { authorization: "Bearer …" } }` for `api()`. */
export async function asPlatform(idNumber: unknown, o: PlatformTokenOptions = {}): Promise<{ headers: Record<string, string> }> {
  return { headers: { authorization: `Bearer ${await platformToken(idNumber, o)}` } };
}

/** base64url of a string or bytes (for hand-made tokens). */
export function b64url(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
