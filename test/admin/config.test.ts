/**
 * The administration API: each change takes effect and is audited; the next booking obeys a
 * new cap or a new holiday, also in branch-days that another isolate (with a stale cached plan)
 * talks to; hostile or inconsistent configuration is refused with a stable problem code.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DayPlan } from "../../shared/branch-config";
import { branchDay } from "../../worker/booking";
import { dayPlanFor } from "../../worker/config/day-plans";
import { api, bookOnline, closeService, expectOk, expectProblem, openService } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { auditRows, bearerFor, seedStaff, type TestStaff } from "../support/staff";

const B1 = "hn-cn01";
const B2 = "hn-cn02";
const TUESDAY = "2026-11-24";
const SATURDAY = "2026-11-28";
const SUNDAY = "2026-11-29";
const A = "/api/v1/staff";

let manager1: TestStaff;
let manager2: TestStaff;
let citizen = 9000;
const nextCitizen = () => idNumber(citizen++);

const asAdmin = (method: string, path: string, json?: unknown) => api(method, `${A}${path}`, { staff: true, json });
async function asManager(who: TestStaff, method: string, path: string, json?: unknown) {
  return api(method, `${A}${path}`, { staff: await bearerFor(who), json });
}

async function config(branchId = B1) {
  return expectOk(await asAdmin("GET", `/branches/${branchId}/config`));
}

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  manager1 = await seedStaff({ username: "admin.test.manager1", role: "manager", branchIds: [B1] });
  manager2 = await seedStaff({ username: "admin.test.manager2", role: "manager", branchIds: [B2] });
});
afterAll(closeService);

describe("reading a branch's configuration", () => {
  it("one GET gives the branch, hours, every field offer (paused ones too), counters, the catalog and the calendar", async () => {
    const c = await asManager(manager1, "GET", `/branches/${B1}/config`).then((r) => expectOk(r));
    expect(c.branch).toMatchObject({ id: B1, timeZone: "Asia/Ho_Chi_Minh", bookingDaysAhead: 6, bookingFrom: "08:00", bookingUntil: "16:00" });
    expect(c.hours.map((h: { weekday: number }) => h.weekday)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.fields.find((f: { code: string }) => f.code === "YTE")).toMatchObject({ enabled: false, dailyCap: 40 });
    expect(c.fields.find((f: { code: string }) => f.code === "TUPHAP")).toMatchObject({ series: { kind: "block", start: 2001 }, dailyCap: 60 });
    expect(c.counters).toHaveLength(12);
    expect(c.fieldCatalog.map((f: { code: string }) => f.code)).toContain("NOIVU");
    expect(c.calendar.some((o: { date: string }) => o.date === "2026-09-02")).toBe(false); // more than a month back
    expect(c.planVersion).toBeGreaterThanOrEqual(c.version);
  });

  it("managers list only their branches; administrators every branch", async () => {
    const mine = expectOk(await asManager(manager2, "GET", "/branches"));
    expect(mine.items.map((b: { id: string }) => b.id)).toEqual([B2]);
    expect(mine.nextCursor).toBeNull();
    const all = expectOk(await asAdmin("GET", "/branches?limit=1"));
    expect(all.items.map((b: { id: string }) => b.id)).toEqual([B1]);
    const next = expectOk(await asAdmin("GET", `/branches?limit=1&cursor=${all.nextCursor}`));
    expect(next.items[0].id).toBe(B2);
  });
});

describe("a field's daily cap", () => {
  it("a lowered cap is enforced by the very next booking, and the change is audited", async () => {
    const first = nextCitizen();
    const second = nextCitizen();
    expectOk(await bookOnline(first, { fieldCode: "XAYDUNG" }), 201);
    expectOk(await bookOnline(second, { fieldCode: "XAYDUNG" }), 201);
    const res = expectOk(await asManager(manager1, "PUT", `/branches/${B1}/fields/XAYDUNG`, { dailyCap: 2 }));
    expect(res.config.fields.find((f: { code: string }) => f.code === "XAYDUNG").dailyCap).toBe(2);
    expect(res.propagated.failed).toBe(0);

    const refused = expectProblem(await bookOnline(nextCitizen(), { fieldCode: "XAYDUNG" }), 409, "field_cap_reached");
    expect(refused.nextWorkingDay).toBe(TUESDAY);

    const [row] = await auditRows({ action: "branch_field.put", staff_id: manager1.id });
    expect(row!.branch_id).toBe(B1);
    expect(JSON.parse(row!.detail!)).toMatchObject({ fieldCode: "XAYDUNG", dailyCap: 2, previousCap: 40 });

    expectOk(await asManager(manager1, "PUT", `/branches/${B1}/fields/XAYDUNG`, { dailyCap: 3 }));
    expectOk(await bookOnline(nextCitizen(), { fieldCode: "XAYDUNG" }), 201);
  });

  it("a branch-day reached through an isolate with a stale cached plan still applies the new cap", async () => {
    const stale = (await dayPlanFor(env, B1, MONDAY))!;
    expect(stale.branch.fields.find((f) => f.code === "KINHDOANH")!.dailyCap).toBe(40);
    expectOk(await asAdmin("PUT", `/branches/${B1}/fields/KINHDOANH`, { dailyCap: 7 }));
    // Another isolate would still hand this old plan over for up to 15 s: the object keeps the newer one.
    const overview = await branchDay(env, B1, MONDAY).overview(stale);
    expect(overview.fields.find((f) => f.code === "KINHDOANH")!.dailyCap).toBe(7);
    const ahead = await branchDay(env, B1, "2026-11-27").overview((await dayPlanFor(env, B1, "2026-11-27"))!);
    expect(ahead.fields.find((f) => f.code === "KINHDOANH")!.dailyCap).toBe(7);
  });

  it("disabling a field stops booking it; enabling a paused one offers it", async () => {
    expectOk(await asAdmin("PUT", `/branches/${B1}/fields/NONGNGHIEP`, { dailyCap: 40, enabled: false }));
    expectProblem(await bookOnline(nextCitizen(), { fieldCode: "NONGNGHIEP" }), 422, "field_not_offered");
    expectOk(await asAdmin("PUT", `/branches/${B1}/fields/YTE`, { dailyCap: 40, enabled: true }));
    const t = expectOk(await bookOnline(nextCitizen(), { fieldCode: "YTE" }), 201).ticket;
    expect(t.label).toBe("F001");
  });

  it("offering a new field answers 201; removing it takes it off the branch and its counters", async () => {
    const added = await asAdmin("PUT", `/branches/${B2}/fields/XAYDUNG`, { dailyCap: 10, sortOrder: 9 });
    expect(added.status).toBe(201);
    expectOk(await asAdmin("PUT", `/branches/${B2}/counters/5`, { fieldCodes: ["DATDAI", "XAYDUNG"] }));
    const removed = expectOk(await asAdmin("DELETE", `/branches/${B2}/fields/XAYDUNG`));
    expect(removed.config.fields.some((f: { code: string }) => f.code === "XAYDUNG")).toBe(false);
    expect(removed.config.counters.find((k: { number: number }) => k.number === 5).fieldCodes).toEqual(["DATDAI"]);
    expect((await auditRows({ action: "branch_field.delete" }))[0]!.branch_id).toBe(B2);
    expectProblem(await asAdmin("DELETE", `/branches/${B2}/fields/XAYDUNG`), 404, "field_not_found");
  });
});

describe("the holiday calendar", () => {
  it("a holiday added makes that day refuse booking, naming the next working day; removing it reopens the day", async () => {
    expectOk(await bookOnline(nextCitizen(), { serviceDate: TUESDAY, fieldCode: "TUPHAP" }), 201);
    const stale = (await dayPlanFor(env, B1, TUESDAY))!;
    const put = await asAdmin("PUT", `/calendar/${TUESDAY}`, { kind: "holiday", nameVi: "Nghỉ đột xuất", nameEn: "Unscheduled closure" });
    expect(put.status).toBe(201);
    expect(put.body.propagated.days).toBe(2); // both branches book that far ahead

    const refused = expectProblem(await bookOnline(nextCitizen(), { serviceDate: TUESDAY, fieldCode: "TUPHAP" }), 422, "not_a_working_day");
    expect(refused.nextWorkingDay).toBe("2026-11-25");
    // Today's refusals (e.g. a full field) point past the holiday too.
    const days = expectOk(await api("GET", `/api/v1/branches/${B1}/days`));
    expect(days.days.find((d: { date: string }) => d.date === TUESDAY)).toMatchObject({ working: false, bookable: false });
    // The branch-day of that day adopted the new plan: a stale isolate's older plan changes nothing.
    await branchDay(env, B1, TUESDAY).prepare(stale);
    const held = await runInDurableObject(branchDay(env, B1, TUESDAY), (day) => (day as unknown as { state: { plan: DayPlan } }).state.plan);
    expect(held.version).toBeGreaterThan(stale.version);
    expect(held.calendar.find((o) => o.date === TUESDAY)?.kind).toBe("holiday");
    const audited = await auditRows({ action: "calendar.put" });
    expect(JSON.parse(audited[0]!.detail!)).toMatchObject({ date: TUESDAY, kind: "holiday", created: true });

    // The holiday was the newest configuration row: removing it must still raise the plan's version.
    expectOk(await asAdmin("DELETE", `/calendar/${TUESDAY}`));
    expectOk(await bookOnline(nextCitizen(), { serviceDate: TUESDAY, fieldCode: "TUPHAP" }), 201);
    expect(await auditRows({ action: "calendar.delete" })).toHaveLength(1);
  });

  it("an extra working day opens a Sunday with Monday's hours", async () => {
    expectProblem(await bookOnline(nextCitizen(), { serviceDate: SUNDAY }), 422, "not_a_working_day");
    expectOk(await asAdmin("PUT", `/calendar/${SUNDAY}`, { kind: "working_day", nameVi: "Làm bù", nameEn: "Swapped working day" }), 201);
    expectOk(await bookOnline(nextCitizen(), { serviceDate: SUNDAY }), 201);
    const list = expectOk(await asManager(manager1, "GET", `/calendar?from=${MONDAY}&to=2026-12-31`));
    expect(list.items).toEqual([{ date: SUNDAY, kind: "working_day", nameVi: "Làm bù", nameEn: "Swapped working day" }]);
    const page = expectOk(await asAdmin("GET", "/calendar?from=2026-01-01&to=2026-12-31&limit=3"));
    expect(page.items.map((o: { date: string }) => o.date)).toEqual(["2026-01-01", "2026-02-14", "2026-02-16"]);
    const page2 = expectOk(await asAdmin("GET", `/calendar?from=2026-01-01&to=2026-12-31&limit=3&cursor=${page.nextCursor}`));
    expect(page2.items[0].date).toBe("2026-02-17");
  });
});

describe("branch settings, hours and counters", () => {
  it("booking days ahead: a shorter horizon refuses days beyond it at once", async () => {
    expectOk(await bookOnline(nextCitizen(), { serviceDate: "2026-11-27" }), 201);
    const res = expectOk(await asManager(manager1, "PATCH", `/branches/${B1}/settings`, { bookingDaysAhead: 2 }));
    expect(res.config.branch.bookingDaysAhead).toBe(2);
    expectProblem(await bookOnline(nextCitizen(), { serviceDate: "2026-11-27" }), 422, "too_far_ahead");
    expect(JSON.parse((await auditRows({ action: "branch.settings" }))[0]!.detail!)).toEqual({ bookingDaysAhead: 2 });
    expectOk(await asManager(manager1, "PATCH", `/branches/${B1}/settings`, { bookingDaysAhead: 6 }));
  });

  it("weekly hours: dropping Saturday closes it (a deletion still raises the version)", async () => {
    const before = await config();
    const weekdays = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opensAt: "08:00", closesAt: "17:00" }));
    const res = expectOk(await asManager(manager1, "PUT", `/branches/${B1}/hours`, { hours: weekdays }));
    expect(res.config.hours).toHaveLength(5);
    expect(res.config.version).toBeGreaterThan(before.version);
    expectProblem(await bookOnline(nextCitizen(), { serviceDate: SATURDAY }), 422, "not_a_working_day");
    expect(JSON.parse((await auditRows({ action: "branch.hours" }))[0]!.detail!).hours).toEqual(weekdays.map((h) => `${h.weekday} 08:00-17:00`));
    const six = [...weekdays, { weekday: 6, opensAt: "08:00", closesAt: "12:00" }];
    expectOk(await asManager(manager1, "PUT", `/branches/${B1}/hours`, { hours: six }));
    expectOk(await bookOnline(nextCitizen(), { serviceDate: SATURDAY }), 201);
  });

  it("counters: create with fields, change them, remove; each audited and seen by the public branch view", async () => {
    const made = await asManager(manager1, "PUT", `/branches/${B1}/counters/13`, { fieldCodes: ["TUPHAP", "DATDAI"] });
    expect(made.status).toBe(201);
    const pub = expectOk(await api("GET", `/api/v1/branches/${B1}`));
    expect(pub.branch.counters.find((k: { number: number }) => k.number === 13).fieldCodes).toEqual(["DATDAI", "TUPHAP"]);
    expectOk(await asManager(manager1, "PUT", `/branches/${B1}/counters/13`, { fieldCodes: ["KINHDOANH"] }));
    expectOk(await asManager(manager1, "DELETE", `/branches/${B1}/counters/13`));
    const after = expectOk(await api("GET", `/api/v1/branches/${B1}`));
    expect(after.branch.counters.some((k: { number: number }) => k.number === 13)).toBe(false);
    const rows = await auditRows({ branch_id: B1, action: "counter_config.put" }, 2);
    expect(rows.map((r) => JSON.parse(r.detail!).created)).toEqual([true, false]);
    expect((await auditRows({ action: "counter_config.delete" }))[0]!.counter_number).toBe(13);
    expectProblem(await asAdmin("DELETE", `/branches/${B1}/counters/13`), 404, "counter_not_found");
  });

  it("administrators create and rename branches; a new branch takes bookings with its defaults", async () => {
    const created = await asAdmin("POST", "/branches", { id: "hn-cn03", name: "Chi nhánh số 3", address: "Địa chỉ thử nghiệm" });
    expect(created.status).toBe(201);
    expect(created.body.config.branch).toMatchObject({ timeZone: "Asia/Ho_Chi_Minh", bookingDaysAhead: 6, callVerifiedOnly: false, resultsAddress: null });
    expect(created.body.config.hours).toHaveLength(5);
    expectOk(await asAdmin("PUT", "/branches/hn-cn03/fields/DATDAI", { dailyCap: 100 }), 201);
    expectOk(await asAdmin("PUT", "/branches/hn-cn03/counters/1", { fieldCodes: ["DATDAI"] }), 201);
    expect(expectOk(await bookOnline(nextCitizen(), { branchId: "hn-cn03" }), 201).ticket.label).toBe("A001");
    const renamed = expectOk(await asAdmin("PATCH", "/branches/hn-cn03", { name: "Chi nhánh số 3 (mới)", resultsAddress: "Nơi trả kết quả" }));
    expect(renamed.config.branch).toMatchObject({ name: "Chi nhánh số 3 (mới)", resultsAddress: "Nơi trả kết quả" });
    expect((await auditRows({ action: "branch.create" }))[0]!.branch_id).toBe("hn-cn03");
    expect(JSON.parse((await auditRows({ action: "branch.update" }))[0]!.detail!)).toEqual({ changed: ["name", "resultsAddress"] });
  });

  it("the field catalog: create, rename, renumber; audited", async () => {
    const made = await asAdmin("POST", "/fields", { code: "VANHOA", nameVi: "Văn hoá", nameEn: "Culture", series: { kind: "prefix", prefix: "H", digits: 3 } });
    expect(made.status).toBe(201);
    const patched = expectOk(await asAdmin("PATCH", "/fields/VANHOA", { nameEn: "Culture and sport", series: { kind: "block", start: 7001 } }));
    expect(patched.field).toMatchObject({ nameEn: "Culture and sport", series: { kind: "block", start: 7001 } });
    const list = expectOk(await asManager(manager1, "GET", "/fields"));
    expect(list.items.map((f: { code: string }) => f.code)).toContain("VANHOA");
    expect(await auditRows({ action: "field.create" })).toHaveLength(1);
    expect(JSON.parse((await auditRows({ action: "field.update" }))[0]!.detail!)).toMatchObject({ fieldCode: "VANHOA", changed: ["nameEn", "series"] });
  });
});

describe("refusals", () => {
  it("malformed input: 400 invalid_request with the failing path", async () => {
    const bad: Array<[string, string, unknown]> = [
      ["PUT", `/branches/${B1}/hours`, { hours: [{ weekday: 1, opensAt: "17:00", closesAt: "08:00" }] }],
      ["PUT", `/branches/${B1}/hours`, { hours: [{ weekday: 1, opensAt: "08:00", closesAt: "25:00" }] }],
      ["PUT", `/branches/${B1}/hours`, { hours: [{ weekday: 8, opensAt: "08:00", closesAt: "12:00" }] }],
      ["PUT", `/branches/${B1}/hours`, { hours: [{ weekday: 2, opensAt: "08:00", closesAt: "12:00" }, { weekday: 2, opensAt: "13:00", closesAt: "17:00" }] }],
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: -1 }],
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: 5001 }],
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: 1.5 }],
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: "800" }],
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: 800, note: "extra" }],
      ["PUT", `/branches/${B1}/fields/datdai`, { dailyCap: 800 }],
      ["PATCH", `/branches/${B1}/settings`, { bookingFrom: "16:30" }],
      ["PATCH", `/branches/${B1}/settings`, { bookingDaysAhead: 61 }],
      ["PATCH", `/branches/${B1}/settings`, {}],
      ["PUT", "/calendar/2026-02-30", { kind: "holiday", nameVi: "x", nameEn: "x" }],
      ["PUT", "/calendar/2026-12-01", { kind: "vacation", nameVi: "x", nameEn: "x" }],
      ["PUT", "/calendar/2026-12-01", { kind: "holiday", nameVi: " ", nameEn: "x" }],
      ["POST", "/branches", { id: "hn-cn09", name: "x", address: "y", timeZone: "Asia/Bangkok" }],
      ["POST", "/branches", { id: "HN CN09", name: "x", address: "y" }],
      ["POST", "/branches", { id: "hn-cn09", name: "x", address: "y", bookingFrom: "16:00", bookingUntil: "08:00" }],
      ["POST", "/fields", { code: "XX", nameVi: "x", nameEn: "x", series: { kind: "prefix", prefix: "a1", digits: 3 } }],
      ["POST", "/fields", { code: "XX", nameVi: "x", nameEn: "x", series: { kind: "block", start: 0 } }],
      ["PUT", `/branches/${B1}/counters/0`, { fieldCodes: ["DATDAI"] }],
      ["PUT", `/branches/${B1}/counters/2`, { fieldCodes: ["DATDAI", "DATDAI"] }],
    ];
    const wrong: string[] = [];
    for (const [method, path, json] of bad) {
      const res = await asAdmin(method, path, json);
      if (res.status !== 400 || res.body.code !== "invalid_request") wrong.push(`${method} ${path} ${JSON.stringify(json)} → ${res.status} ${res.body?.code}`);
    }
    expect(wrong).toEqual([]);
    expect(await auditRows({ action: "calendar.put" })).toHaveLength(2); // only the earlier, valid ones
  });

  it("a cap beyond what the series can number: 422 cap_exceeds_series", async () => {
    const p = expectProblem(await asAdmin("PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: 1000 }), 422, "cap_exceeds_series");
    expect(p.detail).toContain("999");
  });

  it("block series of two fields in one branch may not overlap, nor may prefixes repeat", async () => {
    expectOk(await asAdmin("POST", "/fields", { code: "KHOI2050", nameVi: "Khối 2050", nameEn: "Block 2050", series: { kind: "block", start: 2050 } }), 201);
    expectOk(await asAdmin("POST", "/fields", { code: "KHOI2061", nameVi: "Khối 2061", nameEn: "Block 2061", series: { kind: "block", start: 2061 } }), 201);
    expectOk(await asAdmin("POST", "/fields", { code: "CHUA", nameVi: "Tiền tố A", nameEn: "Prefix A", series: { kind: "prefix", prefix: "A", digits: 4 } }), 201);
    // TUPHAP numbers 2001–2060 at branch 1 (cap 60).
    expectProblem(await asAdmin("PUT", `/branches/${B1}/fields/KHOI2050`, { dailyCap: 5 }), 409, "series_overlap");
    expectProblem(await asAdmin("PUT", `/branches/${B1}/fields/CHUA`, { dailyCap: 5 }), 409, "series_overlap");
    expectOk(await asAdmin("PUT", `/branches/${B1}/fields/KHOI2061`, { dailyCap: 5 }), 201);
    // Raising TUPHAP's cap would now run into 2061.
    expectProblem(await asAdmin("PUT", `/branches/${B1}/fields/TUPHAP`, { dailyCap: 61 }), 409, "series_overlap");
    // Another branch is another numbering: no conflict there.
    expectOk(await asAdmin("PUT", `/branches/${B2}/fields/KHOI2050`, { dailyCap: 5, enabled: false }), 201);
    // Renumbering a field into a neighbour's block is refused as well.
    expectProblem(await asAdmin("PATCH", "/fields/KHOI2061", { series: { kind: "block", start: 2040 } }), 409, "series_overlap");
  });

  it("conflicts with what exists: branch_exists, field_exists, field_not_found, counter_field_not_offered, branch_not_found", async () => {
    expectProblem(await asAdmin("POST", "/branches", { id: B1, name: "x", address: "y" }), 409, "branch_exists");
    expectProblem(await asAdmin("POST", "/fields", { code: "DATDAI", nameVi: "x", nameEn: "x", series: { kind: "prefix", prefix: "Q", digits: 3 } }), 409, "field_exists");
    expectProblem(await asAdmin("PUT", `/branches/${B1}/fields/KHONGCO`, { dailyCap: 5 }), 404, "field_not_found");
    expectProblem(await asAdmin("PATCH", "/fields/KHONGCO", { nameVi: "x" }), 404, "field_not_found");
    expectProblem(await asAdmin("PUT", `/branches/${B1}/counters/2`, { fieldCodes: ["NOIVU"] }), 422, "counter_field_not_offered");
    expectProblem(await asAdmin("GET", "/branches/hn-cn77/config"), 404, "branch_not_found");
    expectProblem(await asAdmin("DELETE", "/calendar/2031-01-01"), 404, "not_found");
  });

  it("a manager is refused at another branch and for national settings", async () => {
    const refusals: Array<[string, string, unknown]> = [
      ["PUT", `/branches/${B1}/fields/DATDAI`, { dailyCap: 10 }],
      ["PATCH", `/branches/${B1}/settings`, { bookingDaysAhead: 1 }],
      ["PUT", `/branches/${B1}/hours`, { hours: [] }],
      ["PUT", `/branches/${B1}/counters/1`, { fieldCodes: [] }],
      ["GET", `/branches/${B1}/config`, undefined],
    ];
    for (const [method, path, json] of refusals) expectProblem(await asManager(manager2, method, path, json), 403, "forbidden");
    const national: Array<[string, string, unknown]> = [
      ["POST", "/branches", { id: "hn-cn10", name: "x", address: "y" }],
      ["PATCH", `/branches/${B1}`, { name: "Đổi tên" }],
      ["POST", "/fields", { code: "MOI", nameVi: "x", nameEn: "x", series: { kind: "prefix", prefix: "M", digits: 3 } }],
      ["PATCH", "/fields/DATDAI", { nameVi: "x" }],
      ["PUT", "/calendar/2026-12-24", { kind: "holiday", nameVi: "x", nameEn: "x" }],
      ["DELETE", "/calendar/2026-01-01", undefined],
    ];
    for (const [method, path, json] of national) expectProblem(await asManager(manager1, method, path, json), 403, "forbidden");
    // Nothing changed: branch 1 still books land numbers with its cap of 800.
    expect((await config()).fields.find((f: { code: string }) => f.code === "DATDAI").dailyCap).toBe(800);
  });
});
