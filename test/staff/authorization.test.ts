/**
 * The authorization matrix: every staff route × every role × own/other branch, against a table
 * written here independently of the code. A route is allowed exactly where the table says: no
 * unexpected allow, no unexpected deny. The routes come from the Hono app itself (`app.routes`),
 * so a new staff route fails this test until someone decides who may use it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COUNTER_ACTIONS } from "../../durable/engine/commands";
import { app } from "../../worker/app";
import { api, closeService, openService, type ApiResponse } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { bearerFor, seedStaff, TEST_STAFF_PASSWORD, type TestStaff } from "../support/staff";

type Role = "clerk" | "reception" | "manager" | "admin";
const ROLES: Role[] = ["clerk", "reception", "manager", "admin"];
const OWN = "hn-cn01";
const OTHER = "hn-cn02";

/**
 * Who may use each route. `branch`: the route acts at `:branchId`, so a non-administrator is
 * allowed only at their own branch. `public`: no session needed.
 */
type Rule = { public: true } | { roles: Role[]; branch: boolean };
const BRANCH_DESK: Role[] = ["reception", "manager", "admin"];
const MANAGERS: Role[] = ["manager", "admin"];
const RULES: Record<string, Rule> = {
  "POST /api/v1/staff/auth/login": { public: true },
  "POST /api/v1/staff/auth/logout": { public: true },
  "GET /api/v1/staff/auth/me": { roles: ROLES, branch: false },
  "POST /api/v1/staff/accounts": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/accounts": { roles: ["admin"], branch: false },
  "PATCH /api/v1/staff/accounts/:id": { roles: ["admin"], branch: false },
  // Someone else's password: administrators; one's own: everyone (a variant below).
  "POST /api/v1/staff/accounts/:id/password": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/audit": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/branches/:branchId/audit": { roles: MANAGERS, branch: true },
  "GET /api/v1/staff/branches/:branchId/today": { roles: MANAGERS, branch: true },
  "GET /api/v1/staff/branches/:branchId/days/:date/reconciliation": { roles: MANAGERS, branch: true },
  "POST /api/v1/staff/branches/:branchId/counters/:counter/:action": { roles: ["clerk", "manager", "admin"], branch: true },
  // The counter-facing rating screen (shared/ratings.ts): as a counter command.
  "POST /api/v1/staff/branches/:branchId/counters/:counter/rating": { roles: ["clerk", "manager", "admin"], branch: true },
  "POST /api/v1/staff/branches/:branchId/tickets": { roles: BRANCH_DESK, branch: true },
  "POST /api/v1/staff/branches/:branchId/check-in": { roles: BRANCH_DESK, branch: true },
  "GET /api/v1/staff/branches/:branchId/tickets/:label": { roles: BRANCH_DESK, branch: true },
  // Reception's own screen (a counter's screen: a variant below).
  "POST /api/v1/staff/branches/:branchId/live-tokens": { roles: BRANCH_DESK, branch: true },
  "POST /api/v1/staff/branches/:branchId/display-tokens": { roles: MANAGERS, branch: true },
  "GET /api/v1/staff/branches/:branchId/display-tokens": { roles: MANAGERS, branch: true },
  "DELETE /api/v1/staff/branches/:branchId/display-tokens/:tokenId": { roles: MANAGERS, branch: true },
  // Reports (worker/routes/reports.ts): the branch's managers and administrators.
  "GET /api/v1/staff/branches/:branchId/reports": { roles: MANAGERS, branch: true },
  "GET /api/v1/staff/branches/:branchId/reports.csv": { roles: MANAGERS, branch: true },
  // Branch configuration (worker/routes/staff-admin.ts): managers run their branch's fields, caps,
  // counters, hours and booking settings; creating or renaming branches, the national field
  // catalog and the national calendar are for administrators.
  "GET /api/v1/staff/branches": { roles: MANAGERS, branch: false },
  "POST /api/v1/staff/branches": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/branches/:branchId/config": { roles: MANAGERS, branch: true },
  "PATCH /api/v1/staff/branches/:branchId": { roles: ["admin"], branch: true },
  "PATCH /api/v1/staff/branches/:branchId/settings": { roles: MANAGERS, branch: true },
  "PUT /api/v1/staff/branches/:branchId/hours": { roles: MANAGERS, branch: true },
  "PUT /api/v1/staff/branches/:branchId/fields/:fieldCode": { roles: MANAGERS, branch: true },
  "DELETE /api/v1/staff/branches/:branchId/fields/:fieldCode": { roles: MANAGERS, branch: true },
  "PUT /api/v1/staff/branches/:branchId/counters/:counter": { roles: MANAGERS, branch: true },
  "DELETE /api/v1/staff/branches/:branchId/counters/:counter": { roles: MANAGERS, branch: true },
  "GET /api/v1/staff/fields": { roles: MANAGERS, branch: false },
  "POST /api/v1/staff/fields": { roles: ["admin"], branch: false },
  "PATCH /api/v1/staff/fields/:fieldCode": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/calendar": { roles: MANAGERS, branch: false },
  "PUT /api/v1/staff/calendar/:date": { roles: ["admin"], branch: false },
  "DELETE /api/v1/staff/calendar/:date": { roles: ["admin"], branch: false },
  // City platform clients, their webhooks and the deliveries (worker/routes/platform.ts): administrators.
  "GET /api/v1/staff/admin/platform-clients": { roles: ["admin"], branch: false },
  "POST /api/v1/staff/admin/platform-clients": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/platform-clients/:clientId": { roles: ["admin"], branch: false },
  "PATCH /api/v1/staff/admin/platform-clients/:clientId": { roles: ["admin"], branch: false },
  "DELETE /api/v1/staff/admin/platform-clients/:clientId": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/platform-clients/:clientId/usage": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/platform-clients/:clientId/webhooks": { roles: ["admin"], branch: false },
  "POST /api/v1/staff/admin/platform-clients/:clientId/webhooks": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId": { roles: ["admin"], branch: false },
  "PATCH /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId": { roles: ["admin"], branch: false },
  "DELETE /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId": { roles: ["admin"], branch: false },
  "POST /api/v1/staff/admin/platform-clients/:clientId/webhooks/:webhookId/rotate-secret": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/webhook-deliveries": { roles: ["admin"], branch: false },
  "GET /api/v1/staff/admin/webhook-deliveries/:deliveryId": { roles: ["admin"], branch: false },
  "POST /api/v1/staff/admin/webhook-deliveries/:deliveryId/replay": { roles: ["admin"], branch: false },
  "POST /api/v1/staff/admin/webhook-deliveries/replay-dead": { roles: ["admin"], branch: false },
};

