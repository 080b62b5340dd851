import { beforeEach, describe, expect, it } from "vitest";
import { cancelTicket, checkIn, expireDay } from "../../durable/engine/serving";
import { applyChanges, createState, restoreState } from "../../durable/engine/state";
import type { DayState } from "../../durable/engine/types";
import { viewTicket } from "../../durable/engine/views";
import { act, issued, walkIn } from "../support/engine";
import { hanoi, makePlan, MONDAY } from "../support/plans";

const T = (hhmm: string) => hanoi(MONDAY, hhmm);
let state: DayState;

beforeEach(() => {
  state = createState(makePlan(MONDAY));
});

function openCounter(n: number, fieldCodes?: string[]) {
  const out = act(state, { action: "open", counter: n, ...(fieldCodes ? { fieldCodes } : {}) }, T("08:00"));
  expect(out.ok).toBe(true);
}

function callNext(n: number, at = T("09:00")) {
  const out = act(state, { action: "call_next", counter: n }, at);
  if (!out.ok) throw new Error(out.code);
  return out.ticket!;
}

describe("calling the next number", () => {
  it("calls the earliest registered ticket among the counter's fields, whatever the channel", () => {
    const a = issued(state, walkIn("TUPHAP"), T("08:01"));
    issued(state, walkIn("DATDAI", { channel: "kiosk" }), T("08:02"));
    openCounter(3);
    expect(callNext(3).label).toBe(a.label);
  });

  it("serves priority citizens first, and among them the earliest registered", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    const p1 = issued(state, walkIn("DATDAI", { channel: "reception", priority: "elderly", verifiedBy: "typed" }), T("08:30"));
    const p2 = issued(state, walkIn("DATDAI", { channel: "reception", priority: "pregnant", verifiedBy: "typed" }), T("08:31"));
    openCounter(1);
    expect(callNext(1).id).toBe(p1.id);
    act(state, { action: "complete", counter: 1 }, T("09:05"));
    expect(callNext(1, T("09:06")).id).toBe(p2.id);
  });

  it("never hands one ticket to two counters", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    openCounter(1);
    openCounter(2);
    callNext(1);
    expect(act(state, { action: "call_next", counter: 2 }, T("09:00"))).toMatchObject({ ok: false, code: "queue_empty" });
  });

  it("refuses while the counter still handles a ticket, and when it is not open", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    issued(state, walkIn("DATDAI"), T("08:02"));
    expect(act(state, { action: "call_next", counter: 1 }, T("09:00"))).toMatchObject({ ok: false, code: "counter_not_open" });
    openCounter(1);
    callNext(1);
    expect(act(state, { action: "call_next", counter: 1 }, T("09:01"))).toMatchObject({ ok: false, code: "counter_busy" });
    act(state, { action: "pause", counter: 1 }, T("09:02"));
    act(state, { action: "complete", counter: 1 }, T("09:03"));
    expect(act(state, { action: "call_next", counter: 1 }, T("09:04"))).toMatchObject({ ok: false, code: "counter_not_open" });
  });

  it("with 'verified only', calls only tickets reception has checked", () => {
    state = createState(makePlan(MONDAY, { callVerifiedOnly: true }));
    const first = issued(state, walkIn("DATDAI"), T("08:01"));
    const second = issued(state, walkIn("DATDAI"), T("08:02"));
    openCounter(1);
    expect(act(state, { action: "call_next", counter: 1 }, T("09:00"))).toMatchObject({ ok: false, code: "queue_empty" });
    const out = checkIn(state, second.seq, second.citizenKey, "chip_qr", T("08:50"));
    if (out.ok) applyChanges(state, out.changes);
    expect(callNext(1).id).toBe(second.id);
    expect(state.tickets[first.seq - 1]!.status).toBe("waiting");
  });

  it("refuses to open a counter for a field it is not set up for", () => {
    expect(act(state, { action: "open", counter: 1, fieldCodes: ["TUPHAP"] }, T("08:00"))).toMatchObject({ ok: false, code: "counter_field_not_served" });
    expect(act(state, { action: "open", counter: 99 }, T("08:00"))).toMatchObject({ ok: false, code: "counter_not_found" });
  });
});

