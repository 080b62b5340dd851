import { beforeEach, describe, expect, it } from "vitest";
import { replay } from "../../bench/estimate-replay";
import {
  DEFAULT_SERVICE_MEAN_MS,
  fieldCounters,
  fieldEstimator,
  MIN_TODAY_SAMPLES,
  serviceTimeStats,
  todayServiceSamples,
  type FieldEstimatorArgs,
  type WaitEstimate,
} from "../../durable/engine/estimate";
import { createState } from "../../durable/engine/state";
import type { DayState } from "../../durable/engine/types";
import { ticketsAhead } from "../../durable/engine/views";
import { act, issued, walkIn } from "../support/engine";
import { hanoi, makePlan, MONDAY } from "../support/plans";

const MIN = 60_000;
const T = (hhmm: string) => hanoi(MONDAY, hhmm);

/** Service times around `medianMin` minutes with a realistic spread (deterministic). */
function servicesOf(count: number, medianMin: number): number[] {
  return Array.from({ length: count }, (_, i) => medianMin * MIN * Math.exp(0.5 * Math.sin(i * 2.399)));
}

const landToday = serviceTimeStats(servicesOf(60, 9));
const estimate = (ahead: number, over: Partial<FieldEstimatorArgs> = {}): WaitEstimate =>
  fieldEstimator({ today: landToday, history: null, servers: 4, ...over })!(ahead);
const mid = (e: WaitEstimate) => (e.lowMinutes + e.highMinutes) / 2;

describe("the wait a citizen is shown", () => {
  it("is a range of whole minutes, low ≤ high, and never 'now' for someone who must wait", () => {
    for (const servers of [1, 2, 4, 8, 12]) {
      for (let ahead = 0; ahead <= 200; ahead += 7) {
        for (const idle of [0, 1]) {
          const e = estimate(ahead, { servers, idle, busyElapsedMs: Array.from({ length: servers - idle }, (_, j) => j * 3 * MIN) });
          expect(Number.isInteger(e.lowMinutes) && Number.isInteger(e.highMinutes)).toBe(true);
          expect(e.lowMinutes).toBeGreaterThanOrEqual(0);
          if (ahead < idle) expect(e).toMatchObject({ lowMinutes: 0, highMinutes: 0 });
          else expect(e.highMinutes).toBeGreaterThan(e.lowMinutes);
        }
      }
    }
  });

  it("is 'now' (0–0) when nobody is ahead and a counter is free", () => {
    expect(estimate(0, { servers: 4, idle: 1, busyElapsedMs: [MIN, 2 * MIN, 3 * MIN] })).toEqual({ lowMinutes: 0, highMinutes: 0, basis: "today" });
    // Two free counters: the one ahead takes one, this citizen the other.
    expect(estimate(1, { servers: 4, idle: 2 })).toMatchObject({ lowMinutes: 0, highMinutes: 0 });
    // Nobody ahead but every counter busy: a few minutes, not "now".
    const busy = estimate(0, { servers: 4, idle: 0, busyElapsedMs: [MIN, 2 * MIN, 3 * MIN, 4 * MIN] });
    expect(busy.highMinutes).toBeGreaterThan(0);
    expect(busy.highMinutes).toBeLessThanOrEqual(9);
    // Before opening (no counter state known): not "now" either.
    expect(estimate(0, { servers: 4 }).highMinutes).toBeGreaterThan(0);
  });

  it("is shorter with more counters open for the field", () => {
    for (const ahead of [3, 12, 40]) {
      const [two, four, eight] = [2, 4, 8].map((servers) => estimate(ahead, { servers }));
      expect(mid(four!)).toBeLessThan(mid(two!));
      expect(mid(eight!)).toBeLessThan(mid(four!));
      expect(eight!.highMinutes).toBeLessThan(two!.highMinutes);
    }
    // Roughly position × service time / counters: 40 ahead, 4 counters of ~10 min ≈ 100 min.
    const e = estimate(40);
    expect(e.lowMinutes).toBeGreaterThan(70);
    expect(e.highMinutes).toBeLessThan(130);
  });

  it("grows and widens with the position in line", () => {
    let previous = estimate(0);
    for (const ahead of [1, 5, 10, 20, 40, 80]) {
      const e = estimate(ahead);
      expect(e.lowMinutes).toBeGreaterThanOrEqual(previous.lowMinutes);
      expect(e.highMinutes).toBeGreaterThan(previous.highMinutes);
      expect(e.highMinutes - e.lowMinutes).toBeGreaterThanOrEqual(previous.highMinutes - previous.lowMinutes);
      previous = e;
    }
    const near = estimate(2);
    const far = estimate(60);
    expect(far.highMinutes - far.lowMinutes).toBeGreaterThan(3 * (near.highMinutes - near.lowMinutes));
  });

  it("for the next in line, shrinks as the counter's current service runs on", () => {
    const justStarted = estimate(0, { servers: 1, busyElapsedMs: [0] });
    const halfway = estimate(0, { servers: 1, busyElapsedMs: [9 * MIN] });
    expect(mid(halfway)).toBeLessThan(mid(justStarted));
    expect(justStarted.highMinutes).toBeGreaterThanOrEqual(14);
  });

  it("is wider while today has few samples, and narrows as the day's evidence builds up", () => {
    const history = serviceTimeStats(servicesOf(300, 9));
    const width = (e: WaitEstimate) => e.highMinutes - e.lowMinutes;
    const early = fieldEstimator({ today: null, history: null, servers: 4 })!(30);
    const withHistory = fieldEstimator({ today: null, history, servers: 4 })!(30);
    const lateToday = fieldEstimator({ today: serviceTimeStats(servicesOf(200, 9)), history, servers: 4 })!(30);
    expect(width(withHistory)).toBeLessThan(width(early));
    expect(width(lateToday)).toBeLessThan(width(withHistory));
  });

  it("returns nothing when no counter serves the field at all", () => {
    expect(fieldEstimator({ today: landToday, history: null, servers: 0 })).toBeNull();
  });
});

