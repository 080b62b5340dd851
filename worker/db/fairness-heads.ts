/**
 * The published heads of the branch-days' fairness chains (shared/fairness.ts), written by each
 * branch-day when its service day ends (and again if a late event extends the chain). Once
 * published, a head is a public commitment: the upsert only ever moves it forward, to a longer
 * chain, never back or sideways to a shorter one.
 */
import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ChainHead } from "../../shared/fairness";
import { fairnessHeads } from "./schema";

export interface PublishedHead extends ChainHead {
  branchId: string;
  serviceDate: string;
  publishedAt: number;
}

export async function publishFairnessHead(db: D1Database, branchId: string, serviceDate: string, head: ChainHead, nowMs: number): Promise<void> {
  await drizzle(db)
    .insert(fairnessHeads)
    .values({ branchId, serviceDate, length: head.length, headHash: head.hash, publishedAt: nowMs })
    .onConflictDoUpdate({
      target: [fairnessHeads.branchId, fairnessHeads.serviceDate],
      set: { length: sql`excluded.length`, headHash: sql`excluded.head_hash`, publishedAt: sql`excluded.published_at` },
      setWhere: gt(sql`excluded.length`, fairnessHeads.length),
    });
}

function toPublished(r: typeof fairnessHeads.$inferSelect): PublishedHead {
  return { branchId: r.branchId, serviceDate: r.serviceDate, length: r.length, hash: r.headHash, publishedAt: r.publishedAt };
}

export async function publishedHead(db: D1Database, branchId: string, serviceDate: string): Promise<PublishedHead | null> {
  const rows = await drizzle(db)
    .select()
    .from(fairnessHeads)
    .where(and(eq(fairnessHeads.branchId, branchId), eq(fairnessHeads.serviceDate, serviceDate)))
    .limit(1);
  return rows[0] ? toPublished(rows[0]) : null;
}

/** A branch's published heads, newest day first, before `beforeDate` when given. */
export async function publishedHeads(db: D1Database, branchId: string, beforeDate: string | null, limit: number): Promise<PublishedHead[]> {
  const rows = await drizzle(db)
    .select()
    .from(fairnessHeads)
    .where(beforeDate === null ? eq(fairnessHeads.branchId, branchId) : and(eq(fairnessHeads.branchId, branchId), lt(fairnessHeads.serviceDate, beforeDate)))
    .orderBy(desc(fairnessHeads.serviceDate))
    .limit(limit);
  return rows.map(toPublished);
}
