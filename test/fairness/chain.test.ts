/**
 * The fairness chain on the real runtime: an honest day verifies end to end (receipts in the
 * chain, calls in registration order or with a recorded reason, the head published to D1), a
 * receipt is checked by the public endpoint, and the chain survives eviction.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { genesisHash, verifyChain, type ChainEntry } from "../../shared/fairness";
import { branchDay } from "../../worker/booking";
import { api, booked, expectOk, expectProblem } from "../support/http";
import { idNumber } from "../support/plans";
import { citizenKeys } from "../../worker/identity/citizen-key";
import { citizen, demoPlan, freezeAt, seedDemoCenter } from "../support/world";
import { BRANCH, bookAs, drainAlarms, readChain, runHonestDay, type HonestDay } from "./support";

const DAY = "2026-12-01";
let honest: HonestDay;

beforeAll(async () => {
  await seedDemoCenter();
  honest = await runHonestDay(DAY);
});
afterAll(() => testClock.release());

function receiptOf(t: HonestDay["issued"][number]) {
  return { branchId: t.branchId, serviceDate: t.serviceDate, position: t.receipt!.position, entryHash: t.receipt!.entryHash, seq: Number(t.id.split(":")[2]), label: t.label, registeredAt: t.registeredAt };
}

describe("an honest day", () => {
  it("verifies: every link holds and every call followed registration order or a recorded reason", async () => {
    const chain = await readChain(BRANCH, DAY);
    const report = verifyChain(BRANCH, DAY, chain.entries, chain.published ?? undefined);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.head).toEqual(chain.head);
    expect(report.summary).toMatchObject({
      issued: 9,
      priorityIssued: 1,
      cancelled: 1,
      calls: { next: 5, priority: 1, specific: 1 },
      recalls: 1,
      noShows: 1,
      served: 4,
      transfers: 1,
      // A004 and 2002 were still waiting; 2001 was at counter 12 when the day ended.
      expired: 3,
      dayEnded: true,
    });
    // The one call out of turn is on record, with the three numbers it passed over.
    expect(report.outOfTurn).toEqual([expect.objectContaining({ label: honest.chosen.label, counter: 1, bypassed: 3 })]);
  });

  it("records why each call happened and nothing personal", async () => {
    const { entries } = await readChain(BRANCH, DAY, 1_000);
    expect(entries[0]).toMatchObject({ position: 0, kind: "rules", callVerifiedOnly: false, prev: genesisHash(BRANCH, DAY) });
    const calls = entries.filter((e): e is Extract<ChainEntry, { kind: "call" }> => e.kind === "call");
    expect(calls.map((c) => c.reason)).toEqual(["priority", "next", "next", "next", "specific", "next", "next"]);
    expect(entries.some((e) => e.kind === "transfer" && e.toField === "TUPHAP")).toBe(true);
    const text = JSON.stringify(entries);
    for (let n = 100; n <= 300; n++) expect(text.includes(idNumber(n))).toBe(false);
    // Not even the masked ID, nor which priority group (disability, pregnancy: sensitive data).
    expect(text).not.toContain("***");
    expect(text).not.toMatch(/elderly|disability|pregnant|child_under_6|merit/);
    expect(entries.filter((e) => e.kind === "issue" && e.priority)).toHaveLength(1);
    // The citizen tag differs from every citizen key (a per-day keyed hash, not the key itself).
    const tags = entries.flatMap((e) => (e.kind === "issue" ? [e.citizen] : []));
    expect(new Set(tags).size).toBe(9);
  });

  it("gives every ticket a receipt that the public endpoint finds in the chain", async () => {
    for (const t of honest.issued) {
      const body = expectOk(await api("POST", "/api/v1/fairness/verify", { json: receiptOf(t) }));
      expect(body, t.label).toMatchObject({ ok: true, receipt: { ok: true, code: null }, entry: { kind: "issue", label: t.label, position: t.receipt!.position }, chain: { ok: true } });
    }
  });

  it("publishes the head in D1 at the end of the day, equal to the live head", async () => {
    const chain = await readChain(BRANCH, DAY);
    expect(chain.dayEnded).toBe(true);
    expect(chain.published).toMatchObject({ length: chain.head.length, hash: chain.head.hash });
    const heads = expectOk(await api("GET", `/api/v1/fairness/branches/${BRANCH}/heads`));
    expect(heads.items).toEqual([expect.objectContaining({ serviceDate: DAY, length: chain.head.length, hash: chain.head.hash })]);
  });

  it("an event after the day ended (a clerk finishes a number being served) extends the chain, and the head is published again", async () => {
    // Not part of the honest day's figures above: a day of its own.
    const date = "2026-12-02";
    freezeAt(date, "09:00");
    const plan = await demoPlan(BRANCH, date);
    const day = branchDay(env, BRANCH, date);
    await bookAs(plan, 400, "DATDAI");
    await day.counter(plan, { action: "open", counter: 3 });
    await day.counter(plan, { action: "call_next", counter: 3 });
    await day.counter(plan, { action: "start", counter: 3 });
    freezeAt(date, "17:00");
    await drainAlarms(day);
    const before = await readChain(BRANCH, date);
    expect(before.published).toMatchObject(before.head);
    await day.counter(plan, { action: "complete", counter: 3 });
    await drainAlarms(day);
    const after = await readChain(BRANCH, date);
    expect(after.head.length).toBe(before.head.length + 1);
    expect(after.published).toMatchObject(after.head);
    expect(verifyChain(BRANCH, date, after.entries, after.published!).ok).toBe(true);
  });
});

describe("receipts and the public endpoints", () => {
  it("an online booking's answer carries the receipt", async () => {
    freezeAt("2026-12-03", "09:00");
    const ticket = await booked(idNumber(500), { serviceDate: "2026-12-03" });
    expect(ticket.receipt).toMatchObject({ position: expect.any(Number), entryHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const body = expectOk(await api("POST", "/api/v1/fairness/verify", { json: { branchId: BRANCH, serviceDate: "2026-12-03", position: ticket.receipt.position, entryHash: ticket.receipt.entryHash, label: ticket.label } }));
    expect(body.ok).toBe(true);
  });

  it("refuses hostile input and days that have no chain", async () => {
    expectProblem(await api("POST", "/api/v1/fairness/verify", { json: { branchId: BRANCH, serviceDate: DAY, position: -1, entryHash: "x" } }), 400, "invalid_request");
    expectProblem(await api("POST", "/api/v1/fairness/verify", { json: { branchId: BRANCH, serviceDate: DAY, position: 0, entryHash: "0".repeat(64), extra: 1 } }), 400, "invalid_request");
    expectProblem(await api("GET", `/api/v1/fairness/branches/${BRANCH}/days/2024-01-02`), 404, "fairness_chain_not_found");
    expectProblem(await api("GET", `/api/v1/fairness/branches/nowhere/days/${DAY}`), 404, "branch_not_found");
    expectProblem(await api("GET", `/api/v1/fairness/branches/${BRANCH}/days/${DAY}?cursor=!!`), 400, "invalid_request");
  });

  it("an empty live day is the empty chain headed by the day's genesis hash", async () => {
    freezeAt("2026-12-04", "09:00");
    const chain = await readChain("hn-cn02", "2026-12-04");
    expect(chain.head).toEqual({ length: 0, hash: genesisHash("hn-cn02", "2026-12-04") });
    expect(verifyChain("hn-cn02", "2026-12-04", chain.entries).ok).toBe(true);
  });
});

describe("under concurrency", () => {
  it("simultaneous bookings and counters calling at the same instant still make one verifiable chain", { timeout: 60_000 }, async () => {
    const date = "2026-12-10";
    freezeAt(date, "09:00");
    const plan = await demoPlan(BRANCH, date);
    const day = branchDay(env, BRANCH, date);
    const tickets = await Promise.all(Array.from({ length: 40 }, (_, i) => bookAs(plan, 800 + i, i % 4 === 0 ? "TUPHAP" : "DATDAI")));
    await Promise.all([1, 2, 3, 10].map((n) => day.counter(plan, { action: "open", counter: n })));
    for (let round = 0; round < 3; round++) {
      await Promise.all([1, 2, 3, 10].map((n) => day.counter(plan, { action: "call_next", counter: n })));
      await Promise.all([1, 2, 3, 10].map((n) => day.counter(plan, { action: round === 1 ? "no_show" : "complete", counter: n })));
    }
    const chain = await readChain(BRANCH, date, 1_000);
    const report = verifyChain(BRANCH, date, chain.entries);
    expect(report.problems).toEqual([]);
    expect(report.summary).toMatchObject({ issued: 40, calls: { next: 12, priority: 0, specific: 0 }, noShows: 4, served: 8 });
    // Receipts are distinct positions, in registration order.
    const positions = tickets.map((t) => t.receipt!.position);
    expect(new Set(positions).size).toBe(40);
    const bySeq = [...tickets].sort((a, b) => a.registeredAt - b.registeredAt || Number(a.id.split(":")[2]) - Number(b.id.split(":")[2]));
    expect(bySeq.map((t) => t.receipt!.position)).toEqual([...positions].sort((a, b) => a - b));
  });
});

describe("surviving eviction", () => {
  it("keeps the chain and its head, and goes on from where it was", async () => {
    const date = "2026-12-07";
    freezeAt(date, "09:00");
    const plan = await demoPlan("hn-cn02", date);
    const day = branchDay(env, "hn-cn02", date);
    const first = [await bookAs(plan, 600, "DATDAI"), await bookAs(plan, 601, "DATDAI")];
    const before = await readChain("hn-cn02", date);

    await evictDurableObject(day);

    const again = await readChain("hn-cn02", date);
    expect(again.entries).toEqual(before.entries);
    const later = await bookAs(plan, 602, "DATDAI");
    expect(later.receipt!.position).toBe(before.head.length);
    const after = await readChain("hn-cn02", date);
    expect(after.entries[before.head.length]!.prev).toBe(before.head.hash);
    expect(verifyChain("hn-cn02", date, after.entries).ok).toBe(true);
    // Receipts handed out before the eviction still match.
    const tickets = await day.tickets();
    expect(tickets.slice(0, 2).map((t) => t.receipt)).toEqual(first.map((t) => t.receipt));
  });

  it("with 'call verified only', calls skip numbers not checked in, and the verifier knows it", async () => {
    const date = "2026-12-08";
    freezeAt(date, "09:00");
    const plan = await demoPlan("hn-cn02", date);
    const day = branchDay(env, "hn-cn02", date);
    const [t1, t2] = [await bookAs(plan, 700, "DATDAI"), await bookAs(plan, 701, "DATDAI")];
    expect((await day.checkIn(plan, { label: t2!.label }, citizenKeys(await citizen(701)), "typed")).ok).toBe(true);
    await day.counter(plan, { action: "open", counter: 1 });
    const called = await day.counter(plan, { action: "call_next", counter: 1 });
    expect(called.ok && called.ticket!.label).toBe(t2!.label);
    const chain = await readChain("hn-cn02", date);
    expect(chain.entries[0]).toMatchObject({ kind: "rules", callVerifiedOnly: true });
    const report = verifyChain("hn-cn02", date, chain.entries);
    expect(report.problems).toEqual([]);
    expect(t1!.receipt).not.toBeNull();
  });
});
