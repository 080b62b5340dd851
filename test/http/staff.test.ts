/**
 * Staff at a branch today, over HTTP: counters call, serve, recall, transfer; reception issues
 * walk-in and priority numbers and checks citizens in against their numbers.
 *
 * Staff always act on today's branch-day and storage is shared by the whole file, so each
 * scenario runs on its own working day (the clock only moves forward). Within a scenario the
 * tests are steps of one story and run in order.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now, testClock } from "../../shared/clock";
import { api, booked, cccdQr, checkIn, closeService, counter, expectOk, expectProblem, openService, ticketPath, walkIn } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { adminBearer } from "../support/staff";

const MINUTE = 60_000;

beforeAll(() => openService(hanoi("2026-11-23", "08:30")));
afterAll(closeService);

/** Freezes the clock at 09:00 on `date` (a fresh branch-day for the scenario). */
function startDay(date: string): void {
  testClock.set(hanoi(date, "09:00"));
}

describe("staff sign-in", () => {
  const routes: Array<[string, string]> = [
    ["GET", "/api/v1/staff/branches/hn-cn01/today"],
    ["POST", "/api/v1/staff/branches/hn-cn01/counters/1/open"],
    ["POST", "/api/v1/staff/branches/hn-cn01/tickets"],
    ["POST", "/api/v1/staff/branches/hn-cn01/check-in"],
    ["GET", "/api/v1/staff/branches/hn-cn01/tickets/A001"],
  ];

  it("without a bearer token every staff route is 401 unauthorized", async () => {
    for (const [method, path] of routes) expectProblem(await api(method, path), 401, "unauthorized");
    for (const [method, path] of routes) {
      expectProblem(await api(method, path, { headers: { authorization: `Basic ${btoa("staff:x")}` } }), 401, "unauthorized");
    }
  });

  it("with a token that is not a valid staff session every staff route is 401 unauthorized", async () => {
    const session = await adminBearer();
    const [header, payload, signature] = session.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    const wrong = ["test-staff-token-0123456789abcdeF", "x".repeat(5000), `${header}.${payload}.${flipped}`, `${header}.${payload}.`, session.slice(0, -1)];
    for (const token of wrong) {
      for (const [method, path] of routes) expectProblem(await api(method, path, { staff: token }), 401, "unauthorized");
    }
  });

  it("a citizen's identity is no staff credential", async () => {
    expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn01/today", { citizen: idNumber(400) }), 401, "unauthorized");
  });
});

