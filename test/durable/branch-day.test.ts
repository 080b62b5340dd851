/**
 * The branch-day object on the real runtime: concurrent bookings and calls, eviction, the
 * end-of-day alarm and the history outbox to D1.
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import type { DayPlan } from "../../shared/branch-config";
import { book, branchDay } from "../../worker/booking";
import { MONDAY } from "../support/plans";
import { citizen, demoPlan, freezeAt, seedDemoCenter, withCaps } from "../support/world";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(MONDAY, "08:00");
});
afterAll(() => testClock.release());

async function bookMany(plan: DayPlan, fieldCode: string, firstCitizen: number, count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) =>
      book(env, { citizen: await citizen(firstCitizen + i), plan, fieldCode, channel: i % 3 ? "online" : "kiosk", priority: null, verifiedBy: i % 3 ? null : "typed", idempotencyKey: null }),
    ),
  );
}

/** Lets time pass while the object's alarms run, until none is left (each flush copies one batch). */
async function drainAlarms(stub: DurableObjectStub) {
  for (let i = 0; i < 50 && (await runDurableObjectAlarm(stub)); i++) testClock.advance(5_000);
}

describe("issuing under concurrency", () => {
  it("500 simultaneous bookings get 500 distinct numbers in registration order, and the cap is exact", { timeout: 60_000 }, async () => {
    freezeAt(MONDAY, "08:00");
    const plan = withCaps(await demoPlan("hn-cn01", MONDAY), { DATDAI: 500 });
    const results = await bookMany(plan, "DATDAI", 10_000, 520);
    const issued = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(issued).toHaveLength(500);
    expect(refused.map((r) => !r.ok && r.code)).toEqual(Array(20).fill("field_cap_reached"));

    const tickets = await branchDay(env, "hn-cn01", MONDAY).tickets();
    expect(tickets).toHaveLength(500);
    expect(new Set(tickets.map((t) => t.label)).size).toBe(500);
    // Registration order: the sequence, the field number and the time all agree.
    tickets.forEach((t, i) => {
      expect(t.id).toBe(`hn-cn01:${MONDAY}:${i + 1}`);
      expect(t.number).toBe(i + 1);
      if (i > 0) expect(t.registeredAt).toBeGreaterThanOrEqual(tickets[i - 1]!.registeredAt);
    });
    expect(tickets.map((t) => t.label).slice(0, 3)).toEqual(["A001", "A002", "A003"]);
  });

  it("10 counters pressing 'call next' at the same instant never get the same ticket", async () => {
    const plan = await demoPlan("hn-cn01", MONDAY);
    const day = branchDay(env, "hn-cn01", MONDAY);
    const landCounters = plan.branch.counters.filter((c) => c.fieldCodes.includes("DATDAI")).map((c) => c.number);
    expect(landCounters.length).toBeGreaterThanOrEqual(10);
    await Promise.all(landCounters.map((n) => day.counter(plan, { action: "open", counter: n, fieldCodes: ["DATDAI"] })));
    const seen = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const calls = await Promise.all(landCounters.slice(0, 10).map((n) => day.counter(plan, { action: "call_next", counter: n })));
      const labels = calls.map((c) => (c.ok ? c.ticket!.label : c.code));
      expect(new Set(labels).size).toBe(10);
      for (const l of labels) {
        expect(seen.has(l)).toBe(false);
        seen.add(l);
      }
      // First registered, first served: round r calls A(10r+1)…A(10r+10).
      expect([...labels].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `A${String(round * 10 + i + 1).padStart(3, "0")}`));
      await Promise.all(landCounters.slice(0, 10).map((n) => day.counter(plan, { action: "complete", counter: n })));
    }
  });
});

