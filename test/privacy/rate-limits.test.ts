/**
 * Booking throttles (anti-fraud from the pilot), with the production limits of wrangler.toml:
 * RL_BOOKING_IP 30 a minute per address, RL_BOOKING_CITIZEN 10 a minute per citizen. The Rate
 * Limiting binding runs locally; its windows follow the wall clock (not the service clock).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, bookOnline, booked, closeService, expectOk, expectProblem, openService, ticketPath } from "../support/http";
import { hanoi, idNumber } from "../support/plans";

beforeAll(() => openService(hanoi("2026-11-23", "09:00")));
// Waiting for a fresh window, then dozens of requests on a busy machine: more than the default 5 s.
vi.setConfig({ testTimeout: 120_000 });
afterAll(closeService);

/**
 * Starts early in a minute window when the current one could roll over mid-test (the binding's
 * windows follow the wall clock; a busy test run can take seconds for 31 requests).
 */
async function awayFromWindowEdge(): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 30_000) await new Promise((r) => setTimeout(r, 60_000 - into + 250));
}


function fromAddress(ip: string) {
  return { "cf-connecting-ip": ip };
}

describe("per IP", () => {
  it("the 31st booking attempt in a minute from one address is 429 rate_limited with Retry-After", async () => {
    await awayFromWindowEdge();
    const ip = "203.0.113.31";
    for (let i = 0; i < 30; i++) {
      // Thirty different people behind one address (a café, a shared office): all served.
      const res = await api("POST", "/api/v1/tickets", { citizen: idNumber(3100 + i), json: { branchId: "hn-cn01", fieldCode: "TUPHAP" }, headers: fromAddress(ip) });
      expect(res.status, `attempt ${i + 1}`).toBe(201);
    }
    const refused = await api("POST", "/api/v1/tickets", { citizen: idNumber(3130), json: { branchId: "hn-cn01", fieldCode: "TUPHAP" }, headers: fromAddress(ip) });
    const p = expectProblem(refused, 429, "rate_limited");
    expect(p.retryAfterSeconds).toBe(60);
    expect(refused.headers.get("retry-after")).toBe("60");
    // The refusal came before any object: the 31st citizen holds no number.
    expect(expectOk(await api("GET", "/api/v1/tickets", { citizen: idNumber(3130) })).tickets).toEqual([]);
    // Another address is not affected.
    expectOk(await api("POST", "/api/v1/tickets", { citizen: idNumber(3130), json: { branchId: "hn-cn01", fieldCode: "TUPHAP" }, headers: fromAddress("203.0.113.32") }), 201);
  });

  it("cancelling counts against the same address", async () => {
    await awayFromWindowEdge();
    const ip = "203.0.113.40";
    for (let i = 0; i < 30; i++) {
      const res = await api("POST", ticketPath("hn-cn01:2026-11-23:9999", "/cancel"), { citizen: idNumber(3200 + i), headers: fromAddress(ip) });
      expect(res.status, `attempt ${i + 1}`).toBe(404);
    }
    expectProblem(await api("POST", ticketPath("hn-cn01:2026-11-23:9999", "/cancel"), { citizen: idNumber(3230), headers: fromAddress(ip) }), 429, "rate_limited");
    expectProblem(await api("POST", "/api/v1/tickets", { citizen: idNumber(3230), json: { branchId: "hn-cn01", fieldCode: "DATDAI" }, headers: fromAddress(ip) }), 429, "rate_limited");
  });

  it("every attempt counts, signed in or not", async () => {
    await awayFromWindowEdge();
    const ip = "203.0.113.50";
    for (let i = 0; i < 30; i++) expectProblem(await api("POST", "/api/v1/tickets", { json: {}, headers: fromAddress(ip) }), 401, "unauthorized");
    expectProblem(await api("POST", "/api/v1/tickets", { json: {}, headers: fromAddress(ip) }), 429, "rate_limited");
  });
});

describe("per citizen", () => {
  it("a citizen hammering the booking route from many addresses is 429 after 10 attempts a minute", async () => {
    await awayFromWindowEdge();
    const me = idNumber(3300);
    const fields = ["DATDAI", "TUPHAP", "XAYDUNG", "KINHDOANH", "NONGNGHIEP"];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await bookOnline(me, { fieldCode: fields[i % fields.length] })).status);
    // Two numbers, then the ledger's daily limit: every one of the ten was a real attempt.
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 409)).toHaveLength(8);
    const eleventh = await bookOnline(me, { fieldCode: "NOIVU" });
    expectProblem(eleventh, 429, "rate_limited");
    expect(eleventh.headers.get("retry-after")).toBe("60");
    // Cancelling is throttled too, so a citizen cannot cancel and re-book in a tight loop.
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: me })).tickets;
    expectProblem(await api("POST", ticketPath(mine[0].id, "/cancel"), { citizen: me }), 429, "rate_limited");
    // Someone else is not affected.
    await booked(idNumber(3301), { fieldCode: "DATDAI" });
  });

  it("malformed requests are refused without counting against the citizen (they cannot race for anything)", async () => {
    await awayFromWindowEdge();
    const me = idNumber(3310);
    for (let i = 0; i < 15; i++) expectProblem(await api("POST", "/api/v1/tickets", { citizen: me, json: { branchId: "hn-cn01" } }), 400, "invalid_request");
    await booked(me, { fieldCode: "DATDAI" });
  });
});
