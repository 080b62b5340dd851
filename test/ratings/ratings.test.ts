/**
 * "After service the citizen rates it, 1–5 and an optional reason, on their phone or on a
 * counter-facing screen": once per ticket, only after it was served, reason codes only (no free
 * text), stored in D1 for the manager's reports.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { COUNTER_RATING_WINDOW_MS, RATING_REASON_CODES, RATING_REASONS, reasonsForScore } from "../../shared/ratings";
import { api, booked, closeService, expectOk, expectProblem, openService, secret, type ApiResponse } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { bearerFor, seedStaff, type TestStaff } from "../support/staff";

const BRANCH = "hn-cn01";

let clerk: TestStaff, otherClerk: TestStaff, manager: TestStaff;
let n = 0;
const citizen = () => secret(idNumber(8_100 + n++));

async function at(who: TestStaff, counter: number, action: string, json?: unknown): Promise<ApiResponse> {
  return api("POST", `/api/v1/staff/branches/${BRANCH}/counters/${counter}/${action}`, { staff: await bearerFor(who), json });
}

/** Books a number at the counter's field and has `who` serve it to the end at `counter`. */
async function serve(who: TestStaff, counter: number, holder: string): Promise<{ id: string; label: string }> {
  const ticket = await booked(holder, { fieldCode: "XAYDUNG" });
  const called = expectOk(await at(who, counter, "call", { label: ticket.label }));
  expect(called.ticket.id).toBe(ticket.id);
  testClock.advance(60_000);
  expectOk(await at(who, counter, "complete"));
  return ticket;
}

async function storedRating(ticketId: string) {
  return env.DB.prepare("SELECT * FROM ticket_ratings WHERE ticket_id = ?").bind(ticketId).first<Record<string, unknown>>();
}

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  clerk = await seedStaff({ username: "rating.clerk", role: "clerk", branchIds: [BRANCH] });
  otherClerk = await seedStaff({ username: "rating.clerk2", role: "clerk", branchIds: [BRANCH] });
  manager = await seedStaff({ username: "rating.manager", role: "manager", branchIds: [BRANCH] });
  expectOk(await at(clerk, 11, "open"));
});
afterAll(closeService);

describe("the reason list", () => {
  it("has Vietnamese and English labels for every code and offers praise for high scores, complaints for low ones", () => {
    for (const code of RATING_REASON_CODES) {
      expect(RATING_REASONS[code].vi.length).toBeGreaterThan(3);
      expect(RATING_REASONS[code].en.length).toBeGreaterThan(3);
    }
    expect(reasonsForScore(5)).toContain("friendly");
    expect(reasonsForScore(5)).not.toContain("long_wait");
    expect(reasonsForScore(1)).toContain("long_wait");
    expect(reasonsForScore(1)).not.toContain("fast");
    expect(reasonsForScore(3)).toEqual(RATING_REASON_CODES);
  });
});

describe("the citizen rates on their phone", () => {
  it("only after the ticket was served, once, and the rating is stored with its branch, day, field and counter", async () => {
    const holder = citizen();
    const ticket = await booked(holder, { fieldCode: "XAYDUNG" });
    const path = `/api/v1/tickets/${ticket.id}/rating`;
    expectProblem(await api("POST", path, { citizen: holder, json: { score: 5 } }), 409, "rating_not_open");
    expect(expectOk(await api("GET", path, { citizen: holder }))).toEqual({ rating: null, canRate: false });

    expectOk(await at(clerk, 11, "call", { label: ticket.label }));
    expectProblem(await api("POST", path, { citizen: holder, json: { score: 5 } }), 409, "rating_not_open");
    expectOk(await at(clerk, 11, "complete"));
    expect(expectOk(await api("GET", path, { citizen: holder })).canRate).toBe(true);

    const rated = expectOk(await api("POST", path, { citizen: holder, json: { score: 4, reason: "clear_guidance" } }), 201);
    expect(rated.rating).toMatchObject({ ticketId: ticket.id, label: ticket.label, score: 4, reason: "clear_guidance", source: "citizen" });
    const again = expectProblem(await api("POST", path, { citizen: holder, json: { score: 1 } }), 409, "rating_already_given");
    expect(again.title).toMatch(/đã được đánh giá/);
    expect(await storedRating(ticket.id)).toMatchObject({ branch_id: BRANCH, service_date: MONDAY, field_code: "XAYDUNG", counter_number: 11, score: 4, reason: "clear_guidance", source: "citizen" });
    expect(expectOk(await api("GET", path, { citizen: holder }))).toMatchObject({ rating: { score: 4 }, canRate: false });
  });

  it("a no-show or cancelled ticket cannot be rated", async () => {
    const noShow = await booked(citizen(), { fieldCode: "XAYDUNG" });
    expectOk(await at(clerk, 11, "call", { label: noShow.label }));
    expectOk(await at(clerk, 11, "no-show"));
    const holder = citizen();
    const cancelled = await booked(holder, { fieldCode: "XAYDUNG" });
    expectOk(await api("POST", `/api/v1/tickets/${cancelled.id}/cancel`, { citizen: holder }));
    expectProblem(await api("POST", `/api/v1/tickets/${cancelled.id}/rating`, { citizen: holder, json: { score: 3 } }), 409, "rating_not_open");
  });

  it("refuses scores outside 1–5, unknown reasons and any free text, storing nothing", async () => {
    const holder = citizen();
    const ticket = await serve(clerk, 11, holder);
    const path = `/api/v1/tickets/${ticket.id}/rating`;
    for (const json of [
      { score: 0 },
      { score: 6 },
      { score: 4.5 },
      { score: "5" },
      { score: 5, reason: "tên tôi là Nguyễn Văn A" },
      { score: 5, comment: "gọi 0912345678" },
      {},
      [],
    ]) {
      expectProblem(await api("POST", path, { citizen: holder, json }), 400, "invalid_request");
    }
    expect(await storedRating(ticket.id)).toBeNull();
    expectOk(await api("POST", path, { citizen: holder, json: { score: 2 } }), 201);
  });
});

