/**
 * A citizen's own numbers over HTTP: take one, retry safely, see them, give one back. Tests name
 * a citizen by their 12-digit personal identification number; support/http.ts turns it into a
 * real signed session cookie (the Worker never takes a number on trust). The raw number never
 * comes back in any response (support/http.ts checks every body).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bookOnline, booked, closeService, expectOk, expectProblem, openService, ticketPath } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";

const MONDAY_9AM = hanoi("2026-11-23", "09:00");

beforeAll(() => openService(MONDAY_9AM));
afterAll(closeService);

/** "001090000123" → "001******123". */
function masked(id: string): string {
  return `${id.slice(0, 3)}******${id.slice(9)}`;
}

describe("taking a number", () => {
  it("issues A001 for land registration today: 201, waiting, nobody ahead, the ID shown masked", async () => {
    const citizen = idNumber(1);
    const res = await bookOnline(citizen, { branchId: "hn-cn01", fieldCode: "DATDAI" });
    const { ticket, replay } = expectOk(res, 201);
    expect(replay).toBe(false);
    expect(ticket).toMatchObject({
      id: "hn-cn01:2026-11-23:1",
      branchId: "hn-cn01",
      serviceDate: "2026-11-23",
      label: "A001",
      number: 1,
      fieldCode: "DATDAI",
      channel: "online",
      priority: null,
      status: "waiting",
      ahead: 0,
      nowServing: null,
      verified: false,
      arrivedAt: null,
      registeredAt: MONDAY_9AM,
      citizenMasked: "001******001",
    });
    expect(ticket.citizenMasked).toBe(masked(citizen));
  });

  it("the next citizen in the same field gets A002 with one ticket ahead", async () => {
    const ticket = await booked(idNumber(2));
    expect(ticket).toMatchObject({ label: "A002", status: "waiting", ahead: 1 });
  });

  it("justice numbers are written in their block: 2001, 2002…", async () => {
    const ticket = await booked(idNumber(3), { fieldCode: "TUPHAP" });
    expect(ticket).toMatchObject({ label: "2001", fieldCode: "TUPHAP", ahead: 0 });
  });

  it("a number for a later day in the booking window is issued for that day", async () => {
    const ticket = await booked(idNumber(4), { serviceDate: "2026-11-27" });
    expect(ticket).toMatchObject({ id: "hn-cn01:2026-11-27:1", serviceDate: "2026-11-27", label: "A001" });
  });

  it("the ID typed with the card's spaces or dots is the same person", async () => {
    const citizen = idNumber(5);
    const spaced = `${citizen.slice(0, 3)} ${citizen.slice(3, 6)} ${citizen.slice(6, 9)} ${citizen.slice(9)}`;
    const dotted = `${citizen.slice(0, 3)}.${citizen.slice(3, 6)}.${citizen.slice(6, 9)}.${citizen.slice(9)}`;
    const ticket = await booked(spaced, { fieldCode: "XAYDUNG" });
    expect(ticket.citizenMasked).toBe(masked(citizen));
    expectOk(await api("GET", ticketPath(ticket.id), { citizen: dotted }));
    // Same person, same field, same day: the one-per-field limit applies.
    expectProblem(await bookOnline(citizen, { fieldCode: "XAYDUNG" }), 409, "citizen_field_limit");
  });
});

describe("retrying with an Idempotency-Key", () => {
  it("the same key again returns the same ticket with 200 and replay: true, issuing nothing new", async () => {
    const citizen = idNumber(10);
    const key = "9b2f6c1e-5d1a-4b7e-8c3f-000000000010";
    const first = expectOk(await bookOnline(citizen, { fieldCode: "KINHDOANH", idempotencyKey: key }), 201);
    const again = expectOk(await bookOnline(citizen, { fieldCode: "KINHDOANH", idempotencyKey: key }), 200);
    expect(again.replay).toBe(true);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(again.ticket.label).toBe(first.ticket.label);
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen }));
    expect(mine.tickets).toHaveLength(1);
    const day = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-23"));
    expect(day.fields.find((f: { code: string }) => f.code === "KINHDOANH").remaining).toBe(39);
  });

  it("the same key with a different request is 422 idempotency_key_reused", async () => {
    const citizen = idNumber(11);
    const key = "retry-key-11";
    expectOk(await bookOnline(citizen, { fieldCode: "NONGNGHIEP", idempotencyKey: key }), 201);
    const res = await bookOnline(citizen, { fieldCode: "TUPHAP", idempotencyKey: key });
    expectProblem(res, 422, "idempotency_key_reused");
    // Nothing was issued for the refused request.
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen }));
    expect(mine.tickets.map((t: { fieldCode: string }) => t.fieldCode)).toEqual(["NONGNGHIEP"]);
  });

  it("a key belongs to one citizen: another citizen using the same key gets their own number", async () => {
    const key = "shared-key";
    const a = expectOk(await bookOnline(idNumber(12), { fieldCode: "NONGNGHIEP", idempotencyKey: key }), 201);
    const b = expectOk(await bookOnline(idNumber(13), { fieldCode: "NONGNGHIEP", idempotencyKey: key }), 201);
    expect(b.ticket.id).not.toBe(a.ticket.id);
    expect(b.replay).toBe(false);
  });

  it("a malformed key is 400 invalid_request, not silently ignored", async () => {
    for (const key of ["x".repeat(129), "has space", ""]) {
      const res = await api("POST", "/api/v1/tickets", {
        citizen: idNumber(14),
        headers: { "idempotency-key": key },
        json: { branchId: "hn-cn01", fieldCode: "DATDAI" },
      });
      expectProblem(res, 400, "invalid_request");
    }
    expect(expectOk(await api("GET", "/api/v1/tickets", { citizen: idNumber(14) })).tickets).toEqual([]);
  });
});

