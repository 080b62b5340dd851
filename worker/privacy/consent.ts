/**
 * Consent to the personal-data policy (Law 91/2025, Decree 356/2025): explicit, recorded with the
 * policy version at sign-in, withdrawable.
 */
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { citizenConsents } from "../db/schema";
import { CONSENT_WITHDRAWN_DETAIL } from "../../shared/problems";
import { ProblemError } from "../http/problem";

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

/**
 * Like `recordConsent`, but a withdrawal on record stands: for consent asserted on the citizen's
 * behalf (a city platform's token on every call), which must not silently undo a withdrawal the
 * citizen made here. The citizen consents again explicitly (sign-in page, POST /api/v1/me/consent).
 */
export async function recordConsentUnlessWithdrawn(d1: D1Database, citizenKey: string, policyVersion: string, nowMs: number): Promise<void> {
  await drizzle(d1).insert(citizenConsents).values({ citizenKey, policyVersion, givenAt: nowMs, withdrawnAt: null }).onConflictDoNothing();
}

/**
 * During a key rotation: a withdrawal of this version recorded under one of the citizen's
 * previous keys is copied to their current key, unless the current key already has a record of
 * that version. Consent asserted on the citizen's behalf (`recordConsentUnlessWithdrawn`) must
 * not undo a withdrawal just because the key changed; the citizen consents again explicitly.
 */
export async function carryConsentWithdrawal(d1: D1Database, previousKeys: string[], citizenKey: string, policyVersion: string): Promise<void> {
  if (previousKeys.length === 0) return;
  await d1
    .prepare(
      `INSERT INTO citizen_consents (citizen_key, policy_version, given_at, withdrawn_at)
       SELECT ?, policy_version, MIN(given_at), MAX(withdrawn_at) FROM citizen_consents
       WHERE policy_version = ? AND withdrawn_at IS NOT NULL AND citizen_key IN (${previousKeys.map(() => "?").join(", ")})
       GROUP BY policy_version
       ON CONFLICT (citizen_key, policy_version) DO NOTHING`,
    )
    .bind(citizenKey, policyVersion, ...previousKeys)
    .run();
}

export interface ConsentRecord {
  policyVersion: string;
  givenAt: number;
  withdrawnAt: number | null;
}

/** Every consent record of the citizen (what they agreed to, when, and what they withdrew). */
export async function listConsents(d1: D1Database, citizenKey: string): Promise<ConsentRecord[]> {
  return drizzle(d1)
    .select({ policyVersion: citizenConsents.policyVersion, givenAt: citizenConsents.givenAt, withdrawnAt: citizenConsents.withdrawnAt })
    .from(citizenConsents)
    .where(eq(citizenConsents.citizenKey, citizenKey))
    .orderBy(citizenConsents.givenAt);
}

/**
 * Withdraws every current consent of the citizen. The current policy version is marked withdrawn
 * even when no record of it exists yet (a session that carried consent D1 never saw), so the
 * booking path's check sees the withdrawal; `givenAt` is then the best date known (the session's
 * start). Returns how many consents were withdrawn.
 */
export async function withdrawConsent(
  d1: D1Database,
  citizenKey: string,
  nowMs: number,
  current: { policyVersion: string; givenAt: number },
): Promise<number> {
  const [ensure, others] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO citizen_consents (citizen_key, policy_version, given_at, withdrawn_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (citizen_key, policy_version) DO UPDATE SET withdrawn_at = excluded.withdrawn_at WHERE withdrawn_at IS NULL`,
      )
      .bind(citizenKey, current.policyVersion, Math.min(current.givenAt, nowMs), nowMs),
    d1.prepare("UPDATE citizen_consents SET withdrawn_at = ? WHERE citizen_key = ? AND withdrawn_at IS NULL").bind(nowMs, citizenKey),
  ]);
  return (ensure?.meta.changes ?? 0) + (others?.meta.changes ?? 0);
}

/**
 * Whether the citizen withdrew their consent to this version (and has not given it again). The
 * booking path asks this on top of the session's `pv` claim: a session token cannot be recalled,
 * so a withdrawal made on another device, or while a platform token is still valid, is only
 * seen here. One primary-key read.
 */
export async function consentWithdrawn(d1: D1Database, citizenKey: string, policyVersion: string): Promise<boolean> {
  const row = await d1
    .prepare("SELECT withdrawn_at FROM citizen_consents WHERE citizen_key = ? AND policy_version = ?")
    .bind(citizenKey, policyVersion)
    .first<{ withdrawn_at: number | null }>();
  return row !== null && row.withdrawn_at !== null;
}

/**
 * The booking path's consent gate, on top of the session's `pv` claim (checked by
 * `requireCurrentConsent`): refuses with 403 `consent_required` when the citizen withdrew their
 * consent since the session began. Staff-issued walk-in numbers do not pass here: reception
 * serves people in person whatever they chose online.
 */
export async function requireConsentNotWithdrawn(env: Env, citizenKey: string): Promise<void> {
  const version = env.PRIVACY_POLICY_VERSION;
  if (await consentWithdrawn(env.DB, citizenKey, version)) {
    throw new ProblemError("consent_required", { policyVersion: version }, CONSENT_WITHDRAWN_DETAIL);
  }
}
