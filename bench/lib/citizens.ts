/**
 * Citizens for the benchmarks, signed in for real through the city-platform path: the load
 * generator plays the platform (like iHanoi), makes its own ES256 key pair, gives the service
 * only the public key set (PLATFORM_JWKS, a `--var` of the local server) and signs a short-lived
 * token per citizen, which the service verifies on every call exactly as in production.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export const PLATFORM_ISSUER = "https://platform.bench.local";
export const PLATFORM_AUDIENCE = "sothutu-bench";
const KID = "bench-es256";

export interface BenchPlatform {
  /**
   * `wrangler dev` arguments that configure the service with the platform's public keys (not
   * .dev.vars: with a `[secrets] required` list, wrangler loads only the names listed there).
   */
  vars: string[];
  sign(idNumber: string, serviceNowMs: number): Promise<string>;
}

export async function benchPlatform(policyVersion: string): Promise<BenchPlatform> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: "ES256", use: "sig" }] });
  return {
    vars: ["--var", `PLATFORM_JWKS:${jwks}`, "--var", `PLATFORM_ISSUER:${PLATFORM_ISSUER}`, "--var", `PLATFORM_AUDIENCE:${PLATFORM_AUDIENCE}`],
    sign(idNumber, serviceNowMs) {
      // Ten minutes is the most a platform token may live (worker/identity/platform-token.ts).
      const iat = Math.floor(serviceNowMs / 1000);
      return new SignJWT({ SoDinhDanh: idNumber, privacy_policy_version: policyVersion, sub: `bench-${idNumber}` })
        .setProtectedHeader({ alg: "ES256", kid: KID, typ: "JWT" })
        .setIssuer(PLATFORM_ISSUER)
        .setAudience(PLATFORM_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 590)
        .sign(privateKey);
    },
  };
}

/**
 * Distinct valid ID numbers: province 001 (Hà Nội), century/gender digit 0 (male, 1900s), birth
 * year 19xx from the block, then a 6-digit serial. Blocks keep scenarios' citizens apart.
 */
export function citizenId(block: number, i: number): string {
  if (block < 0 || block > 89 || i < 0 || i > 999_999) throw new RangeError("citizen id out of range");
  return `0010${String(10 + block).padStart(2, "0")}${String(i).padStart(6, "0")}`;
}

/** A different address per citizen: each is a phone of its own, as in a real rush. */
export function citizenIp(block: number, i: number): string {
  return `10.${block}.${(i >> 8) & 255}.${i & 255}`;
}