describe("seeing my numbers", () => {
  it("lists my tickets of today and later days, and reads one; nobody else's", async () => {
    const me = idNumber(20);
    const today = await booked(me, { fieldCode: "DATDAI" });
    const friday = await booked(me, { fieldCode: "DATDAI", serviceDate: "2026-11-27" });
    const list = expectOk(await api("GET", "/api/v1/tickets", { citizen: me }));
    expect(list.tickets.map((t: { id: string }) => t.id)).toEqual([today.id, friday.id]);
    for (const t of list.tickets) expect(t.citizenMasked).toBe(masked(me));

    const one = expectOk(await api("GET", ticketPath(today.id), { citizen: me }));
    expect(one.ticket).toMatchObject({ id: today.id, label: today.label, status: "waiting" });
    expect(one.ticket.ahead).toBeGreaterThanOrEqual(0);

    // Somebody else asking for my ticket learns nothing, not even that it exists.
    expectProblem(await api("GET", ticketPath(today.id), { citizen: idNumber(21) }), 404, "ticket_not_found");
    expect(expectOk(await api("GET", "/api/v1/tickets", { citizen: idNumber(21) })).tickets).toEqual([]);
  });

  it("a ticket id that names no ticket is 404 ticket_not_found", async () => {
    const me = idNumber(22);
    for (const id of ["hn-cn01:2026-11-23:9999", "hn-cn01:2026-11-22:1", "hn-cn01:2026-11-23:0", "A001", "nonsense"]) {
      expectProblem(await api("GET", ticketPath(id), { citizen: me }), 404, "ticket_not_found");
    }
  });

  it("my place in line follows the queue: 'ahead' counts the waiting tickets before mine", async () => {
    const first = await booked(idNumber(23), { fieldCode: "XAYDUNG" });
    const second = await booked(idNumber(24), { fieldCode: "XAYDUNG" });
    const before = expectOk(await api("GET", ticketPath(second.id), { citizen: idNumber(24) })).ticket;
    expect(before.ahead).toBe(before.number - 1);
    expectOk(await api("POST", ticketPath(first.id, "/cancel"), { citizen: idNumber(23) }));
    const after = expectOk(await api("GET", ticketPath(second.id), { citizen: idNumber(24) })).ticket;
    expect(after.ahead).toBe(before.ahead - 1);
  });
});

