/**
 * shared/fairness.ts on its own: the canonical form and hashes other implementations must
 * reproduce, the citizen tag's unlinkability across days, and randomized days of the pure engine
 * whose chains always verify, while any edit, deletion or reordering of an entry is caught.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CounterCommand } from "../../durable/engine/commands";
import { decideCounterCommand } from "../../durable/engine/commands";
import { chainEventsOf, dayEndEvent, rulesEvent, type ChainCause } from "../../durable/engine/fairness";
import { issueTicket } from "../../durable/engine/issue";
import { cancelTicket, checkIn, expireDay } from "../../durable/engine/serving";
import { applyChanges, createState } from "../../durable/engine/state";
import type { Changes, DayState } from "../../durable/engine/types";
import {
  canonicalEntry,
  chainEntry,
  checkReceipt,
  citizenTag,
  describeProblem,
  entryHash,
  genesisHash,
  verifyChain,
  type ChainEntry,
  type ChainEvent,
  type ChainHead,
} from "../../shared/fairness";
import { hanoi, makePlan, MONDAY } from "../support/plans";

describe("the entry format", () => {
  it("is a JSON array in a fixed order that any language can rebuild", () => {
    const event: ChainEvent = { kind: "call", seq: 12, counter: 3, reason: "priority" };
    expect(canonicalEntry(5, "a".repeat(64), 1_795_000_000_000, event)).toBe(`["sothutu-fairness/1",5,"${"a".repeat(64)}",1795000000000,"call",12,3,"priority"]`);
    const issue: ChainEvent = { kind: "issue", seq: 1, label: "A001", field: "DATDAI", priority: false, channel: "online", verified: false, citizen: "0".repeat(32) };
    expect(canonicalEntry(0, "b".repeat(64), 1, issue)).toBe(`["sothutu-fairness/1",0,"${"b".repeat(64)}",1,"issue",1,"A001","DATDAI",false,"online",false,"${"0".repeat(32)}"]`);
  });

  it("hashes with SHA-256 (known answers, for other implementations to test against)", () => {
    // echo -n '["sothutu-fairness/1","genesis","hn-cn01","2026-11-23"]' | sha256sum
    const genesis = "69d74c22deb00522490a8aea4e7678adc6163b72984bbdaa5c43e90da50a2f7d";
    expect(genesisHash("hn-cn01", "2026-11-23")).toBe(genesis);
    expect(genesisHash("hn-cn01", "2026-11-24")).not.toBe(genesis);
    // echo -n '["sothutu-fairness/1",0,"<genesis>",1795000000000,"rules",false]' | sha256sum
    expect(entryHash(0, genesis, 1_795_000_000_000, { kind: "rules", callVerifiedOnly: false })).toBe("3f656ceae298d0c00176e1656549e5c526c84ba4cfe0f675dbf2a7b8e764c552");
  });

  it("tags a citizen the same within a day and unlinkably across days and branches", () => {
    const key = "k".repeat(43);
    const monday = citizenTag(key, "hn-cn01", "2026-11-23");
    expect(monday).toMatch(/^[0-9a-f]{32}$/);
    expect(citizenTag(key, "hn-cn01", "2026-11-23")).toBe(monday);
    expect(citizenTag(key, "hn-cn01", "2026-11-24")).not.toBe(monday);
    expect(citizenTag(key, "hn-cn02", "2026-11-23")).not.toBe(monday);
    expect(citizenTag("other", "hn-cn01", "2026-11-23")).not.toBe(monday);
  });

  it("describes problems in Vietnamese and English", () => {
    expect(describeProblem({ position: 4, code: "call_out_of_order", seq: 7 }, "vi")).toBe("Mục 4: Gọi số không đúng thứ tự đăng ký mà không ghi lý do. (số đăng ký 7)");
    expect(describeProblem({ position: null, code: "head_mismatch" }, "en")).toBe("The chain does not match the published head.");
  });

  it("refuses entries that are not in the format", () => {
    const report = verifyChain("b", "2026-11-23", [{ position: 0, kind: "issue", seq: "1" }]);
    expect(report.problems.map((p) => p.code)).toEqual(["malformed_entry"]);
  });
});

// ---- Randomized days of the pure engine ----------------------------------------------------------

const FIELDS = ["DATDAI", "TUPHAP", "XAYDUNG"] as const;
const COUNTERS = [1, 2, 3, 4] as const;

type Op =
  | { kind: "issue"; field: number; priority: boolean; walkIn: boolean }
  | { kind: "counter"; counter: number; action: CounterCommand["action"]; field: number; pick: number; fields: boolean[] }
  | { kind: "cancel"; pick: number }
  | { kind: "checkIn"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("issue" as const), field: fc.nat(2), priority: fc.boolean(), walkIn: fc.boolean() }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("counter" as const),
      counter: fc.constantFrom(...COUNTERS),
      action: fc.constantFrom("open", "pause", "resume", "close", "call_next", "call_next", "call_next", "call_specific", "recall", "no_show", "start", "complete", "complete", "transfer"),
      field: fc.nat(2),
      pick: fc.nat(200),
      fields: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("checkIn" as const), pick: fc.nat(200) }) },
);

/** What the branch-day object does, in memory: record the decision's entries, then apply it. */
class MemoryChain {
  entries: ChainEntry[] = [];
  private rules: boolean | null = null;
  constructor(private readonly state: DayState) {}
  head(): ChainHead {
    const last = this.entries[this.entries.length - 1];
    return last ? { length: this.entries.length, hash: last.hash } : { length: 0, hash: genesisHash(this.state.branchId, this.state.date) };
  }
  append(at: number, event: ChainEvent): ChainEntry {
    const rules = rulesEvent(this.state, this.rules);
    if (rules) {
      this.entries.push(chainEntry(this.head(), at, rules));
      this.rules = this.state.plan.branch.callVerifiedOnly;
    }
    const entry = chainEntry(this.head(), at, event);
    this.entries.push(entry);
    return entry;
  }
  commit(changes: Changes, at: number, cause: ChainCause = {}): void {
    for (const event of chainEventsOf(this.state, changes, cause)) {
      const issued = event.kind === "issue" ? changes.tickets.find((t) => t.seq === event.seq)! : null;
      const entry = this.append(issued?.registeredAt ?? at, event);
      if (issued) issued.receipt = { position: entry.position, entryHash: entry.hash };
    }
    applyChanges(this.state, changes);
  }
}

