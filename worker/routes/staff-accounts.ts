/**
 * Staff accounts (administrators) and the audit log (managers and administrators), mounted at
 * /api/v1/staff.
 *
 * - `POST /accounts` (admin): `{username, displayName, role, branchIds, password?}`; without a
 *   password one is generated and returned once (`initialPassword`).
 * - `GET /accounts` (admin): every account, without password material.
 * - `PATCH /accounts/:id` (admin): `{displayName?, role?, branchIds?, disabled?, unlock?}`.
 *   The last active administrator cannot be demoted or disabled (409 last_admin); nobody
 *   disables their own account.
 * - `POST /accounts/:id/password` (admin, or the account itself with `currentPassword`): sets
 *   the password and ends every session of the account; changing one's own password answers with
 *   a fresh session.
 * - `GET /branches/:branchId/audit` (manager, admin) and `GET /audit` (admin, every row): the
 *   audit log, newest first, `?before=<id>` for the next page, `?limit=` (≤ 200),
 *   `?staffId=`, `?action=`.
 */
import { Hono } from "hono";
import { z } from "zod";
import { branchIdSchema } from "../../shared/api-schemas";
import { now } from "../../shared/clock";
import { startStaffSession } from "../auth/session";
import { listBranches } from "../db/config-store";
import { readJson, validate } from "../http/body";
import { afterCursor, cursorSchema, encodeCursor, pageInMemory, pageQuery } from "../http/pagination";
import { ProblemError } from "../http/problem";
import { clientIp, throttle } from "../http/rate-limit";
import {
  accountOf,
  branchIdsOf,
  branchListSchema,
  createStaff,
  displayNameSchema,
  findStaffById,
  listStaff,
  passwordHashOf,
  recordFailedLogin,
  setPassword,
  STAFF_ROLES,
  updateStaff,
  usernameSchema,
  type StaffPatch,
  type StaffRole,
} from "../staff/accounts";
import { audit, listAudit } from "../staff/audit";
import { allow, staffOf, type StaffEnv } from "../staff/authorize";
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from "../staff/password";

export const staffAccountRoutes = new Hono<StaffEnv>();

const passwordInput = z.string().max(1024);

export const createAccountBody = z.strictObject({
  username: usernameSchema,
  displayName: displayNameSchema,
  role: z.enum(STAFF_ROLES),
  branchIds: branchListSchema.default([]),
  password: passwordInput.optional(),
});

export const patchAccountBody = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    role: z.enum(STAFF_ROLES).optional(),
    branchIds: branchListSchema.optional(),
    disabled: z.boolean().optional(),
    /** Lifts a lock-out after failed sign-ins. */
    unlock: z.literal(true).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

export const passwordBody = z.strictObject({ password: passwordInput, currentPassword: passwordInput.optional() });

export const accountIdSchema = z.uuid();

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new ProblemError("invalid_request", { errors: [{ path: "password", message: problem }] });
}

/** Every listed branch exists; an administrator lists none (all), anyone else at least one. */
async function checkBranches(env: Env, role: StaffRole, branchIds: string[]): Promise<string[]> {
  const unique = [...new Set(branchIds)];
  if (role === "admin") {
    if (unique.length > 0) throw new ProblemError("invalid_request", { errors: [{ path: "branchIds", message: "branchIds: an administrator works at every branch; leave it empty" }] });
    return [];
  }
  if (unique.length === 0) throw new ProblemError("invalid_request", { errors: [{ path: "branchIds", message: "branchIds: at least one branch for this role" }] });
  const known = new Set((await listBranches(env.DB)).map((b) => b.id));
  const unknown = unique.filter((b) => !known.has(b));
  if (unknown.length > 0) throw new ProblemError("invalid_request", { errors: [{ path: "branchIds", message: `branchIds: unknown branch ${unknown.join(", ")}` }] });
  return unique;
}

staffAccountRoutes.post("/accounts", allow("admin"), async (c) => {
  const body = await readJson(c, createAccountBody);
  const branchIds = await checkBranches(c.env, body.role, body.branchIds);
  const generated = body.password === undefined;
  const password = body.password ?? generatePassword();
  checkPassword(password);
  const row = await createStaff(c.env.DB, { username: body.username, displayName: body.displayName, role: body.role, branchIds, password: await hashPassword(password) }, now());
  audit(c, { action: "account.create", detail: { account: row.id, username: row.username, role: row.role, branchIds } });
  return c.json({ account: accountOf(row), ...(generated ? { initialPassword: password } : {}) }, 201);
});