describe("giving a number back", () => {
  it("cancel → cancelled; the slot is freed so the citizen can take that field again", async () => {
    const me = idNumber(30);
    const first = await booked(me, { fieldCode: "TUPHAP" });
    const before = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-23"));
    const tuphapLeft = before.fields.find((f: { code: string }) => f.code === "TUPHAP").remaining;

    const cancelled = expectOk(await api("POST", ticketPath(first.id, "/cancel"), { citizen: me }));
    expect(cancelled.ticket).toMatchObject({ id: first.id, status: "cancelled", ahead: null });
    expect(cancelled.ticket.endedAt).toBe(MONDAY_9AM);

    const after = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2026-11-23"));
    expect(after.fields.find((f: { code: string }) => f.code === "TUPHAP").remaining).toBe(tuphapLeft + 1);

    const again = await booked(me, { fieldCode: "TUPHAP" });
    expect(again.id).not.toBe(first.id);
    expect(again.label).not.toBe(first.label);
    // Both show in my list: the cancelled one and the new one.
    const list = expectOk(await api("GET", "/api/v1/tickets", { citizen: me }));
    expect(list.tickets.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      [first.id, "cancelled"],
      [again.id, "waiting"],
    ]);
  });

  it("a cancelled ticket frees a daily slot too: two active numbers, cancel one, take a third field", async () => {
    const me = idNumber(31);
    const land = await booked(me, { fieldCode: "DATDAI" });
    await booked(me, { fieldCode: "TUPHAP" });
    expectProblem(await bookOnline(me, { fieldCode: "XAYDUNG" }), 409, "citizen_daily_limit");
    expectOk(await api("POST", ticketPath(land.id, "/cancel"), { citizen: me }));
    await booked(me, { fieldCode: "XAYDUNG" });
  });

  it("cancelling twice is harmless; cancelling someone else's number is 404", async () => {
    const me = idNumber(32);
    const t = await booked(me, { fieldCode: "KINHDOANH" });
    expectProblem(await api("POST", ticketPath(t.id, "/cancel"), { citizen: idNumber(33) }), 404, "ticket_not_found");
    expect(expectOk(await api("GET", ticketPath(t.id), { citizen: me })).ticket.status).toBe("waiting");
    expectOk(await api("POST", ticketPath(t.id, "/cancel"), { citizen: me }));
    const twice = expectOk(await api("POST", ticketPath(t.id, "/cancel"), { citizen: me }));
    expect(twice.ticket.status).toBe("cancelled");
  });

  it("retrying the original booking with its key after cancelling shows the cancelled ticket, issuing nothing", async () => {
    const me = idNumber(34);
    const key = "book-then-cancel-34";
    const t = expectOk(await bookOnline(me, { fieldCode: "NONGNGHIEP", idempotencyKey: key }), 201).ticket;
    expectOk(await api("POST", ticketPath(t.id, "/cancel"), { citizen: me }));
    const retry = expectOk(await bookOnline(me, { fieldCode: "NONGNGHIEP", idempotencyKey: key }), 200);
    expect(retry).toMatchObject({ replay: true, ticket: { id: t.id, status: "cancelled" } });
  });
});

describe("who is asking", () => {
  it("booking, listing, reading or cancelling without a session is 401 unauthorized", async () => {
    const json = { branchId: "hn-cn01", fieldCode: "DATDAI" };
    expectProblem(await api("POST", "/api/v1/tickets", { json }), 401, "unauthorized");
    expectProblem(await api("POST", "/api/v1/tickets", { json, headers: { "x-citizen-id": "   " } }), 401, "unauthorized");
    // The interim header is gone: an ID number in it names nobody.
    expectProblem(await api("POST", "/api/v1/tickets", { json, headers: { "x-citizen-id": idNumber(40) } }), 401, "unauthorized");
    expectProblem(await api("GET", "/api/v1/tickets"), 401, "unauthorized");
    expectProblem(await api("GET", ticketPath("hn-cn01:2026-11-23:1")), 401, "unauthorized");
    expectProblem(await api("POST", ticketPath("hn-cn01:2026-11-23:1", "/cancel")), 401, "unauthorized");
  });

  // ID numbers are checked where they enter: here a city platform's token (typed numbers at
  // OTP sign-in and reception have their own tests).
  const bookAsPlatform = async (id: string, lang = "") =>
    api("POST", `/api/v1/tickets${lang}`, { ...(await asPlatform(id)), json: { branchId: "hn-cn01", fieldCode: "DATDAI" } });

  it("an ID with a letter is 422 invalid_id_number saying which character is not a digit", async () => {
    const p = expectProblem(await bookAsPlatform("00109000004O"), 422, "invalid_id_number");
    expect(p.reason).toBe("digits");
    expect(p.detail).toContain("12");
    expect(p.detail).toContain('"O"');
  });

  it("an ID of 11 digits is 422 invalid_id_number saying how many digits were entered", async () => {
    const p = expectProblem(await bookAsPlatform("00109000004"), 422, "invalid_id_number");
    expect(p.reason).toBe("length");
    expect(p.detail).toMatch(/12 chữ số.*11/);
    const en = expectProblem(await api("GET", "/api/v1/tickets?lang=en", await asPlatform("00109000004")), 422, "invalid_id_number");
    expect(en.detail).toBe("The personal identification number must have exactly 12 digits (you entered 11).");
  });

  it("an ID whose digits 4–6 give a birth year after this year is 422 invalid_id_number", async () => {
    // Digit 4 = 2 → born in the 2000s; digits 5–6 = 99 → 2099.
    const p = expectProblem(await bookAsPlatform("001299000001"), 422, "invalid_id_number");
    expect(p.reason).toBe("birth_year_future");
    expect(p.detail).toContain("2099");
    expect(p.detail).toContain("2026");
  });

  it("a VNeID-verified ID with a province code not in our list (a birth abroad) is accepted from the platform", async () => {
    // Typed at reception the same number needs staff to proceed (staff.test.ts): a number the
    // platform verified with VNeID is real, so refusing it would only send the citizen to a desk.
    const t = expectOk(await bookAsPlatform("003090000001"), 201).ticket;
    expect(t).toMatchObject({ channel: "platform", citizenMasked: "003******001" });
  });
});