describe("surviving eviction and restart", () => {
  it("keeps every issued ticket, the sequence and the counters' state", async () => {
    const date = "2026-11-24";
    freezeAt(date, "09:00");
    const plan = await demoPlan("hn-cn01", date);
    const day = branchDay(env, "hn-cn01", date);
    await bookMany(plan, "TUPHAP", 20_000, 5);
    await day.counter(plan, { action: "open", counter: 12 });
    const called = await day.counter(plan, { action: "call_next", counter: 12 });
    const before = await day.tickets();

    await evictDurableObject(day);

    expect(await day.tickets()).toEqual(before);
    const overview = await day.overview(plan);
    expect(overview.counters.find((c) => c.number === 12)).toMatchObject({ status: "open", current: { label: called.ok ? called.ticket!.label : "" } });
    const next = await bookMany(plan, "TUPHAP", 20_100, 1);
    expect(next[0]).toMatchObject({ ok: true, ticket: { id: `hn-cn01:${date}:6`, label: "2006" } });
  });
});

describe("the end of the service day", () => {
  it("expires what is left, and the history in D1 matches the object's state", async () => {
    const date = "2026-11-25";
    freezeAt(date, "09:00");
    const plan = await demoPlan("hn-cn01", date);
    const day = branchDay(env, "hn-cn01", date);
    await bookMany(plan, "XAYDUNG", 30_000, 6);
    await day.counter(plan, { action: "open", counter: 11 });
    await day.counter(plan, { action: "call_next", counter: 11 });
    await day.counter(plan, { action: "complete", counter: 11 });
    await day.counter(plan, { action: "call_next", counter: 11 });
    await day.counter(plan, { action: "no_show", counter: 11 });
    await day.counter(plan, { action: "call_next", counter: 11 });

    // Before closing time the alarm only copies history; nothing expires.
    freezeAt(date, "12:00");
    await drainAlarms(day);
    expect((await day.tickets()).filter((t) => t.status === "expired")).toHaveLength(0);

    freezeAt(date, "17:00");
    await drainAlarms(day);
    const tickets = await day.tickets();
    expect(tickets.map((t) => t.status)).toEqual(["served", "no_show", "expired", "expired", "expired", "expired"]);
    expect(tickets[2]!.bookAgainOn).toBe("2026-11-26");

    const history = await env.DB.prepare("SELECT id, status, label, field_code, citizen_key, version FROM ticket_history WHERE branch_id = ? AND service_date = ? ORDER BY seq")
      .bind("hn-cn01", date)
      .all<{ id: string; status: string; label: string; version: number }>();
    expect(history.results.map((h) => [h.id, h.status, h.label])).toEqual(tickets.map((t) => [t.id, t.status, t.label]));

    // A second end-of-day run and a repeated flush change nothing.
    freezeAt(date, "17:30");
    await drainAlarms(day);
    const again = await env.DB.prepare("SELECT id, status, version FROM ticket_history WHERE service_date = ? ORDER BY seq").bind(date).all();
    expect(again.results.map((r) => [r.id, r.status, r.version])).toEqual(history.results.map((r) => [r.id, r.status, r.version]));
  });

  it("refuses bookings after closing-time alarms, pointing to the next working day", async () => {
    const date = "2026-11-27"; // Friday; branch 1 also opens Saturday mornings
    freezeAt(date, "15:00");
    const plan = await demoPlan("hn-cn01", date);
    await bookMany(plan, "DATDAI", 40_000, 1);
    freezeAt(date, "16:00");
    await drainAlarms(branchDay(env, "hn-cn01", date));
    const [late] = await bookMany(plan, "DATDAI", 40_001, 1);
    expect(late).toMatchObject({ ok: false, code: "booking_window_closed", facts: { nextWorkingDay: "2026-11-28" } });
  });
});

describe("plans", () => {
  it("takes a newer configuration (e.g. a raised cap) and ignores an older one", async () => {
    const date = "2026-11-26";
    freezeAt(date, "09:00");
    const base = withCaps(await demoPlan("hn-cn01", date), { NONGNGHIEP: 1 });
    expect((await bookMany(base, "NONGNGHIEP", 50_000, 2)).map((r) => r.ok)).toEqual([true, false]);
    const raised = withCaps(base, { NONGNGHIEP: 2 });
    expect((await bookMany(raised, "NONGNGHIEP", 50_010, 1))[0]!.ok).toBe(true);
    // A stale isolate sending the older plan does not lower the cap back.
    const overview = await branchDay(env, "hn-cn01", date).overview(base);
    expect(overview.fields.find((f) => f.code === "NONGNGHIEP")).toMatchObject({ dailyCap: 2, remaining: 0 });
  });
});
