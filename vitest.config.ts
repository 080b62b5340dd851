import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Test-only secrets; real ones come from `wrangler secret put` (see README).
            CITIZEN_KEY_SECRET: "test-citizen-key-secret-0123456789",
            STAFF_TOKEN: "test-staff-token-0123456789abcdef",
            LIVE_TOKEN_SECRET: "test-live-token-secret-0123456789abcdef",
            SESSION_SECRET: "test-session-secret-0123456789abcdef",
            PHONE_ENCRYPTION_KEY: "test-phone-encryption-key-0123456789",
            DEV_STAND_INS: "1",
            // Notifications go to in-memory stand-ins the tests read (worker/notify devOutbox).
            NOTIFY_DEV_OUTBOX: "1",
          },
        },
      }),
    ],
    test: { include: ["test/**/*.test.ts"], setupFiles: ["./test/setup.ts"] },
  };
});