/** The staff routes the app really has, as "METHOD /path". */
function staffRoutesOfApp(): string[] {
  const keys = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/staff")).map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)].sort();
}

interface Case {
  name: string;
  rule: Rule;
  method: string;
  /** The path with `:branchId` still in it (filled per branch); other params filled. */
  path: (caller: TestStaff) => string;
  body?: (caller: TestStaff) => unknown;
}

let accounts: Record<Role, TestStaff>;
let target: TestStaff;
let n = 0;

function bodyOfAction(action: string): unknown {
  if (action === "call") return { label: "A001" };
  if (action === "transfer") return { toFieldCode: "TUPHAP" };
  return {};
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (key: string, path: Case["path"], body?: Case["body"], rule: Rule = RULES[key]!, name = key) => {
    out.push({ name, rule, method: key.split(" ")[0]!, path, body });
  };
  const p = (key: string) => key.split(" ")[1]!;
  for (const key of Object.keys(RULES)) {
    const path = p(key);
    const config = CONFIG_CASES[key];
    if (config) {
      add(key, () => config.path(path), config.body);
    } else if (key.endsWith("/counters/:counter/:action")) {
      const actionPaths = ["open", "pause", "resume", "close", "call-next", "call", "recall", "no-show", "start", "complete", "transfer"];
      expect(actionPaths.length).toBe(COUNTER_ACTIONS.length);
      for (const action of actionPaths) add(key, () => path.replace(":counter", "1").replace(":action", action), () => bodyOfAction(action), undefined, `${key} [${action}]`);
    } else if (key.endsWith("/counters/:counter/rating")) {
      add(key, () => path.replace(":counter", "1"), () => ({ score: 5 }));
    } else if (key.endsWith("/accounts/:id/password")) {
      add(key, () => path.replace(":id", target.id), () => ({ password: TEST_STAFF_PASSWORD }), undefined, `${key} [someone else's]`);
      add(key, (me) => path.replace(":id", me.id), () => ({ password: TEST_STAFF_PASSWORD, currentPassword: TEST_STAFF_PASSWORD }), { roles: ROLES, branch: false }, `${key} [own]`);
    } else if (key.endsWith("/accounts/:id")) {
      add(key, () => path.replace(":id", target.id), () => ({ displayName: `Đổi tên ${n++}` }));
    } else if (key === "POST /api/v1/staff/accounts") {
      add(key, () => path, () => ({ username: `made.${n++}`, displayName: "Tài khoản mới", role: "clerk", branchIds: [OWN] }));
    } else if (key.endsWith("/live-tokens")) {
      add(key, () => path, () => ({ audience: "reception" }), undefined, `${key} [reception]`);
      add(key, () => path, () => ({ audience: "counter", counter: 1 }), { roles: ["clerk", "manager", "admin"], branch: true }, `${key} [counter]`);
    } else if (key.endsWith("/display-tokens/:tokenId")) {
      add(key, () => path.replace(":tokenId", crypto.randomUUID()));
    } else if (key.endsWith("/tickets/:label")) {
      add(key, () => path.replace(":label", "A001"));
    } else if (key.endsWith("/branches/:branchId/tickets")) {
      add(key, () => path, () => ({ idNumber: idNumber(600 + n++), identityCheck: "typed", fieldCode: "DATDAI" }));
    } else if (key.endsWith("/check-in")) {
      add(key, () => path, () => ({ ticket: "A001", idNumber: idNumber(600 + n++), identityCheck: "chip_qr" }));
    } else if (key.endsWith("/display-tokens")) {
      add(key, () => path, key.startsWith("POST") ? () => ({ label: "Sảnh chờ" }) : undefined);
    } else if (key.includes("/staff/admin/platform-clients") || key.includes("/staff/admin/webhook-deliveries")) {
      // Ids that name nothing: an administrator gets 404 (or 400/422 for the empty body), never 403.
      const filled = path.replace(":clientId", "pc_none").replace(":webhookId", "we_none").replace(":deliveryId", "whd_none");
      add(key, () => filled, key.startsWith("GET") || key.startsWith("DELETE") ? undefined : () => ({}));
    } else if (key === "POST /api/v1/staff/auth/login") {
      add(key, () => path, () => ({ username: "nobody.at.all", password: "not a password" }));
    } else {
      add(key, () => path);
    }
  }
  return out;
}

