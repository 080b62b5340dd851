/**
 * The verifier catches what a dishonest operator (or anyone between the service and the reader)
 * could do to a real day's chain: call a number out of order and say it was next, slip a ticket
 * in, or hand out an altered receipt. The day is the honest one of ./support.ts, on the real
 * runtime; the tampering is done to what the public API returned.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { chainEntry, checkReceipt, genesisHash, verifyChain, type ChainEntry, type ChainEvent, type FairnessReceipt } from "../../shared/fairness";
import { api, expectOk } from "../support/http";
import { seedDemoCenter } from "../support/world";
import { BRANCH, readChain, runHonestDay, type ChainRead, type HonestDay } from "./support";

const DAY = "2026-12-09";
let honest: HonestDay;
let chain: ChainRead;

beforeAll(async () => {
  await seedDemoCenter();
  honest = await runHonestDay(DAY);
  chain = await readChain(BRANCH, DAY, 1_000);
});
afterAll(() => testClock.release());

/** The event of an entry (what an operator rewriting the chain would re-hash). */
function eventOf(e: ChainEntry): ChainEvent {
  const { position: _p, at: _a, prev: _v, hash: _h, ...event } = e;
  return event as ChainEvent;
}

/** Re-links and re-hashes a list of entries from the genesis on: a consistent forgery. */
function rehash(entries: ChainEntry[]): ChainEntry[] {
  const out: ChainEntry[] = [];
  let head = { length: 0, hash: genesisHash(BRANCH, DAY) };
  for (const e of entries) {
    const next = chainEntry(head, e.at, eventOf(e));
    out.push(next);
    head = { length: head.length + 1, hash: next.hash };
  }
  return out;
}

const codes = (entries: unknown[], head = chain.published ?? undefined) => verifyChain(BRANCH, DAY, entries, head).problems.map((p) => p.code);

function receiptOf(t: HonestDay["issued"][number]): FairnessReceipt {
  return { branchId: BRANCH, serviceDate: DAY, position: t.receipt!.position, entryHash: t.receipt!.entryHash, label: t.label, registeredAt: t.registeredAt };
}

describe("a reordered call", () => {
  /** Positions of the calls of A002 (counter 2) and A003 (counter 1, later): swap who was called. */
  function swappedCalls(): ChainEntry[] {
    const [, a2, a3] = honest.issued;
    const seqOf = (t: typeof a2) => Number(t!.id.split(":")[2]);
    return chain.entries.map((e) => {
      if (e.kind !== "call") return e;
      if (e.seq === seqOf(a2) && e.counter === 2) return { ...e, seq: seqOf(a3) };
      if (e.seq === seqOf(a3)) return { ...e, seq: seqOf(a2) };
      return e;
    });
  }

  it("edited in place breaks the entry's hash", () => {
    expect(codes(swappedCalls())).toContain("hash_mismatch");
  });

  it("re-hashed consistently still shows the call out of registration order, and no longer matches the published head", () => {
    const forged = rehash(swappedCalls());
    const problems = verifyChain(BRANCH, DAY, forged, chain.published!).problems;
    expect(problems.map((p) => p.code)).toContain("call_out_of_order");
    expect(problems.find((p) => p.code === "call_out_of_order")?.seq).toBe(Number(honest.issued[2]!.id.split(":")[2]));
    expect(problems.map((p) => p.code)).toContain("head_mismatch");
  });

  it("moving a whole call earlier in the chain is caught by the links", () => {
    const calls = chain.entries.map((e, i) => [e, i] as const).filter(([e]) => e.kind === "call");
    const [, j] = calls[2]!;
    const moved = [...chain.entries];
    const [entry] = moved.splice(j, 1);
    moved.splice(calls[1]![1], 0, entry!);
    expect(codes(moved)).toEqual(expect.arrayContaining(["position_gap", "broken_link"]));
  });
});

describe("an inserted ticket", () => {
  /** A number for a friend, slipped in right after the first online booking. */
  function withFriend(): ChainEntry[] {
    const firstIssue = chain.entries.findIndex((e) => e.kind === "issue");
    const friend = { ...chain.entries[firstIssue]!, seq: 2, label: "A099", citizen: "f".repeat(32) } as ChainEntry;
    return [...chain.entries.slice(0, firstIssue + 1), friend, ...chain.entries.slice(firstIssue + 1)];
  }

  it("inserted as is breaks the links", () => {
    expect(codes(withFriend())).toEqual(expect.arrayContaining(["broken_link"]));
  });

  it("re-hashed consistently breaks the registration sequence and the published head", () => {
    expect(codes(rehash(withFriend()))).toEqual(expect.arrayContaining(["seq_out_of_order", "head_mismatch"]));
  });

  it("every receipt handed out after it no longer matches the forged chain", () => {
    const forged = rehash(withFriend());
    const report = verifyChain(BRANCH, DAY, forged);
    const later = honest.issued.filter((t) => t.receipt!.position > 1);
    expect(later.length).toBeGreaterThan(0);
    for (const t of later) expect(checkReceipt(receiptOf(t), forged, report).code).toBe("receipt_mismatch");
  });

  it("a ticket appended after the day ended is refused", () => {
    const lastIssue = [...chain.entries].reverse().find((e) => e.kind === "issue")!;
    const late = { ...lastIssue, seq: honest.issued.length + 1, label: "A098", at: lastIssue.at + 10 * 3600_000 } as ChainEntry;
    expect(codes(rehash([...chain.entries, late]), undefined)).toContain("issued_after_day_end");
  });
});

describe("an altered receipt", () => {
  it("is told apart from the real one by the public endpoint", async () => {
    const t = honest.issued[3]!;
    const real = receiptOf(t);
    expect(expectOk(await api("POST", "/api/v1/fairness/verify", { json: real })).ok).toBe(true);
    const flip = (h: string) => (h[0] === "0" ? "1" : "0") + h.slice(1);
    const altered: FairnessReceipt[] = [
      { ...real, entryHash: flip(real.entryHash) },
      { ...real, label: "A001" },
      { ...real, registeredAt: real.registeredAt! - 60_000 },
      { ...real, position: real.position - 1 },
      { ...real, serviceDate: "2026-12-10" },
    ];
    for (const r of altered) {
      const res = await api("POST", "/api/v1/fairness/verify", { json: r });
      if (r.serviceDate !== DAY) {
        // Another day's chain (empty, or not there at all): never a match.
        if (res.status === 200) expect(res.body.ok).toBe(false);
        else expect(res.status).toBe(404);
        continue;
      }
      const body = expectOk(res);
      expect(body.ok, JSON.stringify(r)).toBe(false);
      expect(["receipt_mismatch", "receipt_not_found"]).toContain(body.receipt.code);
      expect(body.receipt.message.vi.length).toBeGreaterThan(0);
    }
  });

  it("a receipt for a position past the head is not found", async () => {
    const body = expectOk(await api("POST", "/api/v1/fairness/verify", { json: { ...receiptOf(honest.issued[0]!), position: chain.head.length + 5 } }));
    expect(body.receipt.code).toBe("receipt_not_found");
  });
});