describe("a counter's day: open, call next, start, complete, no-show, recall, call a specific number", () => {
  beforeAll(() => startDay("2026-11-23"));
  const c = [1, 2, 3, 4, 5].map((n) => idNumber(410 + n));
  const labels: string[] = [];

  it("five citizens book land numbers a minute apart", async () => {
    for (const citizen of c) {
      labels.push((await booked(citizen)).label);
      testClock.advance(MINUTE);
    }
    expect(labels).toEqual(["A001", "A002", "A003", "A004", "A005"]);
  });

  it("calling at a counter that is not open is 409 counter_not_open; an unknown counter 404", async () => {
    expectProblem(await counter("hn-cn01", 1, "call-next"), 409, "counter_not_open");
    expectProblem(await counter("hn-cn01", 99, "open"), 404, "counter_not_found");
  });

  it("opening counter 1 serves its configured field, land registration", async () => {
    const body = expectOk(await counter("hn-cn01", 1, "open"));
    expect(body.counter).toEqual({ number: 1, status: "open", fieldCodes: ["DATDAI"], current: null });
    expect(body.ticket).toBeNull();
  });

  it("call-next calls the earliest registered number, A001, to counter 1", async () => {
    const { counter: desk, ticket } = expectOk(await counter("hn-cn01", 1, "call-next"));
    expect(ticket).toMatchObject({ label: "A001", status: "called", counterNumber: 1, nowServing: "A001", ahead: null });
    expect(ticket.calledAt).toBe(now());
    expect(desk.current.label).toBe("A001");
    // The citizen sees their number called; the next one sees it being served and nobody ahead.
    const mine = expectOk(await api("GET", ticketPath(ticket.id), { citizen: c[0] })).ticket;
    expect(mine).toMatchObject({ status: "called", counterNumber: 1 });
    const next = expectOk(await api("GET", ticketPath("hn-cn01:2026-11-23:2"), { citizen: c[1] })).ticket;
    expect(next).toMatchObject({ label: "A002", nowServing: "A001", ahead: 0 });
  });

  it("a counter already handling a number cannot call another: 409 counter_busy", async () => {
    expectProblem(await counter("hn-cn01", 1, "call-next"), 409, "counter_busy");
    expectProblem(await counter("hn-cn01", 1, "close"), 409, "counter_busy");
  });

  it("a called number cannot be cancelled by its citizen any more", async () => {
    expectProblem(await api("POST", ticketPath("hn-cn01:2026-11-23:1", "/cancel"), { citizen: c[0] }), 409, "invalid_transition");
  });

  it("start, then complete: A001 is served", async () => {
    testClock.advance(MINUTE);
    const started = expectOk(await counter("hn-cn01", 1, "start"));
    expect(started.ticket).toMatchObject({ label: "A001", status: "serving" });
    expectProblem(await counter("hn-cn01", 1, "recall"), 409, "invalid_transition");
    testClock.advance(5 * MINUTE);
    const done = expectOk(await counter("hn-cn01", 1, "complete"));
    expect(done.ticket).toMatchObject({ label: "A001", status: "served", endedAt: now() });
    expect(done.counter.current).toBeNull();
    expectProblem(await counter("hn-cn01", 1, "complete"), 409, "counter_idle");
    expectProblem(await counter("hn-cn01", 1, "recall"), 409, "counter_idle");
  });

  it("A002 is called, recalled (still called), then marked no-show", async () => {
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A002");
    const recalled = expectOk(await counter("hn-cn01", 1, "recall"));
    expect(recalled.ticket).toMatchObject({ label: "A002", status: "called", counterNumber: 1 });
    expect(recalled.counter.current.label).toBe("A002");
    const gone = expectOk(await counter("hn-cn01", 1, "no-show"));
    expect(gone.ticket).toMatchObject({ label: "A002", status: "no_show" });
    expect(gone.counter.current).toBeNull();
    const mine = expectOk(await api("GET", ticketPath(gone.ticket.id), { citizen: c[1] })).ticket;
    expect(mine.status).toBe("no_show");
  });

  it("the clerk calls A004 out of turn; then call-next goes back to A003", async () => {
    const out = expectOk(await counter("hn-cn01", 1, "call", { label: "A004" }));
    expect(out.ticket).toMatchObject({ label: "A004", status: "called", counterNumber: 1 });
    expectOk(await counter("hn-cn01", 1, "complete"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A003");
    expectOk(await counter("hn-cn01", 1, "complete"));
  });

  it("calling a number that is not waiting, unknown, or of a field the counter does not serve is refused", async () => {
    expectProblem(await counter("hn-cn01", 1, "call", { label: "A001" }), 409, "invalid_transition");
    expectProblem(await counter("hn-cn01", 1, "call", { label: "A999" }), 404, "ticket_not_found");
    await booked(idNumber(416), { fieldCode: "TUPHAP" });
    expectProblem(await counter("hn-cn01", 1, "call", { label: "2001" }), 409, "counter_field_not_served");
  });

  it("a paused counter calls nobody until resumed", async () => {
    expect(expectOk(await counter("hn-cn01", 1, "pause")).counter.status).toBe("paused");
    expectProblem(await counter("hn-cn01", 1, "call-next"), 409, "counter_not_open");
    expect(expectOk(await counter("hn-cn01", 1, "resume")).counter.status).toBe("open");
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A005");
    expectOk(await counter("hn-cn01", 1, "complete"));
  });

  it("with nobody left waiting, call-next is 409 queue_empty", async () => {
    expectProblem(await counter("hn-cn01", 1, "call-next"), 409, "queue_empty");
  });

  it("a counter opened for a field it is not configured for is 409 counter_field_not_served", async () => {
    expectProblem(await counter("hn-cn01", 2, "open", { fieldCodes: ["TUPHAP"] }), 409, "counter_field_not_served");
    const ten = expectOk(await counter("hn-cn01", 10, "open", { fieldCodes: ["TUPHAP"] }));
    expect(ten.counter.fieldCodes).toEqual(["TUPHAP"]);
  });

  it("the day's overview shows each field's numbers issued, left and waiting, and every counter", async () => {
    const res = await api("GET", "/api/v1/staff/branches/hn-cn01/today", { staff: true });
    const day = expectOk(res);
    expect(day).toMatchObject({ branchId: "hn-cn01", date: "2026-11-23", bookingClosed: false, dayEnded: false });
    expect(day.fields.find((f: { code: string }) => f.code === "DATDAI")).toMatchObject({
      dailyCap: 800,
      issued: 5,
      remaining: 795,
      waiting: 0,
      nowServing: "A005",
    });
    expect(day.fields.find((f: { code: string }) => f.code === "TUPHAP")).toMatchObject({ issued: 1, waiting: 1, nowServing: null });
    expect(day.counters).toHaveLength(12);
    expect(day.counters[0]).toEqual({ number: 1, status: "open", fieldCodes: ["DATDAI"], current: null });
    expect(day.counters[1]).toMatchObject({ number: 2, status: "closed" });
    expect(res.text).not.toContain("citizenKey");
    expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn77/today", { staff: true }), 404, "branch_not_found");
  });

  it("reception looks a number up by its printed label", async () => {
    const { ticket } = expectOk(await api("GET", "/api/v1/staff/branches/hn-cn01/tickets/A002", { staff: true }));
    expect(ticket).toMatchObject({ label: "A002", status: "no_show", citizenMasked: "001******412" });
    expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn01/tickets/A777", { staff: true }), 404, "ticket_not_found");
    expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn01/tickets/a002", { staff: true }), 400, "invalid_request");
  });
});

describe("transfer to another field keeps the number and its place in line", () => {
  beforeAll(() => startDay("2026-11-24"));

  it("A001 moves to justice and waits ahead of the justice numbers taken after it", async () => {
    const land = await booked(idNumber(421), { fieldCode: "DATDAI" }); // 09:00
    testClock.advance(5 * MINUTE);
    const justice = await booked(idNumber(422), { fieldCode: "TUPHAP" }); // 09:05
    expect(justice.label).toBe("2001");
    testClock.advance(MINUTE);

    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A001");
    expectProblem(await counter("hn-cn01", 1, "transfer", { toFieldCode: "DATDAI" }), 409, "invalid_transition");
    expectProblem(await counter("hn-cn01", 1, "transfer", { toFieldCode: "NOIVU" }), 422, "field_not_offered");

    const moved = expectOk(await counter("hn-cn01", 1, "transfer", { toFieldCode: "TUPHAP" }));
    expect(moved.ticket).toMatchObject({
      id: land.id,
      label: "A001",
      fieldCode: "TUPHAP",
      originalFieldCode: "DATDAI",
      status: "waiting",
      registeredAt: hanoi("2026-11-24", "09:00"),
      counterNumber: null,
      calledAt: null,
      ahead: 0,
    });
    expect(moved.counter.current).toBeNull();

    // The justice citizen who registered later now has one number ahead.
    const theirs = expectOk(await api("GET", ticketPath(justice.id), { citizen: idNumber(422) })).ticket;
    expect(theirs.ahead).toBe(1);

    // Counter 12 (justice and business) calls A001 before 2001.
    expectOk(await counter("hn-cn01", 12, "open"));
    const called = expectOk(await counter("hn-cn01", 12, "call-next")).ticket;
    expect(called).toMatchObject({ label: "A001", fieldCode: "TUPHAP", counterNumber: 12 });
    expectOk(await counter("hn-cn01", 12, "complete"));
    expect(expectOk(await counter("hn-cn01", 12, "call-next")).ticket.label).toBe("2001");

    // The transferred number still counts against land registration's cap, where it was issued.
    const day = expectOk(await api("GET", "/api/v1/staff/branches/hn-cn01/today", { staff: true }));
    expect(day.fields.find((f: { code: string }) => f.code === "DATDAI")).toMatchObject({ issued: 1, waiting: 0 });
    expect(day.fields.find((f: { code: string }) => f.code === "TUPHAP")).toMatchObject({ issued: 1, nowServing: "2001" });
    expect(expectOk(await api("GET", ticketPath(land.id), { citizen: idNumber(421) })).ticket.status).toBe("served");
  });

  it("transferring from an idle counter is 409 counter_idle", async () => {
    expectProblem(await counter("hn-cn01", 1, "transfer", { toFieldCode: "TUPHAP" }), 409, "counter_idle");
  });
});

describe("walk-in and priority numbers at reception", () => {
  beforeAll(() => startDay("2026-11-25"));
  const elder = "001050000431"; // male, born 1950

  it("an elderly walk-in issued after the online numbers is called before them", async () => {
    const first = await booked(idNumber(431)); // 09:00
    testClock.advance(MINUTE);
    await booked(idNumber(432)); // 09:01
    testClock.advance(9 * MINUTE);

    const res = await walkIn("hn-cn01", { idNumber: elder, identityCheck: "typed", fieldCode: "DATDAI", priority: "elderly" });
    const { ticket, replay } = expectOk(res, 201);
    expect(replay).toBe(false);
    expect(ticket).toMatchObject({
      label: "A003",
      channel: "reception",
      priority: "elderly",
      status: "waiting",
      verified: true,
      arrivedAt: hanoi("2026-11-25", "09:10"),
      ahead: 0,
      citizenMasked: "001******431",
    });
    // The earliest online number now has the priority number ahead of it.
    expect(expectOk(await api("GET", ticketPath(first.id), { citizen: idNumber(431) })).ticket.ahead).toBe(1);

    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket).toMatchObject({ label: "A003", priority: "elderly" });
    expectOk(await counter("hn-cn01", 1, "complete"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A001");
    expectOk(await counter("hn-cn01", 1, "complete"));
  });

  it("the elder sees their walk-in number as their own", async () => {
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: elder })).tickets;
    expect(mine.map((t: { label: string; status: string }) => [t.label, t.status])).toEqual([["A003", "served"]]);
  });

  it("a kiosk walk-in from a scanned chip card is verified by chip_qr", async () => {
    const id = idNumber(433);
    const res = await walkIn("hn-cn01", { cccdQr: cccdQr(id), identityCheck: "chip_qr", fieldCode: "TUPHAP", channel: "kiosk" });
    const { ticket } = expectOk(res, 201);
    expect(ticket).toMatchObject({ channel: "kiosk", verified: true, label: "2001", citizenMasked: "001******433" });
  });

  it("reception repeats a walk-in with the same Idempotency-Key: the same number, 200", async () => {
    const body = { idNumber: idNumber(434), identityCheck: "typed", fieldCode: "XAYDUNG" };
    const first = expectOk(await api("POST", "/api/v1/staff/branches/hn-cn01/tickets", { staff: true, json: body, idempotencyKey: "desk-3-0001" }), 201);
    const again = expectOk(await api("POST", "/api/v1/staff/branches/hn-cn01/tickets", { staff: true, json: body, idempotencyKey: "desk-3-0001" }), 200);
    expect(again).toMatchObject({ replay: true, ticket: { id: first.ticket.id } });
  });

  it("an unknown province code is refused unless reception chooses to proceed", async () => {
    const abroad = "003090000435";
    const refused = await walkIn("hn-cn01", { idNumber: abroad, identityCheck: "typed", fieldCode: "DATDAI" });
    expect(expectProblem(refused, 422, "id_number_unknown_province").provinceCode).toBe("003");
    const issued = await walkIn("hn-cn01", { idNumber: abroad, identityCheck: "typed", fieldCode: "DATDAI", acceptUnknownProvince: true });
    expect(expectOk(issued, 201).ticket.citizenMasked).toBe("003******435");
  });

  it("exactly one of idNumber or cccdQr, and the identity check named: otherwise 400 invalid_request", async () => {
    const id = idNumber(436);
    const bad = [
      { identityCheck: "typed", fieldCode: "DATDAI" },
      { idNumber: id, cccdQr: cccdQr(id), identityCheck: "typed", fieldCode: "DATDAI" },
      { idNumber: id, fieldCode: "DATDAI" },
      { idNumber: id, identityCheck: "platform", fieldCode: "DATDAI" },
      { idNumber: id, identityCheck: "typed", fieldCode: "DATDAI", channel: "online" },
      { idNumber: id, identityCheck: "typed", fieldCode: "DATDAI", priority: "vip" },
    ];
    for (const json of bad) expectProblem(await walkIn("hn-cn01", json), 400, "invalid_request");
  });

  it("an invalid ID number or QR text at reception is 422 invalid_id_number with the reason", async () => {
    const typo = expectProblem(await walkIn("hn-cn01", { idNumber: "0010900004370", identityCheck: "typed", fieldCode: "DATDAI" }), 422, "invalid_id_number");
    expect(typo.reason).toBe("length");
    const qr = expectProblem(await walkIn("hn-cn01", { cccdQr: "001090000437|Nguyen Van A", identityCheck: "chip_qr", fieldCode: "DATDAI" }), 422, "invalid_id_number");
    expect(qr.reason).toBe("field_count");
  });
});

