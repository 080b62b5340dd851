/**
 * How accurate is the citizen's wait estimate? Replays simulated days of one field at a branch
 * and compares every estimate the model gave with the wait that followed.
 *
 *   bash scripts/with-node.sh npx tsx bench/estimate-replay.ts [days] [seed]
 *
 * Prints a table (counters, estimates made, mean absolute error of the range's midpoint,
 * coverage = share of true waits inside [low, high], and the shares below and above) and writes
 * the figures to bench/results/estimate-replay.json. Deterministic for a given seed.
 *
 * The simulated day (times in minutes after midnight, Asia/Ho_Chi_Minh wall clock):
 * - Numbers are taken 08:00–16:00 (non-homogeneous Poisson, morning peak around 09:00, a smaller
 *   one after lunch); a share were booked on earlier days and are in line when counters open at
 *   08:00. Counters serve 08:00–17:00; numbers still waiting at 17:00 expire.
 * - Service times are lognormal, median 9 minutes, σ(log) 0.5 (10th–90th percentile ≈ 5–17 min),
 *   times a factor for the day (σ 0.10: some days are slower) and one for each clerk (σ 0.12).
 * - What the model does not know: a called citizen walks up to the counter (½–1½ min; half the
 *   clerks press "start" when they arrive, the others complete straight from "called");
 *   no-shows (the clerk recalls, waits 1½–3 min, moves on); citizens who cancel after waiting;
 *   priority citizens (elderly, disabled, …) who arrive later and are served first.
 * - FIFO by registration, priority first; a free counter calls the next ticket at once.
 *
 * Every ticket is estimated when it joins the line (08:00 for pre-booked ones) and again at a
 * quarter, half and three quarters of its actual wait, from the state at that instant: tickets
 * ahead, counters busy and for how long, today's service samples so far, and the history of the
 * four previous simulated days (the "same weekday" of earlier weeks).
 */
import {
  ESTIMATE_HIGH_PERCENTILE,
  ESTIMATE_LOW_PERCENTILE,
  fieldEstimator,
  serviceTimeStats,
  type ServiceTimeStats,
} from "../durable/engine/estimate";
import type { WaitEstimate } from "../shared/live-views";

const MIN = 60_000;
const OPEN = 8 * 60;
const BOOKING_UNTIL = 16 * 60;
const CLOSE = 17 * 60;

// ---------------------------------------------------------------------------------------------
// Randomness (seeded, deterministic)

export type Rng = () => number;

/** sfc32: small, fast, good enough for simulation; seeded from a 32-bit integer. */
export function makeRng(seed: number): Rng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function lognormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

function poisson(rng: Rng, mean: number): number {
  // Normal approximation is fine for the means used here (> 50).
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
}

// ---------------------------------------------------------------------------------------------
// One simulated day

export interface SimParams {
  counters: number;
  /** Offered load: expected work / (counters × 08:00–17:00). */
  utilisation: number;
  /** Share of the day's numbers booked on earlier days (in line at 08:00). */
  prebookedShare: number;
  serviceMedianMin: number;
  serviceSigma: number;
  daySigma: number;
  clerkSigma: number;
  noShowPrebooked: number;
  noShowSameDay: number;
  cancelShare: number;
  priorityShare: number;
  /** Minutes a called citizen takes to reach the counter (uniform between the two). */
  walkUpMin: [number, number];
  /** Share of clerks who press "start" when the citizen sits down (the walk is then not in the sample). */
  pressStartShare: number;
}

export const DEFAULT_PARAMS: Omit<SimParams, "counters"> = {
  utilisation: 0.85,
  prebookedShare: 0.2,
  serviceMedianMin: 9,
  serviceSigma: 0.5,
  daySigma: 0.1,
  clerkSigma: 0.12,
  noShowPrebooked: 0.08,
  noShowSameDay: 0.04,
  cancelShare: 0.03,
  priorityShare: 0.03,
  walkUpMin: [0.5, 1.5],
  pressStartShare: 0.5,
};

