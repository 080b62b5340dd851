/**
 * Staff accounts for tests, made the way the product makes them: rows in D1 with a real PBKDF2
 * hash (worker/staff/password.ts), and sessions minted exactly as sign-in mints them
 * (`staffSessionToken` with SESSION_SECRET and the account's session epoch). No backdoor: the
 * Worker sees an ordinary staff session and re-reads the account row on every request.
 *
 * Tokens are minted per call at the service clock's current time, so a test that moves the
 * clock days ahead never holds an expired session.
 */
import { env } from "cloudflare:workers";
import { now } from "../../shared/clock";
import { staffSessionToken } from "../../worker/auth/session";
import type { StaffRole } from "../../worker/db/schema";
import { hashPassword, type PasswordHash } from "../../worker/staff/password";

/** The password of every account `seedStaff` makes unless told otherwise. */
export const TEST_STAFF_PASSWORD = "mật khẩu thử nghiệm 2026";

export interface TestStaff {
  id: string;
  username: string;
  role: StaffRole;
  branchIds: string[];
  password: string;
}

export interface StaffSpec {
  username: string;
  role: StaffRole;
  /** Ignored for an administrator (every branch). */
  branchIds?: string[];
  password?: string;
  displayName?: string;
}

// PBKDF2 at the production iteration count costs tens of ms: hash each test password once.
const hashes = new Map<string, Promise<PasswordHash>>();
function hashOf(password: string): Promise<PasswordHash> {
  let hash = hashes.get(password);
  if (!hash) hashes.set(password, (hash = hashPassword(password)));
  return hash;
}

/** Creates the account in D1 unless that username exists already; returns it. */
export async function seedStaff(spec: StaffSpec): Promise<TestStaff> {
  const password = spec.password ?? TEST_STAFF_PASSWORD;
  const hash = await hashOf(password);
  const branchIds = spec.role === "admin" ? [] : (spec.branchIds ?? []);
  const at = Date.now();
  await env.DB.prepare(
    `INSERT INTO staff (id, username, display_name, role, branch_ids, password_hash, password_salt, password_iterations, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`,
  )
    .bind(crypto.randomUUID(), spec.username, spec.displayName ?? spec.username, spec.role, JSON.stringify(branchIds), hash.hash, hash.salt, hash.iterations, at, at)
    .run();
  const row = await env.DB.prepare("SELECT id, role, branch_ids FROM staff WHERE username = ?").bind(spec.username).first<{ id: string; role: StaffRole; branch_ids: string }>();
  if (!row) throw new Error(`test helper: could not seed staff ${spec.username}`);
  return { id: row.id, username: spec.username, role: row.role, branchIds: JSON.parse(row.branch_ids) as string[], password };
}

/** A bearer token for the account, valid now (as `POST /api/v1/staff/auth/login` would give). */
export async function bearerFor(staff: Pick<TestStaff, "id">): Promise<string> {
  const row = await env.DB.prepare("SELECT sessions_valid_after FROM staff WHERE id = ?").bind(staff.id).first<{ sessions_valid_after: number }>();
  if (!row) throw new Error(`test helper: no staff account ${staff.id}`);
  return staffSessionToken(env, staff.id, row.sessions_valid_after);
}

let admin: { id: string; token: string; mintedAt: number } | null = null;

/**
 * The administrator most staff tests act as (created on first use in each test file's D1). Its
 * token is reused while the service clock stays within the hour it was minted in, so a busy test
 * does not pay for a D1 round trip per call; tests that revoke sessions use their own accounts.
 */
export async function adminBearer(): Promise<string> {
  const at = now();
  if (admin && at >= admin.mintedAt && at - admin.mintedAt < 3_600_000) return admin.token;
  const seeded = await seedStaff({ username: "test-admin", role: "admin" });
  admin = { id: seeded.id, token: await bearerFor(seeded), mintedAt: at };
  return admin.token;
}

export interface AuditRow {
  id: number;
  at: number;
  staff_id: string;
  role: string;
  branch_id: string | null;
  action: string;
  ticket_id: string | null;
  counter_number: number | null;
  detail: string | null;
}

/**
 * Audit rows matching `where` (column = value), oldest first. The Worker writes them after the
 * response (waitUntil), so this waits until at least `atLeast` are there (or 2 s have passed).
 */
export async function auditRows(where: Partial<Pick<AuditRow, "staff_id" | "action" | "branch_id" | "ticket_id">> = {}, atLeast = 1): Promise<AuditRow[]> {
  const keys = Object.keys(where) as Array<keyof typeof where>;
  const sql = `SELECT * FROM staff_audit_log${keys.length ? ` WHERE ${keys.map((k) => `${k} = ?`).join(" AND ")}` : ""} ORDER BY id`;
  let rows: AuditRow[] = [];
  for (let i = 0; i < 100; i++) {
    rows = (await env.DB.prepare(sql).bind(...keys.map((k) => where[k])).all<AuditRow>()).results;
    if (rows.length >= atLeast) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return rows;
}
