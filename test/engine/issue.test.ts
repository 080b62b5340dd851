import { describe, expect, it } from "vitest";
import { issueTicket, type IssueRequest } from "../../durable/engine/issue";
import { applyChanges, createState } from "../../durable/engine/state";
import type { DayState } from "../../durable/engine/types";
import { hanoi, makePlan, MONDAY } from "../support/plans";

let reservations = 0;
function request(fieldCode: string, extra: Partial<IssueRequest> = {}): IssueRequest {
  reservations++;
  return {
    reservationId: `r${reservations}`,
    fieldCode,
    channel: "online",
    priority: null,
    citizenKey: `citizen-${reservations}`,
    citizenMasked: "001******345",
    verifiedBy: null,
    ...extra,
  };
}

function issue(state: DayState, req: IssueRequest, at: number) {
  const out = issueTicket(state, req, at);
  if (out.ok) applyChanges(state, out.changes);
  return out;
}

describe("issuing numbers", () => {
  it("numbers each field in its own series while one registration sequence spans all fields", () => {
    const state = createState(makePlan(MONDAY));
    const at = hanoi(MONDAY, "08:05");
    const labels = ["DATDAI", "TUPHAP", "DATDAI", "XAYDUNG", "TUPHAP"].map((f) => {
      const out = issue(state, request(f), at);
      if (!out.ok) throw new Error(out.code);
      return [out.ticket.seq, out.ticket.label];
    });
    expect(labels).toEqual([
      [1, "A001"],
      [2, "2001"],
      [3, "A002"],
      [4, "C001"],
      [5, "2002"],
    ]);
  });

  it("gives the same ticket again for the same reservation instead of a second number", () => {
    const state = createState(makePlan(MONDAY));
    const req = request("DATDAI");
    const first = issue(state, req, hanoi(MONDAY, "09:00"));
    const again = issue(state, req, hanoi(MONDAY, "09:01"));
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.replay).toBe(true);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(state.tickets).toHaveLength(1);
  });

  it("stops exactly at the field's daily cap and points to the next working day", () => {
    const plan = makePlan("2026-11-27", { fields: [{ ...makePlan(MONDAY).branch.fields[0]!, dailyCap: 3 }] }); // a Friday
    const state = createState(plan);
    const at = hanoi("2026-11-27", "10:00");
    for (let i = 0; i < 3; i++) expect(issue(state, request("DATDAI"), at).ok).toBe(true);
    const refused = issue(state, request("DATDAI"), at);
    expect(refused).toMatchObject({ ok: false, code: "field_cap_reached", facts: { nextWorkingDay: "2026-11-28" } });
    expect(state.capUsed.get("DATDAI")).toBe(3);
  });

  it("refuses a field the branch does not offer", () => {
    const state = createState(makePlan(MONDAY));
    expect(issue(state, request("YTE"), hanoi(MONDAY, "09:00"))).toMatchObject({ ok: false, code: "field_not_offered" });
  });

  it("marks walk-in numbers as arrived and verified with the identity check used", () => {
    const state = createState(makePlan(MONDAY));
    const at = hanoi(MONDAY, "09:00");
    const out = issue(state, request("DATDAI", { channel: "reception", verifiedBy: "chip_qr", priority: "elderly" }), at);
    expect(out).toMatchObject({ ok: true, ticket: { arrivedAt: at, verifiedBy: "chip_qr", priority: "elderly" } });
    const online = issue(state, request("DATDAI", { verifiedBy: "typed" }), at);
    expect(online).toMatchObject({ ok: true, ticket: { arrivedAt: null, verifiedBy: null } });
  });

  it("refuses once the close-of-booking alarm has run, whatever the clock says", () => {
    const state = createState(makePlan(MONDAY));
    state.bookingClosedAt = hanoi(MONDAY, "16:00");
    expect(issue(state, request("DATDAI"), hanoi(MONDAY, "10:00"))).toMatchObject({ ok: false, code: "booking_window_closed" });
  });

  it("refuses a reservation the citizen ledger has voided", () => {
    const state = createState(makePlan(MONDAY));
    const req = request("DATDAI");
    state.voidedReservations.add(req.reservationId);
    expect(issue(state, req, hanoi(MONDAY, "10:00"))).toMatchObject({ ok: false, code: "reservation_expired" });
  });
});

describe("the booking window", () => {
  const cases: Array<[string, string, string, string, Record<string, unknown>]> = [
    // [what, service day, booking day, time, expected]
    ["opens at 08:00", MONDAY, MONDAY, "08:00", { ok: true }],
    ["is closed before 08:00", MONDAY, MONDAY, "07:59", { ok: false, code: "booking_window_closed", facts: { bookingOpensAt: hanoi(MONDAY, "08:00") } }],
    ["is open at 15:59", MONDAY, MONDAY, "15:59", { ok: true }],
    ["closes at 16:00 and sends the citizen to the next working day", MONDAY, MONDAY, "16:00", { ok: false, code: "booking_window_closed", facts: { nextWorkingDay: "2026-11-24" } }],
    ["accepts bookings up to 6 days ahead", "2026-11-28", MONDAY, "09:00", { ok: true }],
    ["refuses 7 days ahead", "2026-11-30", MONDAY, "09:00", { ok: false, code: "too_far_ahead", facts: { lastBookableDay: "2026-11-29" } }],
    ["refuses a day in the past", "2026-11-20", MONDAY, "09:00", { ok: false, code: "service_day_past" }],
    ["refuses a Sunday", "2026-11-29", MONDAY, "09:00", { ok: false, code: "not_a_working_day", facts: { nextWorkingDay: "2026-11-30" } }],
    ["refuses the 30 April holiday and names the next working day after the 1 May break", "2026-04-30", "2026-04-28", "09:00", { ok: false, code: "not_a_working_day", facts: { nextWorkingDay: "2026-05-02" } }],
    ["takes bookings for Saturday 22 Aug 2026, an extra working day", "2026-08-22", "2026-08-21", "09:00", { ok: true }],
    ["refuses Monday 31 Aug 2026, swapped away for National Day", "2026-08-31", "2026-08-27", "09:00", { ok: false, code: "not_a_working_day", facts: { nextWorkingDay: "2026-09-03" } }],
    ["takes no bookings on a Sunday, even for Monday", MONDAY, "2026-11-22", "09:00", { ok: false, code: "booking_window_closed", facts: { bookingOpensAt: hanoi(MONDAY, "08:00") } }],
    ["takes no bookings during Tết", "2026-02-23", "2026-02-18", "09:00", { ok: false, code: "booking_window_closed" }],
  ];
  for (const [what, serviceDay, bookingDay, time, expected] of cases) {
    it(what, () => {
      const state = createState(makePlan(serviceDay));
      expect(issue(state, request("DATDAI"), hanoi(bookingDay, time))).toMatchObject(expected);
    });
  }
});
