/**
 * An honest service day at the demo center's branch 1, driven through the real Worker booking
 * path and the real BranchDay object, touching every kind of chain event: online bookings, a
 * priority walk-in, calls in order, a recall, a no-show, a transfer and its re-entry, a number
 * called out of turn by a clerk, a cancellation, a check-in, counters opened, paused, resumed and
 * closed, and the end of the day. Also the helpers to read a chain through the public API.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { testClock } from "../../shared/clock";
import type { DayPlan } from "../../shared/branch-config";
import type { ChainEntry, ChainHead } from "../../shared/fairness";
import type { TicketView } from "../../shared/live-views";
import { book, branchDay } from "../../worker/booking";
import { citizenKeys } from "../../worker/identity/citizen-key";
import { api, expectOk } from "../support/http";
import { citizen, demoPlan, freezeAt } from "../support/world";

export const BRANCH = "hn-cn01";

/** Lets time pass while the object's alarms run, until none is left. */
export async function drainAlarms(stub: DurableObjectStub): Promise<void> {
  for (let i = 0; i < 50 && (await runDurableObjectAlarm(stub)); i++) testClock.advance(5_000);
}

export async function bookAs(plan: DayPlan, n: number, fieldCode: string, extra: { priority?: "elderly" } = {}): Promise<TicketView> {
  testClock.advance(1_000);
  const walkIn = extra.priority !== undefined;
  const out = await book(env, {
    citizen: await citizen(n),
    plan,
    fieldCode,
    channel: walkIn ? "reception" : "online",
    priority: extra.priority ?? null,
    verifiedBy: walkIn ? "typed" : null,
    idempotencyKey: null,
  });
  if (!out.ok) throw new Error(`booking refused: ${out.code}`);
  return out.ticket;
}

export interface ChainRead {
  head: ChainHead;
  published: { length: number; hash: string; publishedAt: number } | null;
  dayEnded: boolean;
  entries: ChainEntry[];
}

/** The whole chain of a day through the public API, page by page (`limit` small to exercise the cursor). */
export async function readChain(branchId: string, date: string, limit = 7): Promise<ChainRead> {
  const entries: ChainEntry[] = [];
  let cursor: string | null = null;
  let first: ChainRead | null = null;
  for (let page = 0; page < 1_000; page++) {
    const q: string = cursor ? `?limit=${limit}&cursor=${cursor}` : `?limit=${limit}`;
    const body = expectOk(await api("GET", `/api/v1/fairness/branches/${branchId}/days/${date}${q}`));
    first ??= { head: body.head, published: body.published, dayEnded: body.dayEnded, entries };
    entries.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  return first!;
}

export interface HonestDay {
  date: string;
  plan: DayPlan;
  /** Every ticket as first handed to its holder (with its receipt). */
  issued: TicketView[];
  /** The number a clerk called out of turn. */
  chosen: TicketView;
}

/** Runs the honest day on `date` (a working day) and ends it. */
export async function runHonestDay(date: string): Promise<HonestDay> {
  freezeAt(date, "08:05");
  const plan = await demoPlan(BRANCH, date);
  const day = branchDay(env, BRANCH, date);
  const issued: TicketView[] = [];
  // Six online numbers for land registration, two for justice, one elderly walk-in.
  for (let i = 0; i < 6; i++) issued.push(await bookAs(plan, 100 + i, "DATDAI"));
  for (let i = 0; i < 2; i++) issued.push(await bookAs(plan, 200 + i, "TUPHAP"));
  issued.push(await bookAs(plan, 300, "DATDAI", { priority: "elderly" }));
  const [a1, a2, a3, , a5, a6] = issued;

  const cmd = async (c: Parameters<typeof day.counter>[1]) => {
    testClock.advance(30_000);
    const out = await day.counter(plan, c);
    expect(out.ok, `${c.action} at ${c.counter}: ${out.ok ? "" : out.code}`).toBe(true);
    return out.ok ? out.ticket : null;
  };
  await cmd({ action: "open", counter: 1, fieldCodes: ["DATDAI"] });
  expect((await cmd({ action: "call_next", counter: 1 }))?.priority).toBe("elderly"); // priority first
  await cmd({ action: "complete", counter: 1 });
  expect((await cmd({ action: "call_next", counter: 1 }))?.label).toBe(a1!.label);
  await cmd({ action: "recall", counter: 1 });
  await cmd({ action: "no_show", counter: 1 });
  await cmd({ action: "open", counter: 2, fieldCodes: ["DATDAI"] });
  expect((await cmd({ action: "call_next", counter: 2 }))?.label).toBe(a2!.label);
  await cmd({ action: "start", counter: 2 });
  await cmd({ action: "transfer", counter: 2, toFieldCode: "TUPHAP" });
  await cmd({ action: "open", counter: 12 });
  // The transferred number keeps its registration order: ahead of both justice numbers.
  expect((await cmd({ action: "call_next", counter: 12 }))?.label).toBe(a2!.label);
  await cmd({ action: "complete", counter: 12 });
  // A clerk calls the last land number out of turn (recorded as chosen, A003 and A005 bypassed).
  const chosen = (await cmd({ action: "call_specific", counter: 1, label: a6!.label }))!;
  await cmd({ action: "complete", counter: 1 });
  // A citizen gives their number back.
  testClock.advance(10_000);
  const cancelled = await day.cancel(Number(a5!.id.split(":")[2]), citizenKeys(await citizen(104)));
  expect(cancelled.ok).toBe(true);
  // Reception checks in a justice number.
  const checked = await day.checkIn(plan, { label: issued[6]!.label }, citizenKeys(await citizen(200)), "chip_qr");
  expect(checked.ok).toBe(true);
  expect((await cmd({ action: "call_next", counter: 1 }))?.label).toBe(a3!.label);
  await cmd({ action: "complete", counter: 1 });
  await cmd({ action: "pause", counter: 2 });
  await cmd({ action: "resume", counter: 2 });
  await cmd({ action: "close", counter: 2 });
  await cmd({ action: "open", counter: 12, fieldCodes: ["TUPHAP"] });
  await cmd({ action: "call_next", counter: 12 }); // the first justice number, left at the counter at closing

  // Closing time: what is left expires, the head goes to D1.
  freezeAt(date, "17:00");
  await drainAlarms(day);
  return { date, plan, issued, chosen };
}
