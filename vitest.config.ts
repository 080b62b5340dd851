import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { exportJWK, generateKeyPair } from "jose";
import { defineConfig } from "vitest/config";

/**
 * A stand-in city platform for the tests: fresh key pairs made here (Node) on every run, one per
 * accepted algorithm family. The Worker gets only the public keys (PLATFORM_JWKS, as a city would
 * configure them); the tests get the private keys (TEST_PLATFORM_PRIVATE_JWKS) to sign tokens.
 * Made at run time rather than committed, so no private key (even a test one) sits in the repo for
 * secret scanners to flag or anyone to reuse.
 */
async function platformTestKeys() {
  const publicKeys = [];
  const privateKeys: Record<string, unknown> = {};
  for (const alg of ["ES256", "RS256", "EdDSA"] as const) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `test-${alg.toLowerCase()}`;
    publicKeys.push({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" });
    privateKeys[alg] = { ...(await exportJWK(privateKey)), kid, alg };
  }
  return { PLATFORM_JWKS: JSON.stringify({ keys: publicKeys }), TEST_PLATFORM_PRIVATE_JWKS: JSON.stringify(privateKeys) };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const platform = await platformTestKeys();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Test-only secrets; real ones come from `wrangler secret put` (see README).
            CITIZEN_KEY_SECRET: "test-citizen-key-secret-0123456789",
            LIVE_TOKEN_SECRET: "test-live-token-secret-0123456789abcdef",
            SESSION_SECRET: "test-session-secret-0123456789abcdef",
            PHONE_ENCRYPTION_KEY: "test-phone-encryption-key-0123456789",
            DEV_STAND_INS: "1",
            // Notifications go to in-memory stand-ins the tests read (worker/notify devOutbox).
            NOTIFY_DEV_OUTBOX: "1",
            // City platform tokens on, trusting the stand-in platform's public keys (see above).
            PLATFORM_JWKS: platform.PLATFORM_JWKS,
            PLATFORM_ISSUER: "https://platform.test",
            PLATFORM_AUDIENCE: "sothutu-test",
            TEST_PLATFORM_PRIVATE_JWKS: platform.TEST_PLATFORM_PRIVATE_JWKS,
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      // Generous: CI machines have 2 cores and the suite runs files in parallel. No test asserts
      // on time (performance is measured by the benchmark scripts).
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