function runDay(ops: Op[], verifiedOnly: boolean): { state: DayState; chain: MemoryChain } {
  const plan = makePlan(MONDAY, { callVerifiedOnly: verifiedOnly, fields: makePlan(MONDAY).branch.fields.map((f) => ({ ...f, dailyCap: 15 })) });
  const state = createState(plan);
  const chain = new MemoryChain(state);
  let clock = hanoi(MONDAY, "08:00");
  let n = 0;
  for (const op of ops) {
    clock += 7_000;
    if (op.kind === "issue") {
      n++;
      const walkIn = op.walkIn;
      const out = issueTicket(
        state,
        { reservationId: `r${n}`, fieldCode: FIELDS[op.field]!, channel: walkIn ? "reception" : "online", priority: op.priority && walkIn ? "elderly" : null, citizenKey: `c${n}`, citizenMasked: "001******345", verifiedBy: walkIn ? "typed" : null },
        clock,
      );
      if (out.ok && !out.replay) chain.commit(out.changes, clock);
    } else if (op.kind === "counter") {
      const target = state.tickets.length ? state.tickets[op.pick % state.tickets.length]! : null;
      const chosen = FIELDS.filter((_, i) => op.fields[i]);
      const cmd: CounterCommand =
        op.action === "open"
          ? { action: "open", counter: op.counter, fieldCodes: chosen }
          : op.action === "transfer"
            ? { action: "transfer", counter: op.counter, toFieldCode: FIELDS[op.field]! }
            : op.action === "call_specific"
              ? { action: "call_specific", counter: op.counter, label: target?.label ?? "A001" }
              : ({ action: op.action, counter: op.counter } as CounterCommand);
      const out = decideCounterCommand(state, cmd, clock);
      if (out.ok) chain.commit(out.changes, clock, { chosenByClerk: cmd.action === "call_specific" });
    } else if (state.tickets.length > 0) {
      const t = state.tickets[op.pick % state.tickets.length]!;
      const out = op.kind === "cancel" ? cancelTicket(state, t.seq, t.citizenKey, clock) : checkIn(state, t.seq, t.citizenKey, "chip_qr", clock);
      if (out.ok) chain.commit(out.changes, clock);
    }
  }
  clock += 3600_000;
  const expiring = expireDay(state, clock);
  chain.append(clock, dayEndEvent(expiring));
  chain.commit(expiring, clock);
  return { state, chain };
}

const dayArb = fc.record({ ops: fc.array(opArb, { minLength: 5, maxLength: 100 }), verifiedOnly: fc.boolean() });