/** Cursor-paginated by username (`{items, nextCursor}`); `accounts` repeats the page for older clients. */
staffAccountRoutes.get("/accounts", allow("admin"), async (c) => {
  const q = validate(pageQuery, c.req.query());
  const page = pageInMemory((await listStaff(c.env.DB)).map(accountOf), q, (a) => a.username);
  return c.json({ ...page, accounts: page.items });
});

staffAccountRoutes.patch("/accounts/:id", allow("admin"), async (c) => {
  const me = await staffOf(c);
  const id = validate(accountIdSchema, c.req.param("id"));
  const body = await readJson(c, patchAccountBody);
  const current = await findStaffById(c.env.DB, id);
  if (!current) throw new ProblemError("not_found");
  if (body.disabled === true && id === me.id) {
    throw new ProblemError("forbidden", undefined, { vi: "Không thể tự khoá tài khoản của chính mình.", en: "You cannot disable your own account." });
  }
  const role = body.role ?? current.role;
  const patch: StaffPatch = { displayName: body.displayName, role: body.role, unlock: body.unlock };
  if (body.branchIds !== undefined || body.role !== undefined) {
    patch.branchIds = await checkBranches(c.env, role, body.branchIds ?? (role === "admin" ? [] : branchIdsOf(current)));
  }
  if (body.disabled !== undefined) patch.disabledAt = body.disabled ? (current.disabledAt ?? now()) : null;
  const row = await updateStaff(c.env.DB, current, patch, now());
  const changed: Record<string, string | boolean | string[]> = {};
  if (body.displayName !== undefined) changed.displayName = true;
  if (body.role !== undefined) changed.role = row.role;
  if (patch.branchIds !== undefined) changed.branchIds = branchIdsOf(row);
  if (body.disabled !== undefined) changed.disabled = body.disabled;
  if (body.unlock) changed.unlocked = true;
  audit(c, { action: "account.update", detail: { account: row.id, ...changed } });
  return c.json({ account: accountOf(row) });
});

staffAccountRoutes.post("/accounts/:id/password", allow("clerk", "reception", "manager", "admin"), async (c) => {
  const me = await staffOf(c);
  const id = validate(accountIdSchema, c.req.param("id"));
  const self = id === me.id;
  if (!self && me.role !== "admin") throw new ProblemError("forbidden");
  const body = await readJson(c, passwordBody);
  const target = await findStaffById(c.env.DB, id);
  if (!target) throw new ProblemError("not_found");
  if (self) {
    // Whoever holds a session must still know the password to change it.
    await throttle(c.env.RL_SIGNIN_IP, clientIp(c));
    if (body.currentPassword === undefined || !(await verifyPassword(body.currentPassword, passwordHashOf(target)))) {
      await recordFailedLogin(c.env.DB, target.id, now());
      throw new ProblemError("current_password_incorrect");
    }
  }
  checkPassword(body.password);
  const epoch = await setPassword(c.env.DB, id, await hashPassword(body.password), now());
  audit(c, { action: "account.password", detail: { account: id, self } });
  if (self) return c.json({ changed: true, sessionsEnded: true, token: await startStaffSession(c, id, epoch) });
  return c.json({ changed: true, sessionsEnded: true });
});

export const auditQuery = z.object({
  /** The `nextCursor` of the previous page (or, as before, `?before=<id>`). */
  cursor: cursorSchema.optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  staffId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
});

/** The audit log pages by id, newest first: the cursor carries the last id shown. */
function auditBefore(q: z.infer<typeof auditQuery>): number | undefined {
  return afterCursor(q.cursor, z.object({ id: z.number().int().min(1) }))?.id ?? q.before;
}

function auditPage(listed: Awaited<ReturnType<typeof listAudit>>) {
  return { items: listed.entries, nextCursor: listed.next === null ? null : encodeCursor({ id: listed.next }), ...listed };
}

staffAccountRoutes.get("/branches/:branchId/audit", allow("manager", "admin"), async (c) => {
  const branchId = validate(branchIdSchema, c.req.param("branchId"));
  const q = validate(auditQuery, c.req.query());
  return c.json(auditPage(await listAudit(c.env.DB, { ...q, before: auditBefore(q), branchId })));
});

staffAccountRoutes.get("/audit", allow("admin"), async (c) => {
  const q = validate(auditQuery, c.req.query());
  return c.json(auditPage(await listAudit(c.env.DB, { ...q, before: auditBefore(q) })));
});