describe("where the service times come from", () => {
  const history = serviceTimeStats(servicesOf(300, 20)); // slow dossiers on this weekday
  const fewToday = serviceTimeStats(servicesOf(MIN_TODAY_SAMPLES - 5, 5));
  const manyToday = serviceTimeStats(servicesOf(100, 5));

  it("uses the same weekday's history while today has few samples", () => {
    const e = fieldEstimator({ today: fewToday, history, servers: 2 })!(10);
    expect(e.basis).toBe("history");
    // Closer to history's 20-minute services than to today's first 5-minute ones.
    const onHistory = fieldEstimator({ today: null, history, servers: 2 })!(10);
    const onToday = fieldEstimator({ today: manyToday, history: null, servers: 2 })!(10);
    expect(Math.abs(mid(e) - mid(onHistory))).toBeLessThan(Math.abs(mid(e) - mid(onToday)));
  });

  it("switches to today's once it has enough", () => {
    const e = fieldEstimator({ today: manyToday, history, servers: 2 })!(10);
    expect(e.basis).toBe("today");
    expect(mid(e)).toBeLessThan(mid(fieldEstimator({ today: null, history, servers: 2 })!(10)) / 2);
    expect(fieldEstimator({ today: serviceTimeStats(servicesOf(MIN_TODAY_SAMPLES, 5)), history, servers: 2 })!(10).basis).toBe("today");
  });

  it("falls back to a default of minutes per dossier when there is neither", () => {
    const e = fieldEstimator({ today: null, history: null, servers: 1 })!(5);
    expect(e.basis).toBe("default");
    // Six dossiers at ~10 minutes each (minus what the current one has done): tens of minutes.
    expect(e.lowMinutes).toBeGreaterThanOrEqual(20);
    expect(e.highMinutes).toBeLessThanOrEqual(120);
    expect(DEFAULT_SERVICE_MEAN_MS).toBeGreaterThanOrEqual(8 * MIN);
    // Too little history is no better than none.
    expect(fieldEstimator({ today: null, history: serviceTimeStats(servicesOf(5, 9)), servers: 1 })!(5).basis).toBe("default");
  });

  it("summarises service times, not thrown off by a clerk who forgot to press 'done'", () => {
    expect(serviceTimeStats([])).toBeNull();
    expect(serviceTimeStats([-5, Number.NaN])).toBeNull();
    const normal = serviceTimeStats(servicesOf(30, 9))!;
    const forgotten = serviceTimeStats([...servicesOf(30, 9), 180 * MIN])!;
    expect(normal.count).toBe(30);
    expect(forgotten.count).toBe(31);
    expect(forgotten.meanMs).toBeLessThan(normal.meanMs * 1.5);
    expect(normal.medianMs).toBeGreaterThan(7 * MIN);
    expect(normal.medianMs).toBeLessThan(11 * MIN);
  });
});

