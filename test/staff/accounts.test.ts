/**
 * Administrators manage staff accounts: create (with a generated or chosen password), list,
 * change role, branches, name, disable and unlock; at least one active administrator remains.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, closeService, expectOk, expectProblem, openService, secret, type ApiResponse } from "../support/http";
import { hanoi, MONDAY } from "../support/plans";
import { auditRows, bearerFor, seedStaff, TEST_STAFF_PASSWORD } from "../support/staff";

beforeAll(() => openService(hanoi(MONDAY, "08:30")));
afterAll(closeService);

let ip = 1;
function login(username: string, password: string): Promise<ApiResponse> {
  return api("POST", "/api/v1/staff/auth/login", { json: { username, password }, headers: { "cf-connecting-ip": `192.0.2.${ip++}` } });
}

function create(json: Record<string, unknown>, staff: string | true = true): Promise<ApiResponse> {
  return api("POST", "/api/v1/staff/accounts", { staff, json });
}

describe("creating accounts", () => {
  it("with a generated password, shown once, that signs in", async () => {
    const res = await create({ username: "Le.Cuong", displayName: "Lê Văn Cường", role: "clerk", branchIds: ["hn-cn01"] });
    const { account, initialPassword } = expectOk(res, 201);
    expect(account).toEqual({
      id: expect.any(String),
      username: "le.cuong",
      displayName: "Lê Văn Cường",
      role: "clerk",
      branchIds: ["hn-cn01"],
      disabled: false,
      disabledAt: null,
      lockedUntil: null,
      failedLogins: 0,
      createdAt: hanoi(MONDAY, "08:30"),
      updatedAt: hanoi(MONDAY, "08:30"),
    });
    expect(initialPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(res.text).not.toMatch(/hash|salt|iterations/i);
    expect(expectOk(await login("le.cuong", initialPassword)).staff).toMatchObject({ id: account.id, role: "clerk" });
    const [row] = await auditRows({ action: "account.create" });
    expect(JSON.parse(row!.detail!)).toEqual({ account: account.id, username: "le.cuong", role: "clerk", branchIds: ["hn-cn01"] });
    expect(row!.detail).not.toContain(initialPassword);
  });

  it("with a chosen password (never echoed back)", async () => {
    const password = secret("mật khẩu do quản trị chọn");
    const res = await create({ username: "reception.dung", displayName: "Phạm Dung", role: "reception", branchIds: ["hn-cn01", "hn-cn02"], password });
    expect(expectOk(res, 201).initialPassword).toBeUndefined();
    expectOk(await login("reception.dung", password));
  });

  it("refuses what does not make sense", async () => {
    const base = { displayName: "X", role: "clerk", branchIds: ["hn-cn01"] };
    expectProblem(await create({ ...base, username: "reception.dung" }), 409, "username_taken");
    expectProblem(await create({ ...base, username: "RECEPTION.DUNG" }), 409, "username_taken");
    // A username is never an ID number (or anything starting with a digit).
    expectProblem(await create({ ...base, username: "001090012345" }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "ab" }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "clerk.short", password: "too short" }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "clerk.nobranch", branchIds: [] }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "clerk.nowhere", branchIds: ["hn-cn99"] }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "admin.scoped", role: "admin" }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "clerk.boss", role: "owner" }), 400, "invalid_request");
    expectProblem(await create({ ...base, username: "clerk.extra", extra: 1 }), 400, "invalid_request");
  });

  it("is for administrators only", async () => {
    const manager = await seedStaff({ username: "manager.em", role: "manager", branchIds: ["hn-cn01"] });
    const token = await bearerFor(manager);
    expectProblem(await create({ username: "clerk.bymanager", displayName: "X", role: "clerk", branchIds: ["hn-cn01"] }, token), 403, "forbidden");
    expectProblem(await api("GET", "/api/v1/staff/accounts", { staff: token }), 403, "forbidden");
  });
});

describe("listing and changing accounts", () => {
  it("lists every account, without password material", async () => {
    const res = await api("GET", "/api/v1/staff/accounts", { staff: true });
    const { accounts } = expectOk(res);
    expect(accounts.map((a: { username: string }) => a.username)).toEqual(expect.arrayContaining(["le.cuong", "reception.dung", "manager.em", "test-admin"]));
    expect(res.text).not.toMatch(/hash|salt|iterations|password/i);
  });

  it("a role or branch change applies to the open session at once", async () => {
    const clerk = await seedStaff({ username: "clerk.promoted", role: "clerk", branchIds: ["hn-cn01"] });
    const token = await bearerFor(clerk);
    expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn02/today", { staff: token }), 403, "forbidden");
    const { account } = expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { role: "manager", branchIds: ["hn-cn01", "hn-cn02"], displayName: "Trưởng ca" } }));
    expect(account).toMatchObject({ role: "manager", branchIds: ["hn-cn01", "hn-cn02"], displayName: "Trưởng ca" });
    expect(expectOk(await api("GET", "/api/v1/staff/auth/me", { staff: token }))).toMatchObject({ role: "manager", name: "Trưởng ca", branches: ["hn-cn01", "hn-cn02"] });
    expectOk(await api("GET", "/api/v1/staff/branches/hn-cn02/today", { staff: token }));
    // Made an administrator: every branch, no list.
    expect(expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { role: "admin" } })).account.branchIds).toEqual([]);
    // Back to a branch role: the branches must be named again.
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { role: "clerk" } }), 400, "invalid_request");
    expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { role: "clerk", branchIds: ["hn-cn02"] } }));
  });

  it("refuses an empty change, an unknown account and a malformed id", async () => {
    const clerk = await seedStaff({ username: "clerk.x", role: "clerk", branchIds: ["hn-cn01"] });
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: {} }), 400, "invalid_request");
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${crypto.randomUUID()}`, { staff: true, json: { displayName: "Y" } }), 404, "not_found");
    expectProblem(await api("PATCH", "/api/v1/staff/accounts/not-a-uuid", { staff: true, json: { displayName: "Y" } }), 400, "invalid_request");
    expectProblem(await api("POST", `/api/v1/staff/accounts/${crypto.randomUUID()}/password`, { staff: true, json: { password: "long enough password" } }), 404, "not_found");
  });

  it("unlocks an account locked by failed sign-ins", async () => {
    const clerk = await seedStaff({ username: "clerk.unlock", role: "clerk", branchIds: ["hn-cn01"] });
    for (let i = 0; i < 5; i++) expectProblem(await login("clerk.unlock", "not the right one"), 401, "invalid_credentials");
    expectProblem(await login("clerk.unlock", TEST_STAFF_PASSWORD), 401, "invalid_credentials");
    const { account } = expectOk(await api("PATCH", `/api/v1/staff/accounts/${clerk.id}`, { staff: true, json: { unlock: true } }));
    expect(account).toMatchObject({ lockedUntil: null, failedLogins: 0 });
    expectOk(await login("clerk.unlock", TEST_STAFF_PASSWORD));
  });

  it("only an administrator changes someone else's password", async () => {
    const a = await seedStaff({ username: "clerk.a", role: "clerk", branchIds: ["hn-cn01"] });
    const m = await seedStaff({ username: "manager.b", role: "manager", branchIds: ["hn-cn01"] });
    expectProblem(await api("POST", `/api/v1/staff/accounts/${a.id}/password`, { staff: await bearerFor(m), json: { password: "long enough password" } }), 403, "forbidden");
  });
});

describe("administrators", () => {
  it("nobody disables their own account; the last active administrator stays one", async () => {
    const one = await seedStaff({ username: "admin.one", role: "admin" });
    const two = await seedStaff({ username: "admin.two", role: "admin" });
    const oneToken = await bearerFor(one);
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${one.id}`, { staff: oneToken, json: { disabled: true } }), 403, "forbidden");
    // Leave admin.one as the only active administrator (the others step down to manager for now;
    // disabling them would also end test-admin's sessions, which later calls still use).
    const others = (expectOk(await api("GET", "/api/v1/staff/accounts", { staff: oneToken })).accounts as Array<{ id: string; role: string; disabled: boolean }>).filter(
      (a) => a.role === "admin" && !a.disabled && a.id !== one.id,
    );
    expect(others.map((a) => a.id)).toContain(two.id);
    for (const other of others) expectOk(await api("PATCH", `/api/v1/staff/accounts/${other.id}`, { staff: oneToken, json: { role: "manager", branchIds: ["hn-cn01"] } }));
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${one.id}`, { staff: oneToken, json: { role: "manager", branchIds: ["hn-cn01"] } }), 409, "last_admin");
    expectProblem(await api("PATCH", `/api/v1/staff/accounts/${one.id}`, { staff: oneToken, json: { disabled: true } }), 403, "forbidden");
    // Another administrator again: now admin.one may step down.
    expectOk(await api("PATCH", `/api/v1/staff/accounts/${two.id}`, { staff: oneToken, json: { role: "admin" } }));
    expectOk(await api("PATCH", `/api/v1/staff/accounts/${one.id}`, { staff: oneToken, json: { role: "manager", branchIds: ["hn-cn01"] } }));
    expectProblem(await api("GET", "/api/v1/staff/accounts", { staff: oneToken }), 403, "forbidden");
    const twoToken = await bearerFor(two);
    for (const other of others) expectOk(await api("PATCH", `/api/v1/staff/accounts/${other.id}`, { staff: twoToken, json: { role: "admin" } }));
  });
});