describe("a ticket's life at the counter", () => {
  it("goes called → serving → served, and the counter is free again", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    openCounter(1);
    const called = callNext(1, T("09:00"));
    expect(called).toMatchObject({ status: "called", counterNumber: 1, callCount: 1, calledAt: T("09:00") });
    expect(act(state, { action: "start", counter: 1 }, T("09:01"))).toMatchObject({ ok: true, ticket: { status: "serving", startedAt: T("09:01") } });
    expect(act(state, { action: "complete", counter: 1 }, T("09:10"))).toMatchObject({ ok: true, ticket: { status: "served", endedAt: T("09:10") } });
    expect(state.counters.get(1)!.currentSeq).toBeNull();
  });

  it("recall announces the same number again; no-show ends it", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    openCounter(1);
    callNext(1);
    expect(act(state, { action: "recall", counter: 1 }, T("09:02"))).toMatchObject({ ok: true, ticket: { callCount: 2, status: "called" } });
    expect(act(state, { action: "no_show", counter: 1 }, T("09:05"))).toMatchObject({ ok: true, ticket: { status: "no_show" } });
    expect(act(state, { action: "recall", counter: 1 }, T("09:06"))).toMatchObject({ ok: false, code: "counter_idle" });
  });

  it("a transferred ticket keeps its number and registration time, ahead of later registrations", () => {
    const land = issued(state, walkIn("DATDAI"), T("08:01"));
    const laterJustice = issued(state, walkIn("TUPHAP"), T("08:20"));
    openCounter(1);
    callNext(1);
    const out = act(state, { action: "transfer", counter: 1, toFieldCode: "TUPHAP" }, T("09:05"));
    expect(out).toMatchObject({ ok: true, ticket: { status: "waiting", fieldCode: "TUPHAP", originalFieldCode: "DATDAI", label: land.label, registeredAt: land.registeredAt } });
    openCounter(4);
    expect(callNext(4, T("09:06")).id).toBe(land.id);
    expect(state.tickets[laterJustice.seq - 1]!.status).toBe("waiting");
  });

  it("calls a specific number out of turn only if the counter serves its field", () => {
    issued(state, walkIn("DATDAI"), T("08:01"));
    const second = issued(state, walkIn("DATDAI"), T("08:02"));
    const justice = issued(state, walkIn("TUPHAP"), T("08:03"));
    openCounter(1);
    expect(act(state, { action: "call_specific", counter: 1, label: justice.label }, T("09:00"))).toMatchObject({ ok: false, code: "counter_field_not_served" });
    expect(act(state, { action: "call_specific", counter: 1, label: second.label }, T("09:00"))).toMatchObject({ ok: true, ticket: { id: second.id } });
    expect(act(state, { action: "call_specific", counter: 3, label: "A999" }, T("09:00"))).toMatchObject({ ok: false });
  });

  it("a citizen may cancel a waiting number, which frees the field's capacity", () => {
    const t = issued(state, walkIn("DATDAI"), T("08:01"));
    expect(cancelTicket(state, t.seq, "someone-else", T("08:05"))).toMatchObject({ ok: false, code: "ticket_not_found" });
    const out = cancelTicket(state, t.seq, t.citizenKey, T("08:05"));
    expect(out.ok).toBe(true);
    if (out.ok) applyChanges(state, out.changes);
    expect(state.capUsed.get("DATDAI")).toBe(0);
    expect(cancelTicket(state, t.seq, t.citizenKey, T("08:06"))).toMatchObject({ ok: true }); // idempotent
  });

  it("reception check-in refuses a person who does not hold the number", () => {
    const t = issued(state, walkIn("DATDAI"), T("08:01"));
    expect(checkIn(state, t.seq, "another-citizen", "typed", T("08:30"))).toMatchObject({ ok: false, code: "identity_mismatch" });
    expect(checkIn(state, t.seq, t.citizenKey, "typed", T("08:30"))).toMatchObject({ ok: true, ticket: { verifiedBy: "typed", arrivedAt: T("08:30") } });
  });
});

describe("the end of the service day", () => {
  it("expires every number not yet at a counter and tells the citizen when to book again", () => {
    const waiting = issued(state, walkIn("DATDAI"), T("08:01"));
    issued(state, walkIn("DATDAI"), T("08:02"));
    const serving = issued(state, walkIn("TUPHAP"), T("08:03"));
    openCounter(1);
    openCounter(4);
    callNext(1);
    callNext(4);
    act(state, { action: "start", counter: 4 }, T("09:01"));
    applyChanges(state, expireDay(state, T("17:00")));
    expect(state.tickets.map((t) => t.status)).toEqual(["expired", "expired", "serving"]);
    expect(state.counters.get(1)!.currentSeq).toBeNull();
    expect(viewTicket(state, state.tickets[waiting.seq - 1]!).bookAgainOn).toBe("2026-11-24");
    expect(state.tickets[serving.seq - 1]!.status).toBe("serving");
    expect(expireDay(state, T("17:01")).tickets).toHaveLength(0); // a second run changes nothing
  });
});

describe("restoring from storage", () => {
  it("rebuilds the same queues, capacity and now-serving from the stored rows", () => {
    for (let i = 0; i < 5; i++) issued(state, walkIn(i % 2 ? "TUPHAP" : "DATDAI", i === 3 ? { priority: "merit", channel: "reception" } : {}), T("08:01"));
    openCounter(3);
    callNext(3);
    const restored = restoreState(state.plan, state.tickets, [...state.counters.values()]);
    expect(restored.waiting).toEqual(state.waiting);
    expect(restored.capUsed).toEqual(state.capUsed);
    expect(restored.lastNumber).toEqual(state.lastNumber);
    expect(restored.nowServing).toEqual(state.nowServing);
    expect(restored.byLabel).toEqual(state.byLabel);
  });
});
