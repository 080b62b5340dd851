/**
 * Randomized days: any interleaving of bookings, counter commands, cancellations and check-ins
 * keeps the queue's promises: first registered first served (priority first), one ticket per
 * counter and one counter per ticket, caps never exceeded, final outcomes never change.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CounterCommand } from "../../durable/engine/commands";
import { decideCounterCommand } from "../../durable/engine/commands";
import { issueTicket } from "../../durable/engine/issue";
import { cancelTicket, checkIn } from "../../durable/engine/serving";
import { applyChanges, capFieldOf, createState, restoreState } from "../../durable/engine/state";
import { FINAL_STATUSES, type DayState, type Ticket } from "../../durable/engine/types";
import { hanoi, makePlan, MONDAY } from "../support/plans";

const FIELDS = ["DATDAI", "TUPHAP", "XAYDUNG"] as const;
const COUNTERS = [1, 2, 3, 4] as const;

type Op =
  | { kind: "issue"; field: number; priority: boolean; walkIn: boolean }
  | { kind: "counter"; counter: number; action: CounterCommand["action"]; field: number; pick: number }
  | { kind: "cancel"; pick: number }
  | { kind: "checkIn"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("issue" as const), field: fc.nat(2), priority: fc.boolean(), walkIn: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("counter" as const),
      counter: fc.constantFrom(...COUNTERS),
      action: fc.constantFrom("open", "pause", "resume", "close", "call_next", "call_next", "call_next", "call_specific", "recall", "no_show", "start", "complete", "complete", "transfer"),
      field: fc.nat(2),
      pick: fc.nat(200),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("checkIn" as const), pick: fc.nat(200) }) },
);

/** The ticket the rules say a counter must get, computed the slow, obvious way. */
function expectedNext(state: DayState, fieldCodes: readonly string[]): Ticket | null {
  const candidates = state.tickets.filter(
    (t) => t.status === "waiting" && fieldCodes.includes(t.fieldCode) && (!state.plan.branch.callVerifiedOnly || t.verifiedBy !== null),
  );
  candidates.sort((a, b) => (a.priority ? 0 : 1) - (b.priority ? 0 : 1) || a.seq - b.seq);
  return candidates[0] ?? null;
}

function checkInvariants(state: DayState, before: Ticket[]): void {
  // Registration sequence is contiguous and labels are unique.
  state.tickets.forEach((t, i) => expect(t.seq).toBe(i + 1));
  expect(new Set(state.tickets.map((t) => t.label)).size).toBe(state.tickets.length);
  // One counter per ticket, one ticket per counter.
  const holders = new Map<number, number>();
  for (const c of state.counters.values()) {
    if (c.currentSeq === null) continue;
    const t = state.tickets[c.currentSeq - 1]!;
    if (t.status === "called" || t.status === "serving") {
      expect(holders.has(t.seq)).toBe(false);
      holders.set(t.seq, c.number);
      expect(t.counterNumber).toBe(c.number);
    }
  }
  for (const t of state.tickets) if (t.status === "called" || t.status === "serving") expect(holders.has(t.seq)).toBe(true);
  // Caps are exact counts and never exceeded.
  for (const f of state.plan.branch.fields) {
    const used = state.tickets.filter((t) => t.status !== "cancelled" && capFieldOf(t) === f.code).length;
    expect(state.capUsed.get(f.code) ?? 0).toBe(used);
    expect(used).toBeLessThanOrEqual(f.dailyCap);
  }
  // Final outcomes never change; versions only grow.
  for (const old of before) {
    const now = state.tickets[old.seq - 1]!;
    expect(now.version).toBeGreaterThanOrEqual(old.version);
    if (FINAL_STATUSES.has(old.status)) expect(now.status).toBe(old.status);
  }
  // The waiting index is exactly the waiting tickets, in registration order.
  for (const field of FIELDS) {
    const waiting = state.tickets.filter((t) => t.status === "waiting" && t.fieldCode === field);
    const queues = state.waiting.get(field) ?? { priority: [], regular: [] };
    expect(queues.priority).toEqual(waiting.filter((t) => t.priority).map((t) => t.seq));
    expect(queues.regular).toEqual(waiting.filter((t) => !t.priority).map((t) => t.seq));
  }
}

function runDay(ops: Op[], verifiedOnly: boolean): void {
  const plan = makePlan(MONDAY, {
    callVerifiedOnly: verifiedOnly,
    fields: makePlan(MONDAY).branch.fields.map((f) => ({ ...f, dailyCap: 12 })),
  });
  const state = createState(plan);
  let clock = hanoi(MONDAY, "08:00");
  let n = 0;
  for (const op of ops) {
    clock += 7_000;
    const before = state.tickets.map((t) => ({ ...t }));
    if (op.kind === "issue") {
      n++;
      const out = issueTicket(
        state,
        {
          reservationId: `r${n}`,
          fieldCode: FIELDS[op.field]!,
          channel: op.walkIn ? "reception" : "online",
          priority: op.priority && op.walkIn ? "elderly" : null,
          citizenKey: `c${n}`,
          citizenMasked: "001******345",
          verifiedBy: op.walkIn ? "typed" : null,
        },
        clock,
      );
      if (out.ok) applyChanges(state, out.changes);
      else expect(out.code).toBe("field_cap_reached");
    } else if (op.kind === "counter") {
      const target = state.tickets.length ? state.tickets[op.pick % state.tickets.length]! : null;
      const cmd: CounterCommand =
        op.action === "open"
          ? { action: "open", counter: op.counter }
          : op.action === "transfer"
            ? { action: "transfer", counter: op.counter, toFieldCode: FIELDS[op.field]! }
            : op.action === "call_specific"
              ? { action: "call_specific", counter: op.counter, label: target?.label ?? "A001" }
              : ({ action: op.action, counter: op.counter } as CounterCommand);
      const counter = state.counters.get(op.counter);
      const expected = counter ? expectedNext(state, counter.fieldCodes) : null;
      const out = decideCounterCommand(state, cmd, clock);
      if (out.ok) applyChanges(state, out.changes);
      if (op.action === "call_next" && counter?.status === "open" && counter.currentSeq === null) {
        if (expected) expect(out).toMatchObject({ ok: true, ticket: { id: expected.id, status: "called" } });
        else expect(out).toMatchObject({ ok: false, code: "queue_empty" });
      }
    } else if (state.tickets.length > 0) {
      const t = state.tickets[op.pick % state.tickets.length]!;
      const out = op.kind === "cancel" ? cancelTicket(state, t.seq, t.citizenKey, clock) : checkIn(state, t.seq, t.citizenKey, "chip_qr", clock);
      if (out.ok) applyChanges(state, out.changes);
    }
    checkInvariants(state, before);
  }
  // Whatever happened, a restart rebuilds the same day.
  const restored = restoreState(state.plan, state.tickets, [...state.counters.values()]);
  expect(nonEmptyQueues(restored)).toEqual(nonEmptyQueues(state));
  expect(nonZero(restored.capUsed)).toEqual(nonZero(state.capUsed));
}

// Representation aside (map order, empty entries), the rebuilt indexes must be the same.
function nonEmptyQueues(state: DayState) {
  return [...state.waiting].filter(([, q]) => q.priority.length + q.regular.length > 0).sort(([a], [b]) => a.localeCompare(b));
}

function nonZero(counts: Map<string, number>) {
  return [...counts].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b));
}

describe("a randomized service day", () => {
  it("keeps every ordering and transition invariant", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => runDay(ops, false)), { numRuns: 150 });
  });

  it("keeps them when counters call only verified tickets", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => runDay(ops, true)), { numRuns: 100 });
  });
});