/** Branch configuration routes: a path and a body valid for every branch and role allowed. */
const WEEK = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opensAt: "08:00", closesAt: "17:00" }));
const CONFIG_CASES: Record<string, { path: (p: string) => string; body?: () => unknown }> = {
  "GET /api/v1/staff/branches/:branchId/days/:date/reconciliation": { path: (p) => p.replace(":date", "2026-11-23") },
  "POST /api/v1/staff/branches": { path: (p) => p, body: () => ({ id: `matrix-${n++}`, name: "Chi nhánh thử", address: "Địa chỉ thử" }) },
  "PATCH /api/v1/staff/branches/:branchId": { path: (p) => p, body: () => ({ resultsAddress: null }) },
  "PATCH /api/v1/staff/branches/:branchId/settings": { path: (p) => p, body: () => ({ bookingDaysAhead: 6 }) },
  "PUT /api/v1/staff/branches/:branchId/hours": { path: (p) => p, body: () => ({ hours: WEEK }) },
  "PUT /api/v1/staff/branches/:branchId/fields/:fieldCode": { path: (p) => p.replace(":fieldCode", "TUPHAP"), body: () => ({ dailyCap: 40 }) },
  // Not offered at branch 1: a 404 there still shows the call was let through.
  "DELETE /api/v1/staff/branches/:branchId/fields/:fieldCode": { path: (p) => p.replace(":fieldCode", "NOIVU") },
  "PUT /api/v1/staff/branches/:branchId/counters/:counter": { path: (p) => p.replace(":counter", "20"), body: () => ({ fieldCodes: ["DATDAI"] }) },
  "DELETE /api/v1/staff/branches/:branchId/counters/:counter": { path: (p) => p.replace(":counter", "99") },
  "POST /api/v1/staff/fields": { path: (p) => p, body: () => ({ code: `MX${n++}`, nameVi: "Thử", nameEn: "Test", series: { kind: "prefix", prefix: "X", digits: 3 } }) },
  "PATCH /api/v1/staff/fields/:fieldCode": { path: (p) => p.replace(":fieldCode", "NOIVU"), body: () => ({ sortOrder: 7 }) },
  "PUT /api/v1/staff/calendar/:date": { path: (p) => p.replace(":date", "2030-01-02"), body: () => ({ kind: "holiday", nameVi: "Thử", nameEn: "Test" }) },
  "DELETE /api/v1/staff/calendar/:date": { path: (p) => p.replace(":date", "2030-01-03") },
};