export interface SimTicket {
  seq: number;
  priority: boolean;
  /** Minutes after midnight when the ticket is in line (08:00 for pre-booked). */
  joinedAt: number;
  noShow: boolean;
  /** When the citizen gives up (minutes), or null. */
  cancelAt: number | null;
  outcome: "served" | "no_show" | "cancelled" | "expired";
  calledAt: number | null;
  counter: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

/** Arrival intensity shape over the booking window (relative; morning peak, smaller afternoon). */
function intensity(t: number): number {
  const g = (mu: number, sd: number) => Math.exp(-0.5 * ((t - mu) / sd) ** 2);
  return 0.35 + 1.3 * g(9 * 60, 50) + 0.6 * g(14 * 60, 60);
}
const INTENSITY_MAX = 1.7;

export function simulateDay(rng: Rng, p: SimParams): SimTicket[] {
  const dayFactor = Math.exp(p.daySigma * normal(rng));
  const clerk = Array.from({ length: p.counters }, () => ({
    factor: Math.exp(p.clerkSigma * normal(rng)),
    pressesStart: rng() < p.pressStartShare,
  }));
  const meanService = p.serviceMedianMin * Math.exp((p.serviceSigma * p.serviceSigma) / 2);
  const expected = (p.utilisation * p.counters * (CLOSE - OPEN)) / (meanService + (p.walkUpMin[0] + p.walkUpMin[1]) / 2);
  const total = poisson(rng, expected);
  const prebooked = Math.round(total * p.prebookedShare);

  // Registration times: pre-booked first (earlier days), then thinning of the day's intensity.
  const joins: Array<{ at: number; prebooked: boolean }> = [];
  for (let i = 0; i < prebooked; i++) joins.push({ at: OPEN, prebooked: true });
  while (joins.length < total) {
    const t = uniform(rng, OPEN, BOOKING_UNTIL);
    if (rng() * INTENSITY_MAX < intensity(t)) joins.push({ at: t, prebooked: false });
  }
  joins.sort((a, b) => Number(b.prebooked) - Number(a.prebooked) || a.at - b.at);

  const tickets: SimTicket[] = joins.map((j, i) => ({
    seq: i + 1,
    priority: !j.prebooked && rng() < p.priorityShare,
    joinedAt: j.at,
    noShow: rng() < (j.prebooked ? p.noShowPrebooked : p.noShowSameDay),
    cancelAt: rng() < p.cancelShare ? j.at + uniform(rng, 5, 60) : null,
    outcome: "expired",
    calledAt: null,
    counter: null,
    startedAt: null,
    endedAt: null,
  }));

  // Counters: each, when free, calls the first ticket in line (priority first, then seq).
  const freeAt = new Array<number>(p.counters).fill(OPEN);
  const pending = tickets.slice();
  for (;;) {
    let j = 0;
    for (let i = 1; i < p.counters; i++) if (freeAt[i]! < freeAt[j]!) j = i;
    const t = freeAt[j]!;
    if (t >= CLOSE) break;
    let pick = -1;
    let nextJoin = Infinity;
    for (let i = 0; i < pending.length; i++) {
      const x = pending[i]!;
      if (x.cancelAt !== null && x.cancelAt <= t) continue;
      if (x.joinedAt > t) {
        nextJoin = Math.min(nextJoin, x.joinedAt);
        continue;
      }
      if (pick < 0 || (x.priority && !pending[pick]!.priority)) pick = i;
      if (x.priority) break;
    }
    if (pick < 0) {
      if (nextJoin === Infinity) break;
      freeAt[j] = nextJoin;
      continue;
    }
    const x = pending.splice(pick, 1)[0]!;
    x.calledAt = t;
    x.counter = j + 1;
    if (x.noShow) {
      x.outcome = "no_show";
      x.endedAt = t + uniform(rng, 1.5, 3);
    } else {
      const walk = uniform(rng, p.walkUpMin[0], p.walkUpMin[1]);
      const service = Math.min(120, lognormal(rng, p.serviceMedianMin, p.serviceSigma) * dayFactor * clerk[j]!.factor);
      x.outcome = "served";
      x.startedAt = clerk[j]!.pressesStart ? t + walk : t;
      x.endedAt = t + walk + service;
    }
    freeAt[j] = x.endedAt!;
  }
  for (const x of pending) if (x.cancelAt !== null && x.cancelAt < CLOSE) x.outcome = "cancelled";
  return tickets;
}

// ---------------------------------------------------------------------------------------------
// Replaying the estimates

export interface Estimate {
  counters: number;
  day: number;
  /** How far along its wait the ticket was: 0 at joining, 0.25, 0.5, 0.75. */
  stage: number;
  ahead: number;
  estimate: WaitEstimate;
  /** Minutes until the ticket was called. */
  truth: number;
}

/** Served durations (ms) as the branch-day would record them: endedAt − startedAt. */
function samplesOf(tickets: readonly SimTicket[], before = Infinity): number[] {
  const out: number[] = [];
  for (const x of tickets) {
    if (x.outcome === "served" && x.endedAt! < before) out.push((x.endedAt! - x.startedAt!) * MIN);
  }
  return out;
}

/** The estimates the model gives for every ticket of one day, with the truth. */
export function estimateDay(tickets: readonly SimTicket[], counters: number, history: ServiceTimeStats | null, day: number): Estimate[] {
  const out: Estimate[] = [];
  for (const x of tickets) {
    if (x.calledAt === null) continue; // cancelled or expired: no truth to compare with
    const wait = x.calledAt - x.joinedAt;
    const stages = wait > 2 ? [0, 0.25, 0.5, 0.75] : [0];
    for (const stage of stages) {
      const t = x.joinedAt + stage * wait;
      out.push({ counters, day, stage, ...estimateAt(tickets, counters, history, x, t), truth: x.calledAt - t });
    }
  }
  return out;
}

/** The state just before instant t, as the branch-day object would see it, and its estimate. */
function estimateAt(tickets: readonly SimTicket[], counters: number, history: ServiceTimeStats | null, x: SimTicket, t: number) {
  let ahead = 0;
  for (const y of tickets) {
    if (y === x || y.joinedAt > t) continue;
    if (y.calledAt !== null && y.calledAt < t) continue;
    if (y.cancelAt !== null && y.cancelAt <= t && (y.calledAt === null || y.cancelAt < y.calledAt)) continue;
    if (x.priority ? y.priority && y.seq < x.seq : y.priority || y.seq < x.seq) ahead++;
  }
  const busyElapsedMs: number[] = [];
  for (const y of tickets) {
    if (y.calledAt !== null && y.calledAt < t && y.endedAt! >= t) {
      busyElapsedMs.push(y.startedAt !== null && y.startedAt < t ? (t - y.startedAt) * MIN : 0);
    }
  }
  const estimator = fieldEstimator({
    today: serviceTimeStats(samplesOf(tickets, t)),
    history,
    servers: counters,
    idle: counters - busyElapsedMs.length,
    busyElapsedMs,
  })!;
  return { ahead, estimate: estimator(ahead) };
}

export interface Summary {
  counters: number;
  days: number;
  tickets: number;
  estimates: number;
  /** Mean absolute error of the range's midpoint, minutes. */
  maeMinutes: number;
  coverage: number;
  belowLow: number;
  aboveHigh: number;
  meanWidthMinutes: number;
  meanTruthMinutes: number;
  /** Share of estimates that said "now" (0–0: nobody ahead, a counter free). */
  nowShare: number;
  /** Coverage of the other estimates (a "now" is trivially right in the simulation). */
  coverageExcludingNow: number;
}

export function summarise(counters: number, days: number, tickets: number, es: readonly Estimate[]): Summary {
  let abs = 0;
  let inside = 0;
  let below = 0;
  let above = 0;
  let width = 0;
  let truth = 0;
  let now = 0;
  for (const e of es) {
    if (e.estimate.highMinutes === 0) now++;
    const mid = (e.estimate.lowMinutes + e.estimate.highMinutes) / 2;
    abs += Math.abs(mid - e.truth);
    if (e.truth < e.estimate.lowMinutes) below++;
    else if (e.truth > e.estimate.highMinutes) above++;
    else inside++;
    width += e.estimate.highMinutes - e.estimate.lowMinutes;
    truth += e.truth;
  }
  const n = Math.max(1, es.length);
  return {
    counters,
    days,
    tickets,
    estimates: es.length,
    maeMinutes: abs / n,
    coverage: inside / n,
    belowLow: below / n,
    aboveHigh: above / n,
    meanWidthMinutes: width / n,
    meanTruthMinutes: truth / n,
    nowShare: now / n,
    coverageExcludingNow: (inside - now) / Math.max(1, es.length - now),
  };
}

export interface ReplayResult {
  summary: Summary;
  estimates: Estimate[];
}

/** Simulates `days` days with `counters` counters; each day's history is the 4 days before. */
export function replay(seed: number, counters: number, days: number, params: Partial<SimParams> = {}): ReplayResult {
  const rng = makeRng(seed ^ Math.imul(counters, 0x9e3779b1));
  const p: SimParams = { ...DEFAULT_PARAMS, ...params, counters };
  const past: number[][] = [];
  const estimates: Estimate[] = [];
  let tickets = 0;
  for (let day = 0; day < days; day++) {
    // History: the same weekday of the last 4 weeks, newest 300 samples.
    const history = serviceTimeStats(past.slice(-4).flat().slice(-300));
    const sim = simulateDay(rng, p);
    tickets += sim.length;
    estimates.push(...estimateDay(sim, counters, history, day));
    past.push(samplesOf(sim));
  }
  return { summary: summarise(counters, days, tickets, estimates), estimates };
}

// ---------------------------------------------------------------------------------------------
// Command line

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i]!)).join("  ");
}