describe("randomized service days", () => {
  it("an honest day's chain always verifies, and every ticket's receipt is in it", () => {
    fc.assert(
      fc.property(dayArb, ({ ops, verifiedOnly }) => {
        const { state, chain } = runDay(ops, verifiedOnly);
        const report = verifyChain(state.branchId, state.date, chain.entries, chain.head());
        expect(report.problems).toEqual([]);
        expect(report.summary.issued).toBe(state.tickets.length);
        expect(report.summary.dayEnded).toBe(true);
        for (const t of state.tickets) {
          const receipt = { branchId: state.branchId, serviceDate: state.date, position: t.receipt!.position, entryHash: t.receipt!.entryHash, label: t.label, registeredAt: t.registeredAt };
          expect(checkReceipt(receipt, chain.entries, report).ok).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it("any edit to any field of any entry is caught", () => {
    fc.assert(
      fc.property(dayArb, fc.nat(), fc.nat(), ({ ops, verifiedOnly }, pickEntry, pickField) => {
        const { state, chain } = runDay(ops, verifiedOnly);
        const entries = chain.entries;
        const i = pickEntry % entries.length;
        const e = entries[i]! as unknown as Record<string, unknown>;
        const keys = Object.keys(e).filter((k) => k !== "kind");
        const key = keys[pickField % keys.length]!;
        const v = e[key];
        const changed =
          typeof v === "number" ? v + 1 : typeof v === "boolean" ? !v : typeof v === "string" ? (v.startsWith("0") ? "1" : "0") + v.slice(1) : v === null ? "elderly" : Array.isArray(v) ? [...v, 999] : v;
        const tampered = entries.map((x, j) => (j === i ? { ...x, [key]: changed } : x));
        expect(verifyChain(state.branchId, state.date, tampered, chain.head()).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("dropping or swapping entries is caught (dropping the last one, against the published head)", () => {
    fc.assert(
      fc.property(dayArb, fc.nat(), fc.nat(), ({ ops, verifiedOnly }, a, b) => {
        const { state, chain } = runDay(ops, verifiedOnly);
        const entries = chain.entries;
        const i = a % entries.length;
        const j = b % entries.length;
        const dropped = entries.filter((_, k) => k !== i);
        // Without the last entry the chain is an honest prefix: only the published head tells.
        if (i < entries.length - 1) expect(verifyChain(state.branchId, state.date, dropped).ok).toBe(false);
        expect(verifyChain(state.branchId, state.date, dropped, chain.head()).ok).toBe(false);
        if (i !== j) {
          const swapped = [...entries];
          [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
          expect(verifyChain(state.branchId, state.date, swapped).ok).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a call out of turn re-labelled 'next' is caught even when the forger re-hashes the whole chain", () => {
    // Days built to contain one: numbers in random fields and lanes, one counter serving all
    // fields, a clerk calling a number that is not first in line.
    const scenario = fc.record({
      numbers: fc.array(fc.record({ field: fc.nat(2), priority: fc.boolean() }), { minLength: 2, maxLength: 20 }),
      pick: fc.nat(),
      verifiedOnly: fc.boolean(),
    });
    fc.assert(
      fc.property(scenario, ({ numbers, pick, verifiedOnly }) => {
        const ops: Op[] = numbers.map((n) => ({ kind: "issue", field: n.field, priority: n.priority, walkIn: true }));
        const { state } = runDay(ops, verifiedOnly);
        // Which label is not first in line: anything but the first priority (or first regular) number.
        const line = [...state.tickets].sort((x, y) => (x.priority ? 0 : 1) - (y.priority ? 0 : 1) || x.seq - y.seq);
        fc.pre(line.length > 1);
        const target = line[1 + (pick % (line.length - 1))]!;
        ops.push({ kind: "counter", counter: 3, action: "open", field: 0, pick: 0, fields: [true, true, true] });
        ops.push({ kind: "counter", counter: 3, action: "call_specific", field: 0, pick: target.seq - 1, fields: [true, true, true] });
        const { state: day, chain } = runDay(ops, verifiedOnly);
        const honestReport = verifyChain(day.branchId, day.date, chain.entries);
        expect(honestReport.ok).toBe(true);
        expect(honestReport.outOfTurn).toHaveLength(1);
        let head: ChainHead = { length: 0, hash: genesisHash(day.branchId, day.date) };
        const forged = chain.entries.map((e) => {
          const { position: _p, at, prev: _v, hash: _h, ...event } = e;
          const relabelled = (event.kind === "call" && event.reason === "specific" ? { ...event, reason: "next" } : event) as ChainEvent;
          const next = chainEntry(head, at, relabelled);
          head = { length: head.length + 1, hash: next.hash };
          return next;
        });
        const codes = verifyChain(day.branchId, day.date, forged).problems.map((p) => p.code);
        expect(codes).toContain("call_out_of_order");
      }),
      { numRuns: 150 },
    );
  });
});
