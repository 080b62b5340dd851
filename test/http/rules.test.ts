/**
 * When and where a number can be taken, over HTTP: 08:00–16:00 on working days, for today and
 * the next 6 days, at a branch that offers the field, while the field has numbers left.
 * The clock only moves forward in this file (a branch-day's timers are set on the clock it saw).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { api, bookOnline, booked, closeService, expectOk, expectProblem, openService, ticketPath, walkIn } from "../support/http";
import { hanoi, idNumber } from "../support/plans";

beforeAll(() => openService(hanoi("2026-11-23", "07:30")));
afterAll(closeService);

describe("before the booking window opens (Monday 07:30)", () => {
  it("is 409 booking_window_closed, saying when booking opens", async () => {
    const p = expectProblem(await bookOnline(idNumber(301)), 409, "booking_window_closed");
    expect(p.bookingOpensAt).toBe(hanoi("2026-11-23", "08:00"));
    expect(p.window).toEqual({ from: "08:00", until: "16:00" });
    expect(p.nextWorkingDay).toBeNull();
  });
});

describe("during the window (Monday 09:00)", () => {
  beforeAll(() => testClock.set(hanoi("2026-11-23", "09:00")));

  it("a day more than 6 days ahead is 422 too_far_ahead, naming the last bookable day", async () => {
    const p = expectProblem(await bookOnline(idNumber(311), { serviceDate: "2026-11-30" }), 422, "too_far_ahead");
    expect(p.lastBookableDay).toBe("2026-11-29");
    expectProblem(await bookOnline(idNumber(311), { serviceDate: "2027-11-23" }), 422, "too_far_ahead");
  });

  it("the 6th day ahead is still bookable (Saturday at branch 1)", async () => {
    const t = await booked(idNumber(312), { serviceDate: "2026-11-28" });
    expect(t.serviceDate).toBe("2026-11-28");
  });

  it("a past day is 422 service_day_past", async () => {
    const p = expectProblem(await bookOnline(idNumber(313), { serviceDate: "2026-11-20" }), 422, "service_day_past");
    expect(p.nextWorkingDay).toBe("2026-11-24");
  });

  it("Sunday is 422 not_a_working_day with the next working day; so is Saturday at branch 2", async () => {
    const sun = expectProblem(await bookOnline(idNumber(314), { serviceDate: "2026-11-29" }), 422, "not_a_working_day");
    expect(sun.nextWorkingDay).toBe("2026-11-30");
    const sat = expectProblem(await bookOnline(idNumber(314), { branchId: "hn-cn02", serviceDate: "2026-11-28" }), 422, "not_a_working_day");
    expect(sat.nextWorkingDay).toBe("2026-11-30");
  });

  it("an unknown branch is 404 branch_not_found", async () => {
    expectProblem(await bookOnline(idNumber(315), { branchId: "hn-cn13" }), 404, "branch_not_found");
  });

  it("a field the branch does not offer, or has paused, is 422 field_not_offered", async () => {
    // Home affairs is offered at branch 2 only; health is paused at branch 1.
    expectProblem(await bookOnline(idNumber(316), { fieldCode: "NOIVU" }), 422, "field_not_offered");
    expectProblem(await bookOnline(idNumber(316), { fieldCode: "YTE" }), 422, "field_not_offered");
    expectProblem(await bookOnline(idNumber(316), { fieldCode: "KHONGCO" }), 422, "field_not_offered");
    // The same citizen can still book: refusals take no slot.
    await booked(idNumber(316), { branchId: "hn-cn02", fieldCode: "NOIVU" });
    await booked(idNumber(316), { branchId: "hn-cn02", fieldCode: "YTE" });
  });

  it("when a field's daily cap is reached: 409 field_cap_reached with the next working day, for every channel", async () => {
    // Branch 2 gives 20 health numbers a day; citizen 316 took one above.
    for (let i = 1; i <= 19; i++) await booked(idNumber(3200 + i), { branchId: "hn-cn02", fieldCode: "YTE" });
    const p = expectProblem(await bookOnline(idNumber(3300), { branchId: "hn-cn02", fieldCode: "YTE" }), 409, "field_cap_reached");
    expect(p.nextWorkingDay).toBe("2026-11-24");
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn02/days/2026-11-23"));
    expect(day.fields.find((f: { code: string }) => f.code === "YTE")).toMatchObject({ dailyCap: 20, remaining: 0 });
    const walk = await walkIn("hn-cn02", { idNumber: idNumber(3301), identityCheck: "typed", fieldCode: "YTE" });
    expectProblem(walk, 409, "field_cap_reached");
    // The refused citizen's slot was released: they can take another field.
    await booked(idNumber(3300), { branchId: "hn-cn02", fieldCode: "NOIVU" });
    // A cancelled number gives the capacity back.
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: idNumber(3201) })).tickets[0];
    expectOk(await api("POST", ticketPath(mine.id, "/cancel"), { citizen: idNumber(3201) }));
    await booked(idNumber(3302), { branchId: "hn-cn02", fieldCode: "YTE" });
    // The field stays usable for tomorrow.
    await booked(idNumber(3303), { branchId: "hn-cn02", fieldCode: "YTE", serviceDate: "2026-11-24" });
  });
});

describe("the last minute of the window (Monday 15:59)", () => {
  beforeAll(() => testClock.set(hanoi("2026-11-23", "15:59")));

  it("still issues numbers", async () => {
    await booked(idNumber(321));
  });
});

describe("after the window closes (Monday 16:30)", () => {
  beforeAll(() => testClock.set(hanoi("2026-11-23", "16:30")));

  it("a number for today is 409 booking_window_closed, pointing to the next working day", async () => {
    const p = expectProblem(await bookOnline(idNumber(331)), 409, "booking_window_closed");
    expect(p.nextWorkingDay).toBe("2026-11-24");
    expect(p.bookingOpensAt).toBe(hanoi("2026-11-24", "08:00"));
    expect(p.window).toEqual({ from: "08:00", until: "16:00" });
  });

  it("a number for a later day also waits for the window: 409 booking_window_closed", async () => {
    const p = expectProblem(await bookOnline(idNumber(332), { serviceDate: "2026-11-25" }), 409, "booking_window_closed");
    expect(p.bookingOpensAt).toBe(hanoi("2026-11-24", "08:00"));
  });

  it("reception cannot issue walk-in numbers after the window either", async () => {
    const res = await walkIn("hn-cn01", { idNumber: idNumber(333), identityCheck: "typed", fieldCode: "DATDAI" });
    expectProblem(res, 409, "booking_window_closed");
  });

  it("English callers get English titles", async () => {
    const p = expectProblem(
      await api("POST", "/api/v1/tickets?lang=en", { citizen: idNumber(334), json: { branchId: "hn-cn01", fieldCode: "DATDAI" } }),
      409,
      "booking_window_closed",
    );
    expect(p.title).toBe("Numbers cannot be taken at this time.");
  });
});

describe("Saturday morning at branch 1 (opens 08:00–12:00)", () => {
  it("books at 11:30; at 12:15 the window has closed with the hall", async () => {
    testClock.set(hanoi("2026-11-28", "11:30"));
    await booked(idNumber(341));
    testClock.set(hanoi("2026-11-28", "12:15"));
    const p = expectProblem(await bookOnline(idNumber(342)), 409, "booking_window_closed");
    expect(p.nextWorkingDay).toBe("2026-11-30");
    expect(p.bookingOpensAt).toBe(hanoi("2026-11-30", "08:00"));
  });
});

describe("on Sunday", () => {
  it("nothing can be booked, not even for Monday: booking opens Monday 08:00", async () => {
    testClock.set(hanoi("2026-11-29", "10:00"));
    const p = expectProblem(await bookOnline(idNumber(351), { serviceDate: "2026-11-30" }), 409, "booking_window_closed");
    expect(p.bookingOpensAt).toBe(hanoi("2026-11-30", "08:00"));
  });
});
