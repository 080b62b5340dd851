/**
 * The per-citizen limits on the real runtime: at most 2 numbers a day across branches, fields
 * and channels, at most 1 per field; retries and crashed requests never break them.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now, testClock } from "../../shared/clock";
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

/** What the ledger object holds besides reservations: its tables, timers and armed alarm. */
function storageOf(ledger: ReturnType<typeof citizenLedger>) {
  return runInDurableObject(ledger, async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name")
      .toArray()
      .map((r) => r.name),
    timers: state.storage.sql.exec<{ name: string }>("SELECT name FROM schedule").toArray().map((r) => r.name),
    alarm: await state.storage.getAlarm(),
  }));
}

function reserveIn(ledger: ReturnType<typeof citizenLedger>, fieldCode: string, channel: BookingRequest["channel"] = "online") {
  return ledger.reserve({ serviceDate: DAY, branchId: "hn-cn01", fieldCode, channel, idempotencyKey: null, fingerprint: fieldCode });
}

describe("the ledger's storage (start-up, tables made on first use, objects made by earlier code)", () => {
  it("a new ledger makes only what a booking needs, and a confirmed booking leaves no timer and no alarm", async () => {
    const who = await citizen(30);
    expect(await book(env, await request(30, "hn-cn01", "DATDAI"))).toMatchObject({ ok: true });
    expect(await storageOf(citizenLedger(env, who.key))).toEqual({ tables: ["reservations", "schedule"], timers: [], alarm: null });
  });

  it("a pending reservation keeps the settle alarm armed, across a restart, until nothing is pending", async () => {
    const ledger = citizenLedger(env, (await citizen(31)).key);
    const a = await reserveIn(ledger, "DATDAI");
    const b = await reserveIn(ledger, "TUPHAP");
    if (!a.ok || !b.ok) throw new Error("reserve refused");
    // Armed a minute after the first reservation (the timer is derived from the pending rows: no row is stored).
    expect((await storageOf(ledger)).alarm).not.toBeNull();

    await evictDurableObject(ledger);
    const armed = (await storageOf(ledger)).alarm;
    expect(await storageOf(ledger)).toMatchObject({ timers: [], alarm: expect.any(Number) });

    // One still pending: the alarm stays, however often the other is confirmed (the alarm's
    // settle may confirm again after the request's own confirm).
    await ledger.confirm(a.reservation.id, "hn-cn01:2026-11-23:998", "9998");
    await ledger.confirm(a.reservation.id, "hn-cn01:2026-11-23:998", "9998");
    expect((await storageOf(ledger)).alarm).toBe(armed);
    // Nothing pending: the alarm goes. A late confirm of the refused one changes nothing.
    await ledger.release(b.reservation.id, "refused");
    await ledger.confirm(b.reservation.id, "hn-cn01:2026-11-23:999", "9999");
    expect(await storageOf(ledger)).toEqual({ tables: ["reservations", "schedule"], timers: [], alarm: null });
    expect((await ledger.list(DAY)).map((r) => [r.fieldCode, r.status, r.ticketLabel])).toEqual([
      ["DATDAI", "confirmed", "9998"],
      ["TUPHAP", "refused", null],
    ]);

    // A new pending reservation arms it again; a restart with it pending re-arms from the row alone.
    const c = await reserveIn(ledger, "XAYDUNG");
    if (!c.ok) throw new Error(c.code);
    await runInDurableObject(ledger, (_i, state) => state.storage.deleteAlarm());
    await evictDurableObject(ledger);
    expect((await storageOf(ledger)).alarm).not.toBeNull();
    await ledger.release(c.reservation.id, "refused");
    expect((await storageOf(ledger)).alarm).toBeNull();
  });

  it("a withdrawn consent is kept in a table made on first use, holds across a restart, and consenting makes nothing", async () => {
    const ledger = citizenLedger(env, (await citizen(32)).key);
    await ledger.setConsentWithdrawn(null);
    expect((await storageOf(ledger)).tables).not.toContain("consent_state");
    expect(await ledger.consentWithdrawnAt()).toBeNull();

    await ledger.setConsentWithdrawn(now());
    await evictDurableObject(ledger);
    expect(await ledger.consentWithdrawnAt()).toBe(now());
    expect(await reserveIn(ledger, "DATDAI")).toMatchObject({ ok: false, code: "consent_required" });
    // Walk-ins are served in person whatever the online consent says.
    expect(await reserveIn(ledger, "TUPHAP", "kiosk")).toMatchObject({ ok: true });

    await ledger.setConsentWithdrawn(null);
    await evictDurableObject(ledger);
    expect(await reserveIn(ledger, "DATDAI")).toMatchObject({ ok: true });
  });

  it("a ledger made by earlier code (every table at start-up, the day index) keeps its data, limits and settle alarm", async () => {
    const ledger = citizenLedger(env, (await citizen(33)).key);
    const t = now();
    await runInDurableObject(ledger, (_instance, state) => {
      const sql = state.storage.sql;
      // The schema exactly as the earlier constructors made it, with one pending reservation
      // left by a request that died two minutes ago, its settle timer, and a withdrawn consent.
      sql.exec("DROP TABLE IF EXISTS reservations; DROP TABLE IF EXISTS schedule; DROP TABLE IF EXISTS consent_state");
      sql.exec(`CREATE TABLE IF NOT EXISTS reservations (
        id TEXT PRIMARY KEY, idempotency_key TEXT UNIQUE, fingerprint TEXT NOT NULL,
        service_date TEXT NOT NULL, branch_id TEXT NOT NULL, field_code TEXT NOT NULL, channel TEXT NOT NULL,
        status TEXT NOT NULL, ticket_id TEXT, ticket_label TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
      sql.exec("CREATE INDEX IF NOT EXISTS reservations_by_day ON reservations (service_date, status)");
      sql.exec("CREATE TABLE IF NOT EXISTS consent_state (id INTEGER PRIMARY KEY CHECK (id = 1), withdrawn_at INTEGER)");
      sql.exec("CREATE TABLE IF NOT EXISTS schedule (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
      sql.exec(`CREATE TABLE IF NOT EXISTS otp_state (
        slot INTEGER PRIMARY KEY CHECK (slot = 0),
        challenge_id TEXT, code_hash BLOB, pending_phone TEXT, issued_at INTEGER, expires_at INTEGER,
        wrong_attempts INTEGER NOT NULL DEFAULT 0, locked_until INTEGER, sends TEXT NOT NULL DEFAULT '[]')`);
      sql.exec("CREATE TABLE IF NOT EXISTS contact_phone (slot INTEGER PRIMARY KEY CHECK (slot = 0), phone_enc TEXT NOT NULL, last_used_at INTEGER NOT NULL)");
      sql.exec("CREATE TABLE IF NOT EXISTS erasure (slot INTEGER PRIMARY KEY CHECK (slot = 1), citizen_key TEXT NOT NULL, through TEXT NOT NULL)");
      sql.exec(
        `INSERT INTO reservations (id, idempotency_key, fingerprint, service_date, branch_id, field_code, channel, status, created_at, updated_at)
         VALUES ('old-1', 'old-key', 'DATDAI', ?, 'hn-cn01', 'DATDAI', 'online', 'pending', ?, ?)`,
        DAY,
        t - 120_000,
        t - 120_000,
      );
      sql.exec("INSERT INTO schedule (name, due_at) VALUES ('settle_pending', ?)", t - 60_000);
      sql.exec("INSERT INTO consent_state (id, withdrawn_at) VALUES (1, ?)", t - 1_000);
    });
    await evictDurableObject(ledger);

    expect(await reserveIn(ledger, "TUPHAP")).toMatchObject({ ok: false, code: "consent_required" });
    await ledger.setConsentWithdrawn(null);
    // The old pending reservation counts toward the limits; its idempotency key still names it.
    expect(await reserveIn(ledger, "DATDAI")).toMatchObject({ ok: false, code: "citizen_field_limit" });
    expect(await ledger.find("old-key", "DATDAI")).toMatchObject({ id: "old-1", status: "pending" });
    expect(await reserveIn(ledger, "TUPHAP")).toMatchObject({ ok: true });
    expect(await reserveIn(ledger, "XAYDUNG")).toMatchObject({ ok: false, code: "citizen_daily_limit" });
    const held = await storageOf(ledger);
    expect(held.tables).toEqual(["consent_state", "contact_phone", "erasure", "otp_state", "reservations", "reservations_by_day", "schedule"]);
    expect(held.alarm).not.toBeNull();

    // The alarm settles the dead request's reservation (never issued: released); the new one,
    // younger than a minute, stays pending with its timer.
    expect(await runDurableObjectAlarm(ledger)).toBe(true);
    expect((await ledger.list(DAY)).map((r) => [r.id === "old-1" ? "old-1" : r.fieldCode, r.status])).toEqual([
      ["old-1", "refused"],
      ["TUPHAP", "pending"],
    ]);
    expect(await ledger.activeCount(DAY)).toBe(1);
    // The stored timer of earlier code is gone; the alarm stays armed for the pending reservation.
    expect(await storageOf(ledger)).toMatchObject({ timers: [], alarm: expect.any(Number) });
    // Confirmed: nothing pending, no alarm.
    const tuphap = (await ledger.list(DAY)).find((r) => r.fieldCode === "TUPHAP")!;
    await ledger.confirm(tuphap.id, "hn-cn01:2026-11-23:997", "9997");
    expect((await storageOf(ledger)).alarm).toBeNull();
  });
});