let ip = 0;
function call(c: Case, caller: TestStaff | null, branchId: string, token?: string): Promise<ApiResponse> {
  const me = caller ?? accounts.admin;
  const body = c.body?.(me);
  return api(c.method, c.path(me).replace(":branchId", branchId), {
    staff: token,
    json: body,
    // Sign-in and password checks are throttled per IP: each call from its own address.
    headers: { "cf-connecting-ip": `10.9.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}` },
  });
}

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  accounts = {
    clerk: await seedStaff({ username: "matrix.clerk", role: "clerk", branchIds: [OWN] }),
    reception: await seedStaff({ username: "matrix.reception", role: "reception", branchIds: [OWN] }),
    manager: await seedStaff({ username: "matrix.manager", role: "manager", branchIds: [OWN] }),
    admin: await seedStaff({ username: "matrix.admin", role: "admin" }),
  };
  target = await seedStaff({ username: "matrix.target", role: "clerk", branchIds: [OWN] });
});
afterAll(closeService);

describe("staff authorization", () => {
  it("every staff route of the app is in the table (a new route must be classified here)", () => {
    expect(staffRoutesOfApp()).toEqual(Object.keys(RULES).sort());
  });

  it("without a session every route but sign-in and sign-out is 401 unauthorized", async () => {
    const wrong: string[] = [];
    for (const c of cases()) {
      const res = await call(c, null, OWN);
      const isPublic = "public" in c.rule;
      const refused = res.status === 401 && res.body?.code === "unauthorized";
      if (isPublic === refused) wrong.push(`${c.name}: ${res.status} ${res.body?.code ?? ""}`);
    }
    expect(wrong).toEqual([]);
  });

  it("every role × own/other branch: allowed exactly where the table says", { timeout: 180_000 }, async () => {
    const wrong: string[] = [];
    let allowedSeen = 0;
    let deniedSeen = 0;
    for (const c of cases()) {
      if ("public" in c.rule) continue;
      const rule = c.rule;
      for (const role of ROLES) {
        for (const branchId of rule.branch ? [OWN, OTHER] : [OWN]) {
          const caller = accounts[role];
          // A fresh token each time: some cases (own password, sign-out) end the caller's sessions.
          const res = await call(c, caller, branchId, await bearerFor(caller));
          const expected = rule.roles.includes(role) && (!rule.branch || branchId === OWN || role === "admin");
          const forbidden = res.status === 403 && res.body?.code === "forbidden";
          const unauthenticated = res.status === 401;
          if (expected) allowedSeen++;
          else deniedSeen++;
          if (expected && (forbidden || unauthenticated)) wrong.push(`unexpected DENY  ${role} @${branchId} ${c.name}: ${res.status} ${res.body?.code}`);
          if (!expected && !forbidden) wrong.push(`unexpected ALLOW ${role} @${branchId} ${c.name}: ${res.status} ${res.body?.code ?? ""}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(allowedSeen).toBeGreaterThan(50);
    expect(deniedSeen).toBeGreaterThan(50);
  });

  it("an account at no branch of the request is refused even for an unknown branch; an administrator learns it does not exist", async () => {
    const manager = await bearerFor(accounts.manager);
    const res = await api("GET", "/api/v1/staff/branches/hn-cn77/today", { staff: manager });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: "forbidden" });
    const admin = await api("GET", "/api/v1/staff/branches/hn-cn77/today", { staff: await bearerFor(accounts.admin) });
    expect({ status: admin.status, code: admin.body.code }).toEqual({ status: 404, code: "branch_not_found" });
  });
});
