/**
 * Usage per platform client, per service day (Asia/Ho_Chi_Minh) and kind (D1 `platform_usage`):
 * one counter row, incremented by an upsert. Written after the response (`waitUntil`) so a
 * platform call's latency never includes it.
 */
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { platformUsage } from "../db/schema";

/** What a client used: a scope it called with, or a delivery made to it. */
export type UsageKind = "book" | "read_status" | "events" | "webhook_delivery";

export function incrementUsage(d1: D1Database, clientId: string, kind: UsageKind, by = 1): Promise<unknown> {
  const day = localDateOf(now(), VN_TIME_ZONE);
  return d1
    .prepare(
      "INSERT INTO platform_usage (client_id, day, kind, count) VALUES (?1, ?2, ?3, ?4) " +
        "ON CONFLICT (client_id, day, kind) DO UPDATE SET count = count + excluded.count",
    )
    .bind(clientId, day, kind, by)
    .run()
    .catch((err: unknown) => {
      // A lost count is not worth failing the call for; say which, nothing personal.
      console.error("platform usage write failed", kind, err instanceof Error ? err.message : String(err));
    });
}

/** Counts one use after the response (or inline when there is no execution context). */
export function countUsage<E extends { Bindings: Env }>(c: Context<E>, clientId: string, kind: UsageKind): void {
  const work = incrementUsage(c.env.DB, clientId, kind);
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // app.fetch without an execution context (some tests): the write just runs.
  }
}

export interface UsageRow {
  day: string;
  kind: string;
  count: number;
}

export async function usageOf(d1: D1Database, clientId: string, from?: string, to?: string): Promise<UsageRow[]> {
  const where: SQL[] = [eq(platformUsage.clientId, clientId)];
  if (from) where.push(gte(platformUsage.day, from));
  if (to) where.push(lte(platformUsage.day, to));
  return drizzle(d1)
    .select({ day: platformUsage.day, kind: platformUsage.kind, count: platformUsage.count })
    .from(platformUsage)
    .where(and(...where))
    .orderBy(asc(platformUsage.day), asc(platformUsage.kind));
}