describe("check-in at reception: does this person hold this number?", () => {
  beforeAll(() => startDay("2026-11-26"));
  const holder = idNumber(441);
  const other = idNumber(442);

  it("with the holder's typed ID: arrived and verified", async () => {
    const t = await booked(holder); // A001
    expect(t.verified).toBe(false);
    testClock.advance(20 * MINUTE);
    const { ticket } = expectOk(await checkIn("hn-cn01", { ticket: "A001", idNumber: holder, identityCheck: "typed" }));
    expect(ticket).toMatchObject({ id: t.id, verified: true, arrivedAt: hanoi("2026-11-26", "09:20"), status: "waiting" });
    // The citizen sees it too.
    expect(expectOk(await api("GET", ticketPath(t.id), { citizen: holder })).ticket.verified).toBe(true);
  });

  it("with another person's ID: 409 identity_mismatch, and the ticket stays unverified", async () => {
    const t = await booked(other); // A002
    const p = expectProblem(await checkIn("hn-cn01", { ticket: "A002", idNumber: holder, identityCheck: "typed" }), 409, "identity_mismatch");
    expect(p.title).toBe("Thông tin công dân không khớp với số thứ tự.");
    expect(expectOk(await api("GET", ticketPath(t.id), { citizen: other })).ticket.verified).toBe(false);
  });

  it("with the chip card's QR text: verified by chip_qr, by label or by full ticket id", async () => {
    const byLabel = expectOk(await checkIn("hn-cn01", { ticket: "A002", cccdQr: cccdQr(other, { name: "Trần Thị Bích" }), identityCheck: "chip_qr" }));
    expect(byLabel.ticket).toMatchObject({ label: "A002", verified: true });
    const t = await booked(idNumber(443)); // A003
    // Scanners often add a newline at the end.
    const qr = `${cccdQr(idNumber(443), { name: "Lê Văn Cường", dob: "29021992" })}\r\n`;
    const byId = expectOk(await checkIn("hn-cn01", { ticket: t.id, cccdQr: qr, identityCheck: "chip_qr" }));
    expect(byId.ticket).toMatchObject({ label: "A003", verified: true });
  });

  it("a QR text that is not a chip card's is 422 invalid_id_number naming what is wrong", async () => {
    const cases: Array<[string, string]> = [
      [`${holder}||Nguyễn Văn A|31021990|Nam|Hà Nội|01012021`, "date_of_birth"],
      [`${holder}||Nguyễn Văn A|01011990|Nam|Hà Nội|01011980`, "dates_order"],
      [`${holder}|12345|Nguyễn Văn A|01011990|Nam|Hà Nội|01012021`, "old_id_number"],
      [`${holder}||Nguyễn\u0007Văn A|01011990|Nam|Hà Nội|01012021`, "control_chars"],
      ["https://example.com/not-a-card", "field_count"],
    ];
    for (const [text, reason] of cases) {
      const p = expectProblem(await checkIn("hn-cn01", { ticket: "A001", cccdQr: text, identityCheck: "chip_qr" }), 422, "invalid_id_number");
      expect(p.reason, text).toBe(reason);
    }
  });

  it("a number that does not exist today, or another day's or branch's ticket id, is 404 ticket_not_found", async () => {
    expectProblem(await checkIn("hn-cn01", { ticket: "A404", idNumber: holder, identityCheck: "typed" }), 404, "ticket_not_found");
    expectProblem(await checkIn("hn-cn01", { ticket: "hn-cn01:2026-11-23:1", idNumber: holder, identityCheck: "typed" }), 404, "ticket_not_found");
    expectProblem(await checkIn("hn-cn01", { ticket: "hn-cn02:2026-11-26:1", idNumber: holder, identityCheck: "typed" }), 404, "ticket_not_found");
    expectProblem(await checkIn("hn-cn01", { ticket: "not a ticket", idNumber: holder, identityCheck: "typed" }), 400, "invalid_request");
  });

  it("a number already served cannot be checked in", async () => {
    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.label).toBe("A001");
    expectOk(await counter("hn-cn01", 1, "complete"));
    expectProblem(await checkIn("hn-cn01", { ticket: "A001", idNumber: holder, identityCheck: "typed" }), 409, "invalid_transition");
  });
});