describe("what the branch-day feeds the estimate", () => {
  let state: DayState;
  beforeEach(() => {
    state = createState(makePlan(MONDAY));
  });

  it("today's samples: served tickets of the field, counter time from start to end", () => {
    const a = issued(state, walkIn("DATDAI"), T("08:01"));
    issued(state, walkIn("DATDAI"), T("08:02"));
    issued(state, walkIn("TUPHAP"), T("08:03"));
    issued(state, walkIn("DATDAI"), T("08:04"));
    act(state, { action: "open", counter: 1 }, T("08:00"));
    act(state, { action: "open", counter: 4 }, T("08:00"));
    // A: called, walks up, served 12 minutes.
    act(state, { action: "call_next", counter: 1 }, T("08:10"));
    act(state, { action: "start", counter: 1 }, T("08:11"));
    act(state, { action: "complete", counter: 1 }, T("08:23"));
    // B: does not come.
    act(state, { action: "call_next", counter: 1 }, T("08:24"));
    act(state, { action: "no_show", counter: 1 }, T("08:27"));
    // The justice ticket, served at counter 4: another field.
    act(state, { action: "call_next", counter: 4 }, T("08:10"));
    act(state, { action: "complete", counter: 4 }, T("08:15"));
    // D: completed straight from "called" (service began at the call), 7 minutes.
    act(state, { action: "call_next", counter: 1 }, T("08:30"));
    act(state, { action: "complete", counter: 1 }, T("08:37"));

    expect(todayServiceSamples(state.tickets, "DATDAI")).toEqual([12 * MIN, 7 * MIN]);
    expect(todayServiceSamples(state.tickets, "TUPHAP")).toEqual([5 * MIN]);
    expect(todayServiceSamples(state.tickets, "XAYDUNG")).toEqual([]);
    expect(state.tickets[0]!.id).toBe(a.id);
    // A damaged record (end before start) is no sample.
    const broken = [{ ...state.tickets[0]!, endedAt: state.tickets[0]!.startedAt! - 1 }];
    expect(todayServiceSamples(broken, "DATDAI")).toEqual([]);
  });

  it("counters: open ones with how long each has been serving; before opening, the configured ones", () => {
    // Counters 1, 2 and 3 are configured for land registration; none open yet.
    expect(fieldCounters(state, "DATDAI", T("07:50"))).toEqual({ servers: 3, idle: 0 });
    issued(state, walkIn("DATDAI"), T("08:01"));
    issued(state, walkIn("DATDAI"), T("08:02"));
    act(state, { action: "open", counter: 1 }, T("08:00"));
    act(state, { action: "open", counter: 2 }, T("08:00"));
    act(state, { action: "open", counter: 3, fieldCodes: ["TUPHAP"] }, T("08:00"));
    act(state, { action: "call_next", counter: 1 }, T("08:05"));
    act(state, { action: "start", counter: 1 }, T("08:06"));
    expect(fieldCounters(state, "DATDAI", T("08:10"))).toEqual({ servers: 2, idle: 1, busyElapsedMs: [4 * MIN] });
    act(state, { action: "call_next", counter: 2 }, T("08:10"));
    // Called but not yet at the counter: the service has not started.
    expect(fieldCounters(state, "DATDAI", T("08:11"))).toEqual({ servers: 2, idle: 0, busyElapsedMs: [5 * MIN, 0] });
    // A paused counter calls nobody.
    act(state, { action: "complete", counter: 2 }, T("08:20"));
    act(state, { action: "pause", counter: 2 }, T("08:20"));
    expect(fieldCounters(state, "DATDAI", T("08:21"))).toMatchObject({ servers: 1, idle: 0 });
  });

  it("end to end: the citizen third in line with one counter busy", () => {
    for (let i = 0; i < 4; i++) issued(state, walkIn("DATDAI"), T(`08:0${i + 1}`));
    act(state, { action: "open", counter: 1 }, T("08:00"));
    act(state, { action: "call_next", counter: 1 }, T("08:05"));
    act(state, { action: "start", counter: 1 }, T("08:06"));
    const third = state.tickets[3]!;
    expect(ticketsAhead(state, third)).toBe(2);
    const at = T("08:10");
    const e = fieldEstimator({
      today: serviceTimeStats(todayServiceSamples(state.tickets, "DATDAI")),
      history: null,
      ...fieldCounters(state, "DATDAI", at),
    })!(ticketsAhead(state, third)!);
    // What is left of the current dossier and two more, ~10 minutes each, at one counter.
    expect(e.basis).toBe("default");
    expect(e.lowMinutes).toBeGreaterThanOrEqual(10);
    expect(e.highMinutes).toBeLessThanOrEqual(60);
  });
});

describe("accuracy on a replayed day (deterministic simulation)", () => {
  it("the truth falls inside the range about as often as promised (80%)", () => {
    const { summary } = replay(20260517, 4, 3);
    expect(summary.estimates).toBeGreaterThan(400);
    expect(summary.coverageExcludingNow).toBeGreaterThan(0.7);
    expect(summary.coverageExcludingNow).toBeLessThan(0.93);
    expect(summary.belowLow).toBeLessThan(0.18);
    expect(summary.aboveHigh).toBeLessThan(0.18);
    // And the midpoint is minutes off, not hours.
    expect(summary.maeMinutes).toBeLessThan(10);
  });
});
