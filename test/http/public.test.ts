/**
 * What anyone can read without signing in: the branches, one branch with its fields, hours and
 * counters, and which days can be booked with how many numbers are left per field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { api, booked, closeService, expectOk, expectProblem, openService } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";

// The clock only moves forward in this file (a branch-day's timers are set on the clock it saw).
beforeAll(() => openService(hanoi("2026-04-28", "09:00")));
afterAll(closeService);

describe("around the 30 April and 1 May holidays (frozen at Tuesday 28 April 2026, 09:00)", () => {
  it("30 April is not a working day; branch 1 works next on Saturday morning 2 May", async () => {
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-04-30"));
    expect(day).toMatchObject({
      date: "2026-04-30",
      working: false,
      bookable: false,
      refusal: { code: "not_a_working_day", nextWorkingDay: "2026-05-02" },
      nextWorkingDay: "2026-05-02",
      fields: [],
    });
  });

  it("branch 2, closed on Saturdays, works next on Monday 4 May", async () => {
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn02/days/2026-04-30"));
    expect(day).toMatchObject({ working: false, bookable: false, nextWorkingDay: "2026-05-04" });
  });

  it("the week ahead shows both holidays and the Sunday closed, and Saturday open at branch 1 only", async () => {
    const week1 = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days"));
    expect(week1.today).toBe("2026-04-28");
    const working1 = Object.fromEntries(week1.days.map((d: { date: string; working: boolean }) => [d.date, d.working]));
    expect(working1).toEqual({
      "2026-04-28": true,
      "2026-04-29": true,
      "2026-04-30": false,
      "2026-05-01": false,
      "2026-05-02": true,
      "2026-05-03": false,
      "2026-05-04": true,
    });
    const week2 = expectOk(await api("GET", "/api/v1/branches/hn-cn02/days"));
    expect(week2.days.filter((d: { working: boolean }) => d.working).map((d: { date: string }) => d.date)).toEqual([
      "2026-04-28",
      "2026-04-29",
      "2026-05-04",
    ]);
  });
});

describe("an ordinary week (frozen at Monday 23 November 2026, 09:00)", () => {
  beforeAll(() => testClock.set(hanoi("2026-11-23", "09:00")));

  it("lists the demo center's branches by id", async () => {
    const body = expectOk(await api("GET", "/api/v1/branches"));
    expect(body.branches.map((b: { id: string }) => b.id)).toEqual(["hn-cn01", "hn-cn02"]);
    expect(body.branches[0]).toEqual({
      id: "hn-cn01",
      name: "Chi nhánh số 1 – Trung tâm Phục vụ hành chính công Hà Nội",
      address: "258 Võ Chí Công, phường Xuân La, quận Tây Hồ, Hà Nội",
      resultsAddress: "657 Lạc Long Quân, Tây Hồ, Hà Nội",
      timeZone: "Asia/Ho_Chi_Minh",
    });
  });

  it("shows a branch with its offered fields (land first, the paused field left out), hours and counters", async () => {
    const { branch, today } = expectOk(await api("GET", "/api/v1/branches/hn-cn01"));
    expect(today).toBe("2026-11-23");
    expect(branch.id).toBe("hn-cn01");
    expect(branch.bookingWindow).toEqual({ from: "08:00", until: "16:00" });
    expect(branch.bookingDaysAhead).toBe(6);
    expect(branch.weeklyHours["6"]).toEqual({ opensAt: "08:00", closesAt: "12:00" });
    expect(branch.weeklyHours["7"]).toBeUndefined();
    expect(branch.fields.map((f: { code: string }) => f.code)).toEqual(["DATDAI", "TUPHAP", "XAYDUNG", "KINHDOANH", "NONGNGHIEP"]);
    expect(branch.fields[0]).toEqual({ code: "DATDAI", nameVi: "Đất đai", nameEn: "Land registration", dailyCap: 800 });
    expect(branch.counters).toHaveLength(12);
    expect(branch.counters[9]).toEqual({ number: 10, fieldCodes: ["DATDAI", "TUPHAP"] });
    // Counter 11 also serves the paused health field; only offered fields are listed.
    expect(branch.counters[10]).toEqual({ number: 11, fieldCodes: ["XAYDUNG", "NONGNGHIEP"] });
    // Nothing internal leaks into the public view.
    expect(branch).not.toHaveProperty("version");
    expect(branch.fields[0]).not.toHaveProperty("series");
  });

  it("branch 2 calls only verified numbers and has no Saturday hours", async () => {
    const { branch } = expectOk(await api("GET", "/api/v1/branches/hn-cn02"));
    expect(branch.weeklyHours["6"]).toBeUndefined();
    expect(branch.fields.map((f: { code: string }) => f.code)).toEqual(["DATDAI", "TUPHAP", "KINHDOANH", "YTE", "NOIVU"]);
  });

  it("an unknown branch is 404 branch_not_found, a malformed branch id 400 invalid_request", async () => {
    expectProblem(await api("GET", "/api/v1/branches/hn-cn99"), 404, "branch_not_found");
    expectProblem(await api("GET", "/api/v1/branches/hn-cn99/days"), 404, "branch_not_found");
    expectProblem(await api("GET", "/api/v1/branches/HN_CN01"), 400, "invalid_request");
  });

  it("/days shows today and the 6 days ahead: Saturday morning open, Sunday closed, each field's numbers left", async () => {
    const week = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days"));
    expect(week.branchId).toBe("hn-cn01");
    expect(week.today).toBe("2026-11-23");
    expect(week.days.map((d: { date: string }) => d.date)).toEqual([
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
      "2026-11-28",
      "2026-11-29",
    ]);
    const [monday, , , , , saturday, sunday] = week.days;
    expect(monday).toMatchObject({ working: true, bookable: true, refusal: null, nextWorkingDay: "2026-11-24" });
    expect(saturday).toMatchObject({ working: true, bookable: true });
    expect(sunday).toMatchObject({
      date: "2026-11-29",
      working: false,
      bookable: false,
      refusal: { code: "not_a_working_day", nextWorkingDay: "2026-11-30" },
      nextWorkingDay: "2026-11-30",
      fields: [],
    });
    expect(monday.fields.map((f: { code: string; remaining: number }) => [f.code, f.remaining])).toEqual([
      ["DATDAI", 800],
      ["TUPHAP", 60],
      ["XAYDUNG", 40],
      ["KINHDOANH", 40],
      ["NONGNGHIEP", 40],
    ]);
    expect(monday.fields[0]).toMatchObject({ dailyCap: 800, waiting: 0, nowServing: null, nameEn: "Land registration" });
  });

  it("branch 2 is closed on Saturday as well as Sunday", async () => {
    const week = expectOk(await api("GET", "/api/v1/branches/hn-cn02/days"));
    expect(week.days.map((d: { working: boolean }) => d.working)).toEqual([true, true, true, true, true, false, false]);
    expect(week.days[5]).toMatchObject({ date: "2026-11-28", refusal: { code: "not_a_working_day" }, nextWorkingDay: "2026-11-30" });
  });

  it("a number taken for Wednesday lowers Wednesday's land numbers left by one, and no other day's", async () => {
    await booked(idNumber(101), { serviceDate: "2026-11-25" });
    const wednesday = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-25"));
    expect(wednesday.fields[0]).toMatchObject({ code: "DATDAI", remaining: 799, waiting: 1 });
    expect(wednesday.fields[1]).toMatchObject({ code: "TUPHAP", remaining: 60, waiting: 0 });
    const monday = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-23"));
    expect(monday.fields[0]).toMatchObject({ remaining: 800, waiting: 0 });
  });

  it("a day beyond the 6 bookable days ahead is described but not bookable", async () => {
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-30"));
    expect(day).toMatchObject({ working: true, bookable: false, refusal: { code: "too_far_ahead", lastBookableDay: "2026-11-29" } });
  });

  it("a past day is not bookable", async () => {
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-20"));
    expect(day).toMatchObject({ bookable: false, refusal: { code: "service_day_past" } });
  });

  it("a date that is not a calendar day is 400 invalid_request", async () => {
    for (const date of ["2026-02-30", "2026-13-01", "23-11-2026", "today", "2026-11-23T00:00"]) {
      expectProblem(await api("GET", `/api/v1/branches/hn-cn01/days/${date}`), 400, "invalid_request");
    }
  });

  it("the API root names the service and version, and tells the service clock", async () => {
    testClock.set(hanoi(MONDAY, "09:15"));
    expect(expectOk(await api("GET", "/api/v1"))).toEqual({ service: "sothutu", version: "v1", now: hanoi(MONDAY, "09:15") });
  });
});
