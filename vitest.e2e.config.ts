import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * End-to-end tests: a real Chromium (Debian's, driven by playwright-core) against the real local
 * service (scripts/start.sh: wrangler dev, local D1 and Durable Objects, demo center, demo clock)
 * on its own port and fresh state. Files run one after another: one browser, 2-core machines.
 */
export default defineConfig({
  resolve: { alias: { "@shared": resolve(import.meta.dirname, "shared") } },
  test: {
    include: ["test-e2e/**/*.e2e.ts"],
    globalSetup: ["./test-e2e/support/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
