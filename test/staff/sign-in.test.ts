/**
 * Staff sign-in over HTTP: the session (cookie and bearer), who am I, sign-out, the same answer
 * for every failed attempt, lock-out after failed attempts, disabled accounts, password changes
 * ending old sessions, the per-IP throttle, and the audit rows sign-in leaves.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now, testClock } from "../../shared/clock";
import { hashPassword } from "../../worker/staff/password";
import { api, closeService, expectOk, expectProblem, openService, secret, type ApiResponse } from "../support/http";
import { hanoi, MONDAY } from "../support/plans";
import { auditRows, bearerFor, seedStaff, TEST_STAFF_PASSWORD } from "../support/staff";

const MINUTE = 60_000;

beforeAll(() => openService(hanoi(MONDAY, "08:30")));
afterAll(closeService);

// Each attempt from its own address, unless a test is about the per-IP throttle.
let nextIp = 1;
function freshIp(): string {
  const n = nextIp++;
  return `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

function login(username: string, password: string, ip = freshIp()): Promise<ApiResponse> {
  return api("POST", "/api/v1/staff/auth/login", { json: { username, password }, headers: { "cf-connecting-ip": ip } });
}

function me(token: string): Promise<ApiResponse> {
  return api("GET", "/api/v1/staff/auth/me", { staff: token });
}

async function lockedUntil(id: string): Promise<{ failed_logins: number; locked_until: number | null }> {
  return (await env.DB.prepare("SELECT failed_logins, locked_until FROM staff WHERE id = ?").bind(id).first<{ failed_logins: number; locked_until: number | null }>())!;
}

describe("signing in", () => {
  it("gives a session cookie and the same token in the body, for tablets that prefer a bearer", async () => {
    const clerk = await seedStaff({ username: "clerk.an", role: "clerk", branchIds: ["hn-cn01"], displayName: "Nguyễn Thị An" });
    secret(TEST_STAFF_PASSWORD);
    const res = await login("clerk.an", TEST_STAFF_PASSWORD);
    const body = expectOk(res);
    expect(body.staff).toEqual({ id: clerk.id, username: "clerk.an", name: "Nguyễn Thị An", role: "clerk", allBranches: false, branches: ["hn-cn01"] });
    expect(body.tokenType).toBe("Bearer");
    expect(body.expiresAt).toBe(hanoi(MONDAY, "08:30") + 10 * 3600_000);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`__Host-sothutu_staff=${body.token as string}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it("takes the username in any case and with stray spaces", async () => {
    expectOk(await login("  Clerk.AN ", TEST_STAFF_PASSWORD));
  });

  it("GET /me answers for the bearer token and for the cookie alike", async () => {
    const { token } = expectOk(await login("clerk.an", TEST_STAFF_PASSWORD));
    const byBearer = expectOk(await me(token));
    const byCookie = expectOk(await api("GET", "/api/v1/staff/auth/me", { headers: { cookie: `__Host-sothutu_staff=${token as string}` } }));
    expect(byBearer).toEqual(byCookie);
    // A stale cookie does not hide a valid bearer.
    expect(expectOk(await api("GET", "/api/v1/staff/auth/me", { staff: token, headers: { cookie: "__Host-sothutu_staff=stale.token.value" } }))).toEqual(byBearer);
    // A citizen's session is no staff session.
    expectProblem(await api("GET", "/api/v1/staff/auth/me", { citizen: "001090012345" }), 401, "unauthorized");
    expect(byBearer).toMatchObject({ username: "clerk.an", role: "clerk", branches: ["hn-cn01"], sessionExpiresAt: expect.any(Number) });
  });

  it("an administrator has every branch", async () => {
    await seedStaff({ username: "admin.binh", role: "admin" });
    const { staff } = expectOk(await login("admin.binh", TEST_STAFF_PASSWORD));
    expect(staff).toMatchObject({ role: "admin", allBranches: true });
    expect(staff.branches).toEqual(expect.arrayContaining(["hn-cn01", "hn-cn02"]));
  });

  it("an old, cheaper hash is upgraded to the current iteration count at sign-in", async () => {
    const old = await hashPassword(TEST_STAFF_PASSWORD, 10_000);
    const clerk = await seedStaff({ username: "clerk.old", role: "clerk", branchIds: ["hn-cn01"] });
    await env.DB.prepare("UPDATE staff SET password_hash = ?, password_salt = ?, password_iterations = ? WHERE id = ?").bind(old.hash, old.salt, old.iterations, clerk.id).run();
    expectOk(await login("clerk.old", TEST_STAFF_PASSWORD));
    const row = await env.DB.prepare("SELECT password_hash, password_iterations FROM staff WHERE id = ?").bind(clerk.id).first<{ password_hash: string; password_iterations: number }>();
    expect(row).toMatchObject({ password_iterations: 100_000 });
    expect(row!.password_hash).not.toBe(old.hash);
    expectOk(await login("clerk.old", TEST_STAFF_PASSWORD));
  });
});

describe("failed sign-ins", () => {
  it("an unknown user and a wrong password get the very same answer", async () => {
    const unknown = expectProblem(await login("nobody.here", "whatever whatever"), 401, "invalid_credentials");
    const wrong = expectProblem(await login("clerk.an", "not the password at all"), 401, "invalid_credentials");
    expect({ ...unknown, instance: null }).toEqual({ ...wrong, instance: null });
    expectProblem(await login("", ""), 401, "invalid_credentials");
    expectProblem(await api("POST", "/api/v1/staff/auth/login", { json: { username: "clerk.an" } }), 400, "invalid_request");
  });

  it("five wrong passwords in a row lock the account for 15 minutes, even against the right password", async () => {
    const clerk = await seedStaff({ username: "clerk.lock", role: "clerk", branchIds: ["hn-cn01"] });
    for (let i = 1; i <= 4; i++) {
      expectProblem(await login("clerk.lock", `wrong password ${i}`), 401, "invalid_credentials");
      expect(await lockedUntil(clerk.id)).toEqual({ failed_logins: i, locked_until: null });
    }
    const lockedAt = now();
    expectProblem(await login("clerk.lock", "wrong password 5"), 401, "invalid_credentials");
    expect(await lockedUntil(clerk.id)).toEqual({ failed_logins: 0, locked_until: lockedAt + 15 * MINUTE });
    // Locked: the right password gets the same answer as a wrong one.
    expectProblem(await login("clerk.lock", TEST_STAFF_PASSWORD), 401, "invalid_credentials");
    testClock.advance(15 * MINUTE - 1_000);
    expectProblem(await login("clerk.lock", TEST_STAFF_PASSWORD), 401, "invalid_credentials");
    testClock.advance(1_001);
    expectOk(await login("clerk.lock", TEST_STAFF_PASSWORD));
    expect(await lockedUntil(clerk.id)).toEqual({ failed_logins: 0, locked_until: null });
  });

  it("a successful sign-in starts the count again", async () => {
    const clerk = await seedStaff({ username: "clerk.reset", role: "clerk", branchIds: ["hn-cn01"] });
    for (let i = 0; i < 4; i++) expectProblem(await login("clerk.reset", "wrong wrong wrong"), 401, "invalid_credentials");
    expectOk(await login("clerk.reset", TEST_STAFF_PASSWORD));
    for (let i = 0; i < 4; i++) expectProblem(await login("clerk.reset", "wrong wrong wrong"), 401, "invalid_credentials");
    expect(await lockedUntil(clerk.id)).toEqual({ failed_logins: 4, locked_until: null });
    expectOk(await login("clerk.reset", TEST_STAFF_PASSWORD));
  });

  it("sign-in attempts from one address are throttled: 429 rate_limited with Retry-After", async () => {
    const ip = "203.0.113.77";
    let limited: ApiResponse | null = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await login("nobody.here", "whatever whatever", ip);
      if (res.status === 429) limited = res;
      else expectProblem(res, 401, "invalid_credentials");
    }
    expect(limited, "no 429 after 40 attempts from one address").not.toBeNull();
    const p = expectProblem(limited!, 429, "rate_limited");
    expect(p.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited!.headers.get("retry-after")).toBe(String(p.retryAfterSeconds));
    // Another address is not affected.
    expectOk(await login("clerk.an", TEST_STAFF_PASSWORD));
  });
});

describe("sessions end", () => {
  it("sign-out ends the account's sessions (bearer and cookie) and clears the cookie", async () => {
    const first = expectOk(await login("clerk.an", TEST_STAFF_PASSWORD)).token as string;
    const second = expectOk(await login("clerk.an", TEST_STAFF_PASSWORD)).token as string;
    expectOk(await me(first));
    const out = await api("POST", "/api/v1/staff/auth/logout", { staff: first });
    expect(expectOk(out)).toEqual({ signedOut: true });
    expect(out.headers.get("set-cookie") ?? "").toMatch(/__Host-sothutu_staff=;.*Max-Age=0/i);
    expectProblem(await me(first), 401, "unauthorized");
    expectProblem(await me(second), 401, "unauthorized");
    expectProblem(await api("GET", "/api/v1/staff/auth/me", { headers: { cookie: `__Host-sothutu_staff=${second}` } }), 401, "unauthorized");
    // Signing in again right away works.
    expectOk(await me(expectOk(await login("clerk.an", TEST_STAFF_PASSWORD)).token));
    // Signing out without a session only clears the cookie.
    expectOk(await api("POST", "/api/v1/staff/auth/logout"));
  });

  it("a disabled account cannot sign in, and its open sessions stop at once (also after it is enabled again)", async () => {
    const clerk = await seedStaff({ username: "clerk.gone", role: "clerk", branchIds: ["hn-cn01"] });
    const token = expectOk(await login("clerk.gone", TEST_STAFF_PASSWORD)).token as string;
    expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { disabled: true } }));
    expectProblem(await me(token), 401, "unauthorized");
    expectProblem(await login("clerk.gone", TEST_STAFF_PASSWORD), 401, "invalid_credentials");
    expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { disabled: false } }));
    expectProblem(await me(token), 401, "unauthorized");
    expectOk(await me(expectOk(await login("clerk.gone", TEST_STAFF_PASSWORD)).token));
  });

  it("an administrator's password reset ends the account's old sessions; only the new password works", async () => {
    const clerk = await seedStaff({ username: "clerk.reset.pw", role: "clerk", branchIds: ["hn-cn01"] });
    const old = expectOk(await login("clerk.reset.pw", TEST_STAFF_PASSWORD)).token as string;
    const fresh = secret("một mật khẩu mới hoàn toàn");
    expect(expectOk(await api("POST", `/api/v1/staff/accounts/${clerk.id}/password`, { staff: true, json: { password: fresh } }))).toEqual({ changed: true, sessionsEnded: true });
    expectProblem(await me(old), 401, "unauthorized");
    expectProblem(await login("clerk.reset.pw", TEST_STAFF_PASSWORD), 401, "invalid_credentials");
    expectOk(await me(expectOk(await login("clerk.reset.pw", fresh)).token));
  });

  it("changing one's own password needs the current one, ends the other sessions and gives a new one", async () => {
    const clerk = await seedStaff({ username: "clerk.self", role: "clerk", branchIds: ["hn-cn01"] });
    const tablet = expectOk(await login("clerk.self", TEST_STAFF_PASSWORD)).token as string;
    const phone = expectOk(await login("clerk.self", TEST_STAFF_PASSWORD)).token as string;
    const path = `/api/v1/staff/accounts/${clerk.id}/password`;
    const next = secret("mật khẩu riêng của tôi 2026");
    expectProblem(await api("POST", path, { staff: tablet, json: { password: next } }), 403, "current_password_incorrect");
    expectProblem(await api("POST", path, { staff: tablet, json: { password: next, currentPassword: "not it at all" } }), 403, "current_password_incorrect");
    expectProblem(await api("POST", path, { staff: tablet, json: { password: "short", currentPassword: TEST_STAFF_PASSWORD } }), 400, "invalid_request");
    const changed = expectOk(await api("POST", path, { staff: tablet, json: { password: next, currentPassword: TEST_STAFF_PASSWORD } }));
    expect(changed).toMatchObject({ changed: true, sessionsEnded: true, token: expect.any(String) });
    expectProblem(await me(tablet), 401, "unauthorized");
    expectProblem(await me(phone), 401, "unauthorized");
    expectOk(await me(changed.token));
    expectOk(await login("clerk.self", next));
    // The failed attempts above counted against the account (and were reset by the change).
    expect(await lockedUntil(clerk.id)).toEqual({ failed_logins: 0, locked_until: null });
  });

  it("a session is refused once it expires (10 hours: one shift)", async () => {
    const clerk = await seedStaff({ username: "clerk.shift", role: "clerk", branchIds: ["hn-cn01"] });
    const token = await bearerFor(clerk);
    testClock.advance(10 * 3600_000 - 1_000);
    expectOk(await me(token));
    testClock.advance(2_000);
    expectProblem(await me(token), 401, "unauthorized");
  });
});

describe("the audit log of sign-ins", () => {
  it("records sign-ins and failed ones with the account, never the typed username or password", async () => {
    const clerk = await seedStaff({ username: "clerk.audit", role: "clerk", branchIds: ["hn-cn01"] });
    const typed = secret("001090099999");
    expectProblem(await login(typed, "hunter2 hunter2"), 401, "invalid_credentials");
    expectProblem(await login("clerk.audit", "wrong password here"), 401, "invalid_credentials");
    expectOk(await login("clerk.audit", TEST_STAFF_PASSWORD));
    const mine = await auditRows({ staff_id: clerk.id }, 2);
    expect(mine.map((r) => [r.action, r.role, r.detail ? JSON.parse(r.detail).reason : undefined])).toEqual([
      ["login_failed", "clerk", "wrong_password"],
      ["login", "clerk", undefined],
    ]);
    const all = JSON.stringify(await auditRows({}, 1));
    expect(all).toContain("unknown_user");
    for (const leaked of [typed, "hunter2", "wrong password here", TEST_STAFF_PASSWORD]) expect(all).not.toContain(leaked);
  });
});
