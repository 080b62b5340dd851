/**
 * Staff sign-in, mounted at /api/v1/staff/auth.
 *
 * - `POST /login {username, password}`: a staff session — the cookie for browsers, and the same
 *   token in the body for tablets that prefer `Authorization: Bearer`. Throttled per IP
 *   (RL_SIGNIN_IP) and per account (MAX_FAILED_LOGINS failures in a row lock it for
 *   LOCKOUT_MS). Unknown user, wrong password, locked or disabled account: one answer, 401
 *   `invalid_credentials`, after the same PBKDF2 work, so nobody learns which usernames exist.
 * - `POST /logout`: ends the account's sessions everywhere (cookie and bearer tokens alike: a
 *   signed token cannot be recalled one by one) and clears the cookie.
 * - `GET /me`: who is signed in — id, name, role, branches.
 */
import { Hono } from "hono";
import { z } from "zod";
import { now } from "../../shared/clock";
import { endStaffSession, readStaffSession, STAFF_SESSION_TTL_S, startStaffSession } from "../auth/session";
import { listBranches } from "../db/config-store";
import { readJson } from "../http/body";
import { ProblemError } from "../http/problem";
import { clientIp, throttle } from "../http/rate-limit";
import {
  accountOf,
  findStaffById,
  findStaffByUsername,
  passwordHashOf,
  recordFailedLogin,
  recordSuccessfulLogin,
  revokeSessions,
  type StaffRow,
} from "../staff/accounts";
import { auditAs } from "../staff/audit";
import { authenticateStaff, staffOf, type StaffEnv, type StaffPrincipal } from "../staff/authorize";
import { DECOY_HASH, hashPassword, needsRehash, verifyPassword } from "../staff/password";

export const staffAuthRoutes = new Hono<StaffEnv>();

/** Lenient on purpose: the policy applies when a password is set, not when one is tried. */
export const loginBody = z.strictObject({ username: z.string().max(128), password: z.string().max(1024) });

/** What a staff client needs to know about its user. */
async function meOf(env: Env, staff: Pick<StaffPrincipal, "id" | "username" | "displayName" | "role" | "branchIds">) {
  const allBranches = staff.role === "admin";
  return {
    id: staff.id,
    username: staff.username,
    name: staff.displayName,
    role: staff.role,
    allBranches,
    branches: allBranches ? (await listBranches(env.DB)).map((b) => b.id) : staff.branchIds,
  };
}

function principalFromRow(row: StaffRow): Pick<StaffPrincipal, "id" | "username" | "displayName" | "role" | "branchIds"> {
  const account = accountOf(row);
  return { id: account.id, username: account.username, displayName: account.displayName, role: account.role, branchIds: account.branchIds };
}

staffAuthRoutes.post("/login", async (c) => {
  await throttle(c.env.RL_SIGNIN_IP, clientIp(c));
  const body = await readJson(c, loginBody);
  const username = body.username.trim().toLowerCase();
  const row = username === "" ? null : await findStaffByUsername(c.env.DB, username);
  const nowMs = now();
  // Always one PBKDF2 derivation, whatever happens next.
  const matches = await verifyPassword(body.password, row ? passwordHashOf(row) : DECOY_HASH);
  if (!row) {
    // Not even the typed username is kept: it might be a password typed in the wrong box.
    auditAs(c, { staffId: "-", role: "-" }, { action: "login_failed", detail: { reason: "unknown_user" } });
    throw new ProblemError("invalid_credentials");
  }
  const locked = row.lockedUntil !== null && row.lockedUntil > nowMs;
  const disabled = row.disabledAt !== null;
  if (!matches || locked || disabled) {
    const reason = disabled ? "disabled" : locked ? "locked" : "wrong_password";
    const lockedNow = reason === "wrong_password" ? (await recordFailedLogin(c.env.DB, row.id, nowMs)).locked : locked;
    auditAs(c, { staffId: row.id, role: row.role }, { action: "login_failed", detail: { reason, locked: lockedNow } });
    throw new ProblemError("invalid_credentials");
  }
  const rehash = needsRehash(passwordHashOf(row)) ? await hashPassword(body.password) : null;
  await recordSuccessfulLogin(c.env.DB, row.id, rehash);
  const token = await startStaffSession(c, row.id, row.sessionsValidAfter);
  auditAs(c, { staffId: row.id, role: row.role }, { action: "login", detail: rehash ? { rehashed: true } : undefined });
  return c.json({ token, tokenType: "Bearer", expiresAt: nowMs + STAFF_SESSION_TTL_S * 1000, staff: await meOf(c.env, principalFromRow(row)) });
});

/** Ends the account's sessions; without a valid session it only clears the cookie. */
staffAuthRoutes.post("/logout", async (c) => {
  const session = await readStaffSession(c);
  const row = session ? await findStaffById(c.env.DB, session.staffId) : null;
  if (session && row && session.epoch >= row.sessionsValidAfter) {
    await revokeSessions(c.env.DB, row.id, now());
    auditAs(c, { staffId: row.id, role: row.role }, { action: "logout" });
  }
  endStaffSession(c);
  return c.json({ signedOut: true });
});

staffAuthRoutes.get("/me", authenticateStaff, async (c) => {
  const staff = await staffOf(c);
  return c.json({ ...(await meOf(c.env, staff)), sessionExpiresAt: staff.sessionExpiresAt });
});