function breakdown(label: string, es: readonly Estimate[], key: (e: Estimate) => string, order: string[]): string[] {
  const lines = [`By ${label}:`];
  const widths = [12, 9, 8, 9, 7, 7, 8, 8];
  lines.push(row([label, "estimates", "MAE min", "coverage", "below", "above", "width", "truth"], widths));
  for (const k of order) {
    const group = es.filter((e) => key(e) === k);
    if (group.length === 0) continue;
    const s = summarise(0, 0, 0, group);
    lines.push(row([k, s.estimates, s.maeMinutes.toFixed(1), pct(s.coverage), pct(s.belowLow), pct(s.aboveHigh), s.meanWidthMinutes.toFixed(1), s.meanTruthMinutes.toFixed(1)], widths));
  }
  return lines;
}

/** Calibration is judged by what was predicted (grouping by the truth would select the misses). */
function midpointBucket(e: Estimate): string {
  const m = (e.estimate.lowMinutes + e.estimate.highMinutes) / 2;
  return m === 0 ? "now" : m <= 10 ? "≤10" : m <= 30 ? "10–30" : m <= 60 ? "30–60" : m <= 120 ? "60–120" : ">120";
}
const MIDPOINT_BUCKETS = ["now", "≤10", "10–30", "30–60", "60–120", ">120"];