describe("branch 2 calls only numbers checked in at reception", () => {
  beforeAll(() => startDay("2026-11-27"));
  const early = idNumber(451);
  const late = idNumber(452);

  it("call-next skips the earlier unverified number and calls the verified one", async () => {
    expect((await booked(early, { branchId: "hn-cn02" })).label).toBe("A001");
    testClock.advance(MINUTE);
    expect((await booked(late, { branchId: "hn-cn02" })).label).toBe("A002");
    expectOk(await checkIn("hn-cn02", { ticket: "A002", idNumber: late, identityCheck: "typed" }));

    expectOk(await counter("hn-cn02", 1, "open"));
    expect(expectOk(await counter("hn-cn02", 1, "call-next")).ticket).toMatchObject({ label: "A002", verified: true });
    expectOk(await counter("hn-cn02", 1, "complete"));
  });

  it("with only unverified numbers waiting, nobody is called, even out of turn", async () => {
    expectProblem(await counter("hn-cn02", 1, "call-next"), 409, "queue_empty");
    expectProblem(await counter("hn-cn02", 1, "call", { label: "A001" }), 409, "invalid_transition");
  });

  it("once the early citizen checks in, they are called", async () => {
    expectOk(await checkIn("hn-cn02", { ticket: "A001", cccdQr: cccdQr(early), identityCheck: "chip_qr" }));
    expect(expectOk(await counter("hn-cn02", 1, "call-next")).ticket.label).toBe("A001");
  });

  it("a walk-in at branch 2 is verified at issue, so it can be called at once", async () => {
    expectOk(await counter("hn-cn02", 1, "complete"));
    const walk = expectOk(await walkIn("hn-cn02", { idNumber: idNumber(453), identityCheck: "typed", fieldCode: "DATDAI" }), 201);
    expect(expectOk(await counter("hn-cn02", 1, "call-next")).ticket.label).toBe(walk.ticket.label);
  });
});

