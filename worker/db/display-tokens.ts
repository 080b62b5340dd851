/**
 * Hall display tokens: issued per branch, shown once, stored only as a SHA-256 hash, revocable.
 * A display presents its token when it connects; a revoked token is refused from then on.
 */
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sha256Hex } from "../../shared/hex";
import { displayTokens } from "./schema";


function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export interface DisplayTokenInfo {
  id: string;
  branchId: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Issues a token for a branch's display; the clear token is returned this once. */
export async function issueDisplayToken(d1: D1Database, branchId: string, label: string, nowMs: number): Promise<DisplayTokenInfo & { token: string }> {
  const token = randomToken();
  const row = { id: crypto.randomUUID(), branchId, tokenHash: await sha256Hex(token), label, createdAt: nowMs, revokedAt: null };
  await drizzle(d1).insert(displayTokens).values(row);
  return { id: row.id, branchId, label, createdAt: nowMs, revokedAt: null, token };
}

export async function listDisplayTokens(d1: D1Database, branchId: string): Promise<DisplayTokenInfo[]> {
  return drizzle(d1)
    .select({ id: displayTokens.id, branchId: displayTokens.branchId, label: displayTokens.label, createdAt: displayTokens.createdAt, revokedAt: displayTokens.revokedAt })
    .from(displayTokens)
    .where(eq(displayTokens.branchId, branchId));
}

/** Revokes a token of a branch; true when it existed and was active. */
export async function revokeDisplayToken(d1: D1Database, branchId: string, id: string, nowMs: number): Promise<boolean> {
  const result = await drizzle(d1)
    .update(displayTokens)
    .set({ revokedAt: nowMs })
    .where(and(eq(displayTokens.id, id), eq(displayTokens.branchId, branchId), isNull(displayTokens.revokedAt)))
    .returning({ id: displayTokens.id });
  return result.length > 0;
}

/** The id of the active token for this branch, or null. */
export async function checkDisplayToken(d1: D1Database, branchId: string, token: string): Promise<string | null> {
  if (token.length < 16 || token.length > 128) return null;
  const rows = await drizzle(d1)
    .select({ id: displayTokens.id })
    .from(displayTokens)
    .where(and(eq(displayTokens.tokenHash, await sha256Hex(token)), eq(displayTokens.branchId, branchId), isNull(displayTokens.revokedAt)))
    .limit(1);
  return rows[0]?.id ?? null;
}