async function main(argv: string[]): Promise<void> {
  const days = Number(argv[0] ?? 100);
  const seed = Number(argv[1] ?? 20260517);
  const configs = [2, 4, 8];
  console.log(`Wait estimate replay: seed ${seed}, ${days} simulated days per configuration, range = P${ESTIMATE_LOW_PERCENTILE * 100}–P${ESTIMATE_HIGH_PERCENTILE * 100} (nominal coverage ${pct(ESTIMATE_HIGH_PERCENTILE - ESTIMATE_LOW_PERCENTILE)})`);
  const results = configs.map((c) => replay(seed, c, days));
  const widths = [8, 7, 9, 7, 8, 9, 10, 9, 9, 5, 13];
  const lines = [row(["counters", "tickets", "estimates", "MAE min", "coverage", "below low", "above high", "width min", "truth min", "now", "cov. w/o now"], widths)];
  const line = (label: string | number, s: Summary) =>
    row([label, s.tickets, s.estimates, s.maeMinutes.toFixed(2), pct(s.coverage), pct(s.belowLow), pct(s.aboveHigh), s.meanWidthMinutes.toFixed(1), s.meanTruthMinutes.toFixed(1), pct(s.nowShare), pct(s.coverageExcludingNow)], widths);
  for (const r of results) lines.push(line(r.summary.counters, r.summary));
  const all = results.flatMap((r) => r.estimates);
  const total = summarise(0, days, results.reduce((n, r) => n + r.summary.tickets, 0), all);
  lines.push(line("all", total));
  console.log(lines.map((l) => l.trimEnd()).join("\n"));
  console.log();
  console.log(breakdown("basis", all, (e) => e.estimate.basis, ["today", "history", "default"]).join("\n"));
  console.log();
  console.log(breakdown("predicted", all, midpointBucket, MIDPOINT_BUCKETS).join("\n"));
  console.log();
  console.log(breakdown("stage", all, (e) => String(e.stage), ["0", "0.25", "0.5", "0.75"]).join("\n"));

  const json = {
    seed,
    daysPerConfiguration: days,
    range: { lowPercentile: ESTIMATE_LOW_PERCENTILE, highPercentile: ESTIMATE_HIGH_PERCENTILE, nominalCoverage: ESTIMATE_HIGH_PERCENTILE - ESTIMATE_LOW_PERCENTILE },
    params: DEFAULT_PARAMS,
    configurations: results.map((r) => r.summary),
    all: total,
    byBasis: Object.fromEntries(["today", "history", "default"].map((b) => [b, summarise(0, 0, 0, all.filter((e) => e.estimate.basis === b))])),
    byPredictedWait: Object.fromEntries(MIDPOINT_BUCKETS.map((b) => [b, summarise(0, 0, 0, all.filter((e) => midpointBucket(e) === b))])),
    byStage: Object.fromEntries(["0", "0.25", "0.5", "0.75"].map((b) => [b, summarise(0, 0, 0, all.filter((e) => String(e.stage) === b))])),
  };
  const fs = proc!.getBuiltinModule("node:fs");
  fs.mkdirSync("bench/results", { recursive: true });
  fs.writeFileSync("bench/results/estimate-replay.json", `${JSON.stringify(json, null, 2)}\n`);
  console.log("\nWrote bench/results/estimate-replay.json");
}

// The project's tsconfig carries Workers types only (no @types/node): declare the little used.
// Tests import this module inside workerd, where it must not run.
interface NodeProcess {
  argv: string[];
  getBuiltinModule(id: "node:fs"): {
    mkdirSync(path: string, options: { recursive: true }): unknown;
    writeFileSync(path: string, data: string): void;
  };
}
const proc = (globalThis as { process?: NodeProcess }).process;
if (proc?.argv?.[1]?.endsWith("estimate-replay.ts")) await main(proc.argv.slice(2));