describe("at the end of the service day, numbers not served expire", () => {
  beforeAll(() => startDay("2026-11-30"));
  const waiting = idNumber(461);
  const called = idNumber(462);

  it("a waiting and a called number expire at closing time; the citizen is told to book again on the next working day", async () => {
    const w = await booked(waiting, { fieldCode: "TUPHAP" }); // 2001
    const c = await booked(called, { fieldCode: "DATDAI" }); // A001
    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.id).toBe(c.id);

    // 17:05, after the hall closed at 17:00: the branch-day's timers run.
    testClock.set(hanoi("2026-11-30", "17:05"));
    await runDurableObjectAlarm(env.BRANCH_DAY.getByName("hn-cn01:2026-11-30"));

    for (const [citizen, t] of [[waiting, w], [called, c]] as const) {
      const mine = expectOk(await api("GET", ticketPath(t.id), { citizen })).ticket;
      expect(mine).toMatchObject({ status: "expired", bookAgainOn: "2026-12-01", ahead: null });
    }
    const day = expectOk(await api("GET", "/api/v1/staff/branches/hn-cn01/today", { staff: true }));
    expect(day).toMatchObject({ bookingClosed: true, dayEnded: true });
    expect(day.counters[0]).toMatchObject({ number: 1, current: null });
    expect(day.fields.find((f: { code: string }) => f.code === "TUPHAP")).toMatchObject({ waiting: 0 });
    expectProblem(await counter("hn-cn01", 1, "call-next"), 409, "queue_empty");
  });
});
