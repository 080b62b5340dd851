/**
 * Consent to the personal-data policy (Law 91/2025, Decree 356/2025): explicit, recorded with the
 * policy version at sign-in, withdrawable.
 */
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { citizenConsents } from "../db/schema";

/** Records that the citizen consented to this policy version (idempotent). */
export async function recordConsent(d1: D1Database, citizenKey: string, policyVersion: string, nowMs: number): Promise<void> {
  await drizzle(d1)
    .insert(citizenConsents)
    .values({ citizenKey, policyVersion, givenAt: nowMs, withdrawnAt: null })
    .onConflictDoUpdate({ target: [citizenConsents.citizenKey, citizenConsents.policyVersion], set: { withdrawnAt: null } });
}

/** Whether the citizen holds a current (not withdrawn) consent to this version. */
export async function hasConsent(d1: D1Database, citizenKey: string, policyVersion: string): Promise<boolean> {
  const rows = await drizzle(d1)
    .select({ v: citizenConsents.policyVersion })
    .from(citizenConsents)
    .where(and(eq(citizenConsents.citizenKey, citizenKey), eq(citizenConsents.policyVersion, policyVersion), isNull(citizenConsents.withdrawnAt)))
    .limit(1);
  return rows.length > 0;
}
