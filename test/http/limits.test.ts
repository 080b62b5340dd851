/**
 * The pilot's per-citizen limits over HTTP: at most 2 numbers a day and 1 per field, counting
 * every branch and every channel (online and walk-in numbers are worth the same).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bookOnline, booked, closeService, expectOk, expectProblem, openService, walkIn } from "../support/http";
import { hanoi, idNumber } from "../support/plans";

beforeAll(() => openService(hanoi("2026-11-23", "09:00")));
afterAll(closeService);

describe("at most 2 numbers per citizen per day", () => {
  it("a third number the same day is 409 citizen_daily_limit", async () => {
    const me = idNumber(201);
    await booked(me, { fieldCode: "DATDAI" });
    await booked(me, { fieldCode: "TUPHAP" });
    const p = expectProblem(await bookOnline(me, { fieldCode: "XAYDUNG" }), 409, "citizen_daily_limit");
    expect(p.title).toBe("Mỗi công dân chỉ được lấy tối đa 2 số thứ tự mỗi ngày.");
    // The refused attempt took nothing: the field's numbers left are untouched.
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-23"));
    expect(day.fields.find((f: { code: string }) => f.code === "XAYDUNG").remaining).toBe(40);
  });

  it("the limit counts across branches", async () => {
    const me = idNumber(202);
    await booked(me, { branchId: "hn-cn01", fieldCode: "DATDAI" });
    await booked(me, { branchId: "hn-cn02", fieldCode: "TUPHAP" });
    expectProblem(await bookOnline(me, { branchId: "hn-cn02", fieldCode: "KINHDOANH" }), 409, "citizen_daily_limit");
  });

  it("the limit is per service day: the same citizen can book two more for tomorrow", async () => {
    const me = idNumber(203);
    await booked(me, { fieldCode: "DATDAI" });
    await booked(me, { fieldCode: "TUPHAP" });
    await booked(me, { fieldCode: "DATDAI", serviceDate: "2026-11-24" });
    await booked(me, { fieldCode: "TUPHAP", serviceDate: "2026-11-24" });
    expectProblem(await bookOnline(me, { fieldCode: "XAYDUNG", serviceDate: "2026-11-24" }), 409, "citizen_daily_limit");
  });
});

describe("at most 1 number per field per day", () => {
  it("a second land number the same day is 409 citizen_field_limit", async () => {
    const me = idNumber(211);
    await booked(me, { fieldCode: "DATDAI" });
    expectProblem(await bookOnline(me, { fieldCode: "DATDAI" }), 409, "citizen_field_limit");
  });

  it("even at the other branch", async () => {
    const me = idNumber(212);
    await booked(me, { branchId: "hn-cn01", fieldCode: "DATDAI" });
    expectProblem(await bookOnline(me, { branchId: "hn-cn02", fieldCode: "DATDAI" }), 409, "citizen_field_limit");
  });
});

describe("walk-in numbers issued at reception count toward the same limits", () => {
  it("a walk-in land number, then an online land number → 409 citizen_field_limit", async () => {
    const me = idNumber(221);
    const walk = expectOk(await walkIn("hn-cn01", { idNumber: me, identityCheck: "typed", fieldCode: "DATDAI" }), 201);
    expect(walk.ticket).toMatchObject({ channel: "reception", verified: true, status: "waiting" });
    expectProblem(await bookOnline(me, { fieldCode: "DATDAI" }), 409, "citizen_field_limit");
    // …and it is the citizen's own ticket: it shows in their list.
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: me }));
    expect(mine.tickets.map((t: { id: string }) => t.id)).toEqual([walk.ticket.id]);
  });

  it("one online and one walk-in number use up the day: a third is refused at reception and online", async () => {
    const me = idNumber(222);
    await booked(me, { branchId: "hn-cn02", fieldCode: "TUPHAP" });
    expectOk(await walkIn("hn-cn01", { idNumber: me, identityCheck: "typed", fieldCode: "DATDAI" }), 201);
    expectProblem(await walkIn("hn-cn01", { idNumber: me, identityCheck: "typed", fieldCode: "XAYDUNG" }), 409, "citizen_daily_limit");
    expectProblem(await bookOnline(me, { fieldCode: "XAYDUNG" }), 409, "citizen_daily_limit");
  });

  it("an online number, then a kiosk number in the same field at another branch → 409 citizen_field_limit", async () => {
    const me = idNumber(223);
    await booked(me, { branchId: "hn-cn01", fieldCode: "TUPHAP" });
    const res = await walkIn("hn-cn02", { idNumber: me, identityCheck: "typed", fieldCode: "TUPHAP", channel: "kiosk" });
    expectProblem(res, 409, "citizen_field_limit");
  });

  it("a priority walk-in is still a number: it counts too", async () => {
    const elder = "001050000223"; // born 1950
    expectOk(await walkIn("hn-cn01", { idNumber: elder, identityCheck: "typed", fieldCode: "DATDAI", priority: "elderly" }), 201);
    expectProblem(await bookOnline(elder, { fieldCode: "DATDAI" }), 409, "citizen_field_limit");
  });
});

describe("limits hold when requests race (Tuesday's numbers, booked all at once)", () => {
  const TUESDAY = "2026-11-24";

  it("one citizen asking for five fields at once gets exactly two numbers", async () => {
    const me = idNumber(231);
    const fields = ["DATDAI", "TUPHAP", "XAYDUNG", "KINHDOANH", "NONGNGHIEP"];
    const results = await Promise.all(fields.map((fieldCode) => bookOnline(me, { fieldCode, serviceDate: TUESDAY })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 409, "citizen_daily_limit");
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: me }));
    expect(mine.tickets).toHaveLength(2);
  });

  it("one citizen asking twice at once for the same field gets one number", async () => {
    const me = idNumber(232);
    const results = await Promise.all([1, 2, 3].map(() => bookOnline(me, { fieldCode: "DATDAI", serviceDate: TUESDAY })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) expectProblem(r, 409, "citizen_field_limit");
  });

  it("the same request sent five times at once with one Idempotency-Key yields one ticket", async () => {
    const me = idNumber(233);
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() => bookOnline(me, { fieldCode: "KINHDOANH", serviceDate: TUESDAY, idempotencyKey: "tap-tap-tap" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.ticket.id)).size).toBe(1);
    expect(results.filter((r) => r.body.replay === false)).toHaveLength(1);
  });

  it("forty-five citizens racing for Wednesday's 40 construction numbers: 40 distinct numbers, 5 told the field is full", async () => {
    const WEDNESDAY = "2026-11-25";
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) => bookOnline(idNumber(2400 + i), { fieldCode: "XAYDUNG", serviceDate: WEDNESDAY })),
    );
    const issued = results.filter((r) => r.status === 201).map((r) => r.body.ticket.label);
    expect(issued).toHaveLength(40);
    expect(new Set(issued)).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `C${String(i + 1).padStart(3, "0")}`)));
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(expectProblem(r, 409, "field_cap_reached").nextWorkingDay).toBe("2026-11-26");
    const day = expectOk(await api("GET", `/api/v1/branches/hn-cn01/days/${WEDNESDAY}`));
    expect(day.fields.find((f: { code: string }) => f.code === "XAYDUNG")).toMatchObject({ remaining: 0, waiting: 40 });
  });
});