describe("the counter-facing screen", () => {
  it("rates the ticket just completed at that counter, once; a phone rating after it is refused", async () => {
    const holder = citizen();
    const ticket = await serve(clerk, 11, holder);
    const rated = expectOk(await at(clerk, 11, "rating", { score: 5, reason: "friendly" }), 201);
    expect(rated.rating).toMatchObject({ ticketId: ticket.id, label: ticket.label, score: 5, reason: "friendly", source: "counter" });
    expect(await storedRating(ticket.id)).toMatchObject({ counter_number: 11, source: "counter", score: 5 });
    expectProblem(await at(clerk, 11, "rating", { score: 1 }), 409, "rating_already_given");
    expectProblem(await api("POST", `/api/v1/tickets/${ticket.id}/rating`, { citizen: holder, json: { score: 1 } }), 409, "rating_already_given");
  });

  it("the citizen's own rating first: the counter screen is then told it was given", async () => {
    const holder = citizen();
    const ticket = await serve(clerk, 11, holder);
    expectOk(await api("POST", `/api/v1/tickets/${ticket.id}/rating`, { citizen: holder, json: { score: 3 } }), 201);
    expectProblem(await at(clerk, 11, "rating", { score: 5 }), 409, "rating_already_given");
  });

  it("nothing to rate: no service yet, after a no-show, once the next citizen is called, or after the rating window", async () => {
    expectOk(await at(clerk, 3, "open"));
    expectProblem(await at(clerk, 3, "rating", { score: 5 }), 409, "rating_nothing_to_rate");

    const noShow = await booked(citizen(), { fieldCode: "DATDAI" });
    expectOk(await at(clerk, 3, "call", { label: noShow.label }));
    expectProblem(await at(clerk, 3, "rating", { score: 5 }), 409, "rating_nothing_to_rate");
    expectOk(await at(clerk, 3, "no-show"));
    expectProblem(await at(clerk, 3, "rating", { score: 5 }), 409, "rating_nothing_to_rate");

    await serve(clerk, 11, citizen());
    const next = await booked(citizen(), { fieldCode: "XAYDUNG" });
    expectOk(await at(clerk, 11, "call", { label: next.label }));
    expectProblem(await at(clerk, 11, "rating", { score: 5 }), 409, "rating_nothing_to_rate");
    expectOk(await at(clerk, 11, "complete"));

    testClock.advance(COUNTER_RATING_WINDOW_MS + 1_000);
    expectProblem(await at(clerk, 11, "rating", { score: 5 }), 409, "rating_nothing_to_rate");
    // The citizen may still rate on their phone.
    expect((await storedRating(next.id))).toBeNull();
  });

  it("only the clerk who opened the counter (or a manager) may use its screen", async () => {
    await serve(clerk, 11, citizen());
    expectProblem(await at(otherClerk, 11, "rating", { score: 5 }), 403, "counter_opened_by_other");
    expectOk(await at(manager, 11, "rating", { score: 4 }), 201);
    // Once the counter is closed and another clerk opens it, the first clerk's screen is refused.
    expectOk(await at(clerk, 11, "close"));
    expectOk(await at(otherClerk, 11, "open"));
    await serve(otherClerk, 11, citizen());
    expectProblem(await at(clerk, 11, "rating", { score: 5 }), 403, "counter_opened_by_other");
    expectOk(await at(otherClerk, 11, "rating", { score: 5 }), 201);
  });

  it("an unknown counter or malformed body is refused plainly", async () => {
    expectProblem(await at(manager, 99, "rating", { score: 5 }), 404, "counter_not_found");
    expectProblem(await at(manager, 11, "rating", { score: 5, note: "x" }), 400, "invalid_request");
  });
});
