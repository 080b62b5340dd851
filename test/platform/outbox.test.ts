/**
 * The branch-day's event outbox: events are written in the same transaction as the change that
 * makes them, numbered per ticket, free of personal data, and left for the alarm to send.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { book, branchDay } from "../../worker/booking";
import type { PlatformEvent } from "../../worker/webhooks/events";
import { hanoi } from "../support/plans";
import { citizen, demoPlan, freezeAt, seedDemoCenter } from "../support/world";

const DAY = "2026-11-23";
const BRANCH = "hn-cn02";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(DAY, "09:00");
});
afterAll(() => testClock.release());

function outbox(): Promise<PlatformEvent[]> {
  return runInDurableObject(branchDay(env, BRANCH, DAY), (_obj, state) =>
    state.storage.sql
      .exec<{ body: string }>("SELECT body FROM event_outbox ORDER BY n")
      .toArray()
      .map((r) => JSON.parse(r.body) as PlatformEvent),
  );
}

/** Lets the drain delay pass and runs the alarm until the outbox is empty. */
async function drained(day: ReturnType<typeof branchDay>): Promise<void> {
  for (let i = 0; i < 5 && (await outbox()).length > 0; i++) {
    testClock.advance(1_000);
    await runDurableObjectAlarm(day);
  }
  expect(await outbox()).toEqual([]);
}

describe("the event outbox", () => {
  it("records each change's events with it, numbers them per ticket, and the alarm drains them", async () => {
    const plan = await demoPlan(BRANCH, DAY);
    const holders = [await citizen(861), await citizen(862)];
    const tickets = [];
    for (const [i, who] of holders.entries()) {
      const out = await book(env, { citizen: who, plan, fieldCode: "NOIVU", channel: "reception", priority: i === 0 ? "elderly" : null, verifiedBy: "typed", idempotencyKey: null });
      if (!out.ok) throw new Error(out.code);
      tickets.push(out.ticket);
    }
    const issued = await outbox();
    expect(issued.map((e) => [e.type, e.ticket?.id, e.sequence])).toEqual([
      ["ticket.issued", tickets[0]!.id, 1],
      ["ticket.issued", tickets[1]!.id, 1],
    ]);
    expect(issued[0]!.dayVersion).toBeLessThan(issued[1]!.dayVersion);
    expect(new Set(issued.map((e) => e.id)).size).toBe(2);
    const text = JSON.stringify(issued);
    for (const who of holders) expect(text).not.toContain(who.key);
    expect(text).not.toMatch(/elderly|priority|citizen|\*\*\*/);

    // A moment later the alarm sends them to the webhook queue and the outbox is empty.
    const day = branchDay(env, BRANCH, DAY);
    await drained(day);

    // The day ends: both numbers expire, each announced as the ticket's 2nd event.
    testClock.set(hanoi(DAY, "23:30"));
    for (let i = 0; i < 3 && (await outbox()).every((e) => e.type !== "ticket.expired"); i++) await runDurableObjectAlarm(day);
    const expired = (await outbox()).filter((e) => e.type === "ticket.expired");
    expect(expired.map((e) => [e.ticket?.id, e.sequence, e.ticket?.status])).toEqual([
      [tickets[0]!.id, 2, "expired"],
      [tickets[1]!.id, 2, "expired"],
    ]);
    await drained(day);
  });
});
