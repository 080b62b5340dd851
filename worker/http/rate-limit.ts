/**
 * Throttles with the Workers Rate Limiting binding (per location, approximate: right for IP and
 * per-citizen throttles, not for quotas). A refusal is a 429 problem saying when to retry.
 */
import type { Context } from "hono";
import { ProblemError } from "./problem";

/** The binding's periods are 10 or 60 s; a client should wait at most one period. */
const RETRY_AFTER_SECONDS = 60;

/** Refuses with 429 rate_limited when `key` is over the binding's limit. */
export async function throttle(binding: RateLimit, key: string, retryAfterSeconds = RETRY_AFTER_SECONDS): Promise<void> {
  const { success } = await binding.limit({ key });
  if (!success) throw new ProblemError("rate_limited", { retryAfterSeconds });
}

/** The caller's IP as Cloudflare saw it (never X-Forwarded-For, which clients can forge). */
export function clientIp(c: Context): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}
