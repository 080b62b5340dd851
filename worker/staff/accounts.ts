/**
 * Staff accounts in D1 (table `staff`): look-ups, sign-in bookkeeping (failed attempts, lock-out,
 * session revocation), and the administrator's changes. Every read-modify-write that must hold
 * under concurrency is one SQL statement (D1 has no transactions beyond `batch`).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { branchIdSchema } from "../../shared/api-schemas";
import { ProblemError } from "../http/problem";
import { STAFF_ROLES, staff, type StaffRole, type StaffRow } from "../db/schema";
import type { PasswordHash } from "./password";

export { STAFF_ROLES, type StaffRole, type StaffRow };

/** Failed sign-ins in a row that lock an account, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;

/**
 * Usernames: lowercase, 3–32 characters, starting with a letter (so a username is never an ID
 * number or a phone number someone typed into the wrong box).
 */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9._-]{2,31}$/, "username: 3–32 characters, a letter first, then letters, digits, '.', '_' or '-'");
export const displayNameSchema = z.string().trim().min(1).max(80);
export const branchListSchema = z.array(branchIdSchema).max(64);

/** The account as the API shows it (never the hash, salt or iteration count). */
export interface StaffAccount {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  /** Branch ids; empty for an administrator, who works at every branch. */
  branchIds: string[];
  disabled: boolean;
  disabledAt: number | null;
  /** Set while the account is locked after failed sign-ins (epoch ms). */
  lockedUntil: number | null;
  failedLogins: number;
  createdAt: number;
  updatedAt: number;
}

export function branchIdsOf(row: Pick<StaffRow, "branchIds">): string[] {
  try {
    const parsed: unknown = JSON.parse(row.branchIds);
    return Array.isArray(parsed) ? parsed.filter((b): b is string => typeof b === "string") : [];
  } catch {
    return [];
  }
}

