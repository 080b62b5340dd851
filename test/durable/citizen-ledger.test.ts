/**
 * The per-citizen limits on the real runtime: at most 2 numbers a day across branches, fields
 * and channels, at most 1 per field; retries and crashed requests never break them.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { book, branchDay, cancelBooking, citizenLedger, type BookingRequest } from "../../worker/booking";
import { citizen, demoPlan, freezeAt, seedDemoCenter, withCaps } from "../support/world";

const DAY = "2026-11-23";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(DAY, "09:00");
});
afterAll(() => testClock.release());

async function request(n: number, branchId: string, fieldCode: string, extra: Partial<BookingRequest> = {}): Promise<BookingRequest> {
  return {
    citizen: await citizen(n),
    plan: await demoPlan(branchId, DAY),
    fieldCode,
    channel: "online",
    priority: null,
    verifiedBy: null,
    idempotencyKey: null,
    ...extra,
  };
}

describe("at most 2 numbers a day and 1 per field", () => {
  it("50 simultaneous requests from one citizen across branches and fields yield exactly 2 tickets and 48 clear refusals", async () => {
    const targets = [
      ["hn-cn01", "DATDAI"],
      ["hn-cn01", "TUPHAP"],
      ["hn-cn01", "XAYDUNG"],
      ["hn-cn01", "KINHDOANH"],
      ["hn-cn02", "DATDAI"],
      ["hn-cn02", "TUPHAP"],
      ["hn-cn02", "NOIVU"],
    ] as const;
    const reqs = await Promise.all(Array.from({ length: 50 }, (_, i) => request(1, targets[i % targets.length]![0], targets[i % targets.length]![1], { channel: i % 2 ? "online" : "kiosk" })));
    const results = await Promise.all(reqs.map((r) => book(env, r)));
    const tickets = results.filter((r) => r.ok);
    expect(tickets).toHaveLength(2);
    const codes = new Set(results.filter((r) => !r.ok).map((r) => (r.ok ? "" : r.code)));
    expect([...codes].every((c) => c === "citizen_daily_limit" || c === "citizen_field_limit")).toBe(true);
    // The two tickets are in different fields, and the ledger agrees with the branch-days.
    const [a, b] = tickets.map((t) => (t.ok ? t.ticket : null));
    expect(a!.fieldCode === b!.fieldCode && a!.branchId === b!.branchId).toBe(false);
    expect(await citizenLedger(env, (await citizen(1)).key).activeCount(DAY)).toBe(2);
  });

  it("a second number in the same field is refused even at another branch", async () => {
    expect(await book(env, await request(2, "hn-cn01", "DATDAI"))).toMatchObject({ ok: true });
    expect(await book(env, await request(2, "hn-cn02", "DATDAI"))).toMatchObject({ ok: false, code: "citizen_field_limit" });
  });

  it("a priority walk-in issued at reception counts toward the same limit", async () => {
    expect(await book(env, await request(3, "hn-cn01", "DATDAI", { channel: "reception", priority: "elderly", verifiedBy: "chip_qr" }))).toMatchObject({ ok: true, ticket: { priority: "elderly" } });
    expect(await book(env, await request(3, "hn-cn02", "TUPHAP"))).toMatchObject({ ok: true });
    expect(await book(env, await request(3, "hn-cn01", "XAYDUNG", { channel: "kiosk" }))).toMatchObject({ ok: false, code: "citizen_daily_limit" });
  });

  it("a cancelled number frees its slot", async () => {
    const first = await book(env, await request(4, "hn-cn01", "DATDAI"));
    await book(env, await request(4, "hn-cn01", "TUPHAP"));
    expect(await book(env, await request(4, "hn-cn01", "XAYDUNG"))).toMatchObject({ ok: false, code: "citizen_daily_limit" });
    if (!first.ok) throw new Error(first.code);
    expect(await cancelBooking(env, await citizen(4), first.ticket.id)).toMatchObject({ ok: true, ticket: { status: "cancelled" } });
    expect(await book(env, await request(4, "hn-cn01", "XAYDUNG"))).toMatchObject({ ok: true });
  });

  it("limits count per service day: tomorrow is a fresh day", async () => {
    const tomorrow = "2026-11-24";
    await book(env, await request(5, "hn-cn01", "DATDAI"));
    await book(env, await request(5, "hn-cn01", "TUPHAP"));
    const next = { ...(await request(5, "hn-cn01", "DATDAI")), plan: await demoPlan("hn-cn01", tomorrow) };
    expect(await book(env, next)).toMatchObject({ ok: true, ticket: { serviceDate: tomorrow } });
  });
});

describe("retries", () => {
  it("the same idempotency key returns the same ticket instead of a second one, even when sent simultaneously", async () => {
    const req = await request(6, "hn-cn01", "KINHDOANH", { idempotencyKey: "booking-6" });
    const results = await Promise.all(Array.from({ length: 10 }, () => book(env, req)));
    const ids = new Set(results.map((r) => (r.ok ? r.ticket.id : r.code)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^hn-cn01:2026-11-23:\d+$/);
    expect(await citizenLedger(env, req.citizen.key).activeCount(DAY)).toBe(1);
  });

  it("a retry after booking closed still returns the ticket issued before", async () => {
    const date = "2026-11-24";
    freezeAt(date, "15:59");
    const req = { ...(await request(11, "hn-cn01", "DATDAI", { idempotencyKey: "k-11" })), plan: await demoPlan("hn-cn01", date) };
    const first = await book(env, req);
    freezeAt(date, "16:30");
    const retry = await book(env, req);
    expect(retry).toMatchObject({ ok: true, replay: true, ticket: { id: first.ok ? first.ticket.id : "?" } });
    // Without the key it is a new request, and the window is closed.
    expect(await book(env, { ...req, idempotencyKey: null })).toMatchObject({ ok: false, code: "booking_window_closed" });
    freezeAt(DAY, "09:00");
  });

  it("the same key for a different request is refused", async () => {
    await book(env, await request(7, "hn-cn01", "DATDAI", { idempotencyKey: "k-7" }));
    expect(await book(env, await request(7, "hn-cn01", "TUPHAP", { idempotencyKey: "k-7" }))).toMatchObject({ ok: false, code: "idempotency_key_reused" });
  });

  it("a booking refused by the branch-day frees the slot, and a retry with the same key is judged afresh", async () => {
    const date = "2026-11-26";
    const full = withCaps(await demoPlan("hn-cn02", date), { YTE: 0 });
    const req = { ...(await request(8, "hn-cn02", "YTE", { idempotencyKey: "k-8" })), plan: full };
    expect(await book(env, req)).toMatchObject({ ok: false, code: "field_cap_reached", facts: { nextWorkingDay: "2026-11-27" } });
    expect(await citizenLedger(env, req.citizen.key).activeCount(date)).toBe(0);
    const raised = withCaps(full, { YTE: 5 });
    expect(await book(env, { ...req, plan: raised })).toMatchObject({ ok: true, ticket: { fieldCode: "YTE" } });
  });
});

describe("a request that dies half-way", () => {
  it("a reservation whose ticket was never issued is released, and a late issue for it is refused", async () => {
    const who = await citizen(9);
    const ledger = citizenLedger(env, who.key);
    const reserved = await ledger.reserve({ serviceDate: DAY, branchId: "hn-cn01", fieldCode: "DATDAI", channel: "online", idempotencyKey: null, fingerprint: "x" });
    if (!reserved.ok) throw new Error(reserved.code);
    expect(await ledger.activeCount(DAY)).toBe(1);
    expect(await ledger.settlePending(0)).toBe(1);
    expect(await ledger.activeCount(DAY)).toBe(0);
    const late = await branchDay(env, "hn-cn01", DAY).issue(await demoPlan("hn-cn01", DAY), {
      reservationId: reserved.reservation.id,
      fieldCode: "DATDAI",
      channel: "online",
      priority: null,
      citizenKey: who.key,
      citizenMasked: who.masked,
      verifiedBy: null,
    });
    expect(late).toMatchObject({ ok: false, code: "reservation_expired" });
  });

  it("a ticket issued but never confirmed keeps its slot and is confirmed by the settling alarm", async () => {
    const who = await citizen(10);
    const ledger = citizenLedger(env, who.key);
    const reserved = await ledger.reserve({ serviceDate: DAY, branchId: "hn-cn01", fieldCode: "TUPHAP", channel: "online", idempotencyKey: null, fingerprint: "x" });
    if (!reserved.ok) throw new Error(reserved.code);
    const issued = await branchDay(env, "hn-cn01", DAY).issue(await demoPlan("hn-cn01", DAY), {
      reservationId: reserved.reservation.id,
      fieldCode: "TUPHAP",
      channel: "online",
      priority: null,
      citizenKey: who.key,
      citizenMasked: who.masked,
      verifiedBy: null,
    });
    if (!issued.ok) throw new Error(issued.code);
    // The worker died before confirming. The alarm settles it a minute later.
    testClock.advance(61_000);
    await ledger.settlePending();
    const [r] = await ledger.list(DAY);
    expect(r).toMatchObject({ status: "confirmed", ticketId: issued.ticket.id, ticketLabel: issued.ticket.label });
    expect(await ledger.activeCount(DAY)).toBe(1);
  });
});
