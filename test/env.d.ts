declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The stand-in city platform's private JWKs by algorithm (vitest.config.ts), JSON. */
    TEST_PLATFORM_PRIVATE_JWKS: string;
  }
}
