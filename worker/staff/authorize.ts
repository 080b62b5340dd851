/**
 * Who may do what on the staff API. Every staff request carries a staff session (the
 * `__Host-sothutu_staff` cookie, or the same token as `Authorization: Bearer` from a tablet);
 * the account row is re-read from D1 on each request, so a disabled account or revoked sessions
 * (password change, sign-out) stop working at once.
 *
 * Roles, each limited to the account's branches (an administrator has every branch):
 * - clerk (cán bộ quầy): counter commands, only at a counter they opened (checked atomically by
 *   the branch-day); a live token for a counter's view;
 * - reception (lễ tân): walk-in and priority numbers, check-in, ticket look-up; a live token for
 *   the reception view;
 * - manager (quản lý chi nhánh): everything at the branch — any counter, the day's overview,
 *   display and live tokens, the audit log;
 * - admin (quản trị): everything at every branch, and staff accounts.
 *
 * 401 `unauthorized`: no valid session. 403 `forbidden`: signed in, but not allowed here.
 */
import type { Context, MiddlewareHandler } from "hono";
import { readStaffSession } from "../auth/session";
import { ProblemError } from "../http/problem";
import { branchIdsOf, findStaffById, type StaffRole } from "./accounts";

export interface StaffPrincipal {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  /** The account's branches; empty for an administrator, who works at every branch. */
  branchIds: string[];
  /** The session's epoch and expiry (see worker/auth/session.ts). */
  sessionEpoch: number;
  sessionExpiresAt: number;
}

export type StaffEnv = { Bindings: Env; Variables: { staff: StaffPrincipal } };
type StaffContext = Context<StaffEnv>;

/** Managers and administrators may act at any counter of their branches. */
export function actsForAnyCounter(staff: StaffPrincipal): boolean {
  return staff.role === "manager" || staff.role === "admin";
}

export function worksAt(staff: StaffPrincipal, branchId: string): boolean {
  return staff.role === "admin" || staff.branchIds.includes(branchId);
}

async function principalOf(c: StaffContext): Promise<StaffPrincipal> {
  const session = await readStaffSession(c);
  if (!session) throw new ProblemError("unauthorized");
  const row = await findStaffById(c.env.DB, session.staffId);
  // Disabled, deleted, or the session predates a revocation: sign in again.
  if (!row || row.disabledAt !== null || session.epoch < row.sessionsValidAfter) throw new ProblemError("unauthorized");
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    branchIds: row.role === "admin" ? [] : branchIdsOf(row),
    sessionEpoch: session.epoch,
    sessionExpiresAt: session.expiresAt,
  };
}

/** The signed-in staff member, loaded once per request; 401 without a valid session. */
export async function staffOf(c: StaffContext): Promise<StaffPrincipal> {
  let staff = c.get("staff") as StaffPrincipal | undefined;
  if (!staff) {
    staff = await principalOf(c);
    c.set("staff", staff);
  }
  return staff;
}

/** Middleware: a valid staff session (any role). */
export const authenticateStaff: MiddlewareHandler<StaffEnv> = async (c, next) => {
  await staffOf(c);
  await next();
};

/** Middleware: signed in with one of these roles, else 403. */
export function requireRole(...roles: StaffRole[]): MiddlewareHandler<StaffEnv> {
  return async (c, next) => {
    const staff = await staffOf(c);
    if (!roles.includes(staff.role)) throw new ProblemError("forbidden");
    await next();
  };
}

/** Throws 403 unless the signed-in staff member works at `branchId`. */
export async function requireBranch(c: StaffContext, branchId: string): Promise<StaffPrincipal> {
  const staff = await staffOf(c);
  if (!worksAt(staff, branchId)) throw new ProblemError("forbidden");
  return staff;
}

/**
 * Middleware for a route: signed in, one of `roles`, and — when the route has a `:branchId` —
 * working at that branch. Put it on every staff route, next to the handler it guards.
 */
export function allow(...roles: StaffRole[]): MiddlewareHandler<StaffEnv> {
  return async (c, next) => {
    const staff = await staffOf(c);
    if (!roles.includes(staff.role)) throw new ProblemError("forbidden");
    const branchId = c.req.param("branchId");
    if (branchId !== undefined && !worksAt(staff, branchId)) throw new ProblemError("forbidden");
    await next();
  };
}