export function accountOf(row: StaffRow): StaffAccount {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    branchIds: branchIdsOf(row),
    disabled: row.disabledAt !== null,
    disabledAt: row.disabledAt,
    lockedUntil: row.lockedUntil,
    failedLogins: row.failedLogins,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function passwordHashOf(row: StaffRow): PasswordHash {
  return { hash: row.passwordHash, salt: row.passwordSalt, iterations: row.passwordIterations };
}

export async function findStaffById(d1: D1Database, id: string): Promise<StaffRow | null> {
  const rows = await drizzle(d1).select().from(staff).where(eq(staff.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findStaffByUsername(d1: D1Database, username: string): Promise<StaffRow | null> {
  const rows = await drizzle(d1).select().from(staff).where(eq(staff.username, username)).limit(1);
  return rows[0] ?? null;
}

export async function listStaff(d1: D1Database): Promise<StaffRow[]> {
  return drizzle(d1).select().from(staff).orderBy(asc(staff.username)).limit(1000);
}

/**
 * Counts a failed sign-in; the MAX_FAILED_LOGINS-th in a row locks the account for LOCKOUT_MS
 * (and starts the count again for after the lock). One statement, so concurrent attempts count.
 */
export async function recordFailedLogin(d1: D1Database, id: string, nowMs: number): Promise<{ locked: boolean }> {
  const row = await d1
    .prepare(
      `UPDATE staff SET
         locked_until = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 ELSE locked_until END,
         failed_logins = CASE WHEN failed_logins + 1 >= ?1 THEN 0 ELSE failed_logins + 1 END
       WHERE id = ?3
       RETURNING locked_until`,
    )
    .bind(MAX_FAILED_LOGINS, nowMs + LOCKOUT_MS, id)
    .first<{ locked_until: number | null }>();
  return { locked: row?.locked_until !== null && row?.locked_until !== undefined && row.locked_until > nowMs };
}

/** A successful sign-in: the failure count starts again; an old hash may be upgraded. */
export async function recordSuccessfulLogin(d1: D1Database, id: string, rehash: PasswordHash | null): Promise<void> {
  await drizzle(d1)
    .update(staff)
    .set({
      failedLogins: 0,
      lockedUntil: null,
      ...(rehash ? { passwordHash: rehash.hash, passwordSalt: rehash.salt, passwordIterations: rehash.iterations } : {}),
    })
    .where(eq(staff.id, id));
}

/**
 * Ends every session of the account (sign-out, password change): `sessions_valid_after` only
 * grows, and sessions carry the value they started with. Returns the new value.
 */
export async function revokeSessions(d1: D1Database, id: string, nowMs: number): Promise<number> {
  const row = await d1
    .prepare("UPDATE staff SET sessions_valid_after = MAX(?1, sessions_valid_after + 1), updated_at = ?1 WHERE id = ?2 RETURNING sessions_valid_after")
    .bind(nowMs, id)
    .first<{ sessions_valid_after: number }>();
  if (!row) throw new ProblemError("not_found");
  return row.sessions_valid_after;
}

/** Sets a new password, ends every session and lifts a lock-out. Returns the new session epoch. */
export async function setPassword(d1: D1Database, id: string, hash: PasswordHash, nowMs: number): Promise<number> {
  const row = await d1
    .prepare(
      `UPDATE staff SET password_hash = ?1, password_salt = ?2, password_iterations = ?3,
         failed_logins = 0, locked_until = NULL,
         sessions_valid_after = MAX(?4, sessions_valid_after + 1), updated_at = ?4
       WHERE id = ?5 RETURNING sessions_valid_after`,
    )
    .bind(hash.hash, hash.salt, hash.iterations, nowMs, id)
    .first<{ sessions_valid_after: number }>();
  if (!row) throw new ProblemError("not_found");
  return row.sessions_valid_after;
}

export interface NewStaff {
  username: string;
  displayName: string;
  role: StaffRole;
  branchIds: string[];
  password: PasswordHash;
}

/** Creates an account; a taken username is 409 username_taken. */
export async function createStaff(d1: D1Database, input: NewStaff, nowMs: number): Promise<StaffRow> {
  const row: StaffRow = {
    id: crypto.randomUUID(),
    username: input.username,
    displayName: input.displayName,
    role: input.role,
    branchIds: JSON.stringify(input.role === "admin" ? [] : input.branchIds),
    passwordHash: input.password.hash,
    passwordSalt: input.password.salt,
    passwordIterations: input.password.iterations,
    failedLogins: 0,
    lockedUntil: null,
    sessionsValidAfter: 0,
    disabledAt: null,
    createdAt: nowMs,
    updatedAt: nowMs,
  };
  const inserted = await drizzle(d1).insert(staff).values(row).onConflictDoNothing({ target: staff.username }).returning({ id: staff.id });
  if (inserted.length === 0) throw new ProblemError("username_taken");
  return row;
}

export interface StaffPatch {
  displayName?: string;
  role?: StaffRole;
  branchIds?: string[];
  disabledAt?: number | null;
  unlock?: boolean;
}

/**
 * Applies an administrator's change. When it would leave no active administrator (demoting or
 * disabling the last one), nothing changes and it is 409 last_admin — decided inside the one
 * UPDATE, so two administrators demoting each other at once cannot both succeed.
 */
export async function updateStaff(d1: D1Database, current: StaffRow, patch: StaffPatch, nowMs: number): Promise<StaffRow> {
  const role = patch.role ?? current.role;
  const disabledAt = patch.disabledAt !== undefined ? patch.disabledAt : current.disabledAt;
  const removesAdmin = current.role === "admin" && current.disabledAt === null && (role !== "admin" || disabledAt !== null);
  const set = {
    ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
    role,
    branchIds: JSON.stringify(role === "admin" ? [] : (patch.branchIds ?? branchIdsOf(current))),
    disabledAt,
    ...(patch.unlock ? { failedLogins: 0, lockedUntil: null } : {}),
    // Disabling ends the account's sessions too, so enabling it again does not revive them.
    ...(disabledAt !== null && current.disabledAt === null ? { sessionsValidAfter: sql`MAX(${nowMs}, ${staff.sessionsValidAfter} + 1)` } : {}),
    updatedAt: nowMs,
  };
  const otherActiveAdmins = sql`(SELECT COUNT(*) FROM staff AS s WHERE s.role = 'admin' AND s.disabled_at IS NULL AND s.id != ${current.id}) > 0`;
  const updated = await drizzle(d1)
    .update(staff)
    .set(set)
    .where(removesAdmin ? and(eq(staff.id, current.id), otherActiveAdmins) : eq(staff.id, current.id))
    .returning();
  const row = updated[0];
  if (!row) throw new ProblemError(removesAdmin ? "last_admin" : "not_found");
  return row;
}
