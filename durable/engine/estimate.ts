/**
 * The citizen's wait estimate: "about 25–40 minutes", a range instead of a false exact minute.
 * Pure (no Cloudflare imports) and cheap: the branch-day object builds one estimator per field on
 * every change (`fieldEstimator`, O(counters)), then asks it for every watching ticket (O(log
 * counters) each, no allocation beyond the result).
 *
 * The model. The counters serving a field work in parallel, each taking the next ticket in line
 * as it becomes free; service times are independent draws from one distribution (mean μ,
 * standard deviation σ). A ticket with `ahead` tickets before it is called at the (ahead+1)-th
 * moment a counter becomes free. Counting those moments as a renewal process gives the mean and
 * variance of that time (exact for one counter; a central-limit approximation for several),
 * starting from what each busy counter has left of its current service (its residual, given how
 * long it has already been serving). The uncertainty about μ itself (few samples today, or a
 * different day than history) is added on top: it grows with the wait, so ranges widen with the
 * position. The result is read as a lognormal (right-skewed, never negative) and shown as its
 * 10th–90th percentiles, rounded outwards to whole minutes. A ticket that a free counter will
 * take at once (nobody ahead, a counter idle) is told "now" (0–0); no other ticket ever is.
 *
 * Where μ and σ come from: today's served tickets in the field; while today has fewer than
 * `MIN_TODAY_SAMPLES`, the same weekday's history dominates (it counts as that many of today's
 * samples, so the two are blended and today takes over smoothly); with neither, a default.
 * Services still running count too (elapsed + expected rest): otherwise the first samples of the
 * day, the services that ended first, would be the short ones and the estimate too low.
 *
 * Accuracy is measured by bench/estimate-replay.ts (simulated days with no-shows, cancellations,
 * priority citizens and slow clerks that the model does not know about).
 */
import type { WaitEstimate } from "../../shared/live-views";
import type { DayState, Ticket } from "./types";

export type { WaitEstimate };

const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------
// Constants

/**
 * Below this many served tickets today in a field, the same weekday's history is the basis of
 * the estimate. History is worth this many of today's samples in the blend, which matches a
 * day-to-day variation of the mean service time of about ±14% (cv / √15 with cv ≈ 0.55).
 */
export const MIN_TODAY_SAMPLES = 15;

/** History with fewer samples than this is not trusted (a new field, a branch just opened). */
export const MIN_HISTORY_SAMPLES = 20;

/**
 * Service time assumed when neither today nor history has samples: 10 minutes on average,
 * coefficient of variation 0.6.
 * Reasoning: receiving a land registration dossier (đăng ký đất đai: checking the certificate,
 * contracts and tax forms against the originals, scanning, issuing the receipt) takes minutes,
 * not seconds. We found no published per-dossier figure; the working range used here is 8–12
 * minutes for a typical dossier (simple civil-status requests are shorter, complex land cases
 * can take well over 20). Branch 1's 800–1,000 dossiers a day fit that only with 15–20 or more
 * counters over an 8–9 hour day, which is plausible for the city's largest branch but not
 * confirmed. Hence the mean of 10 minutes, held loosely (see `DEFAULT_PRIOR_WEIGHT`): today's
 * own samples outweigh it after a handful of tickets.
 */
export const DEFAULT_SERVICE_MEAN_MS = 10 * MINUTE;
export const DEFAULT_SERVICE_CV = 0.6;
/** The default counts as this many samples: ±35% uncertainty on its mean; today soon outweighs it. */
export const DEFAULT_PRIOR_WEIGHT = 3;

/** The range shown: from the 10th to the 90th percentile of the predicted wait (80% nominal). */
export const ESTIMATE_LOW_PERCENTILE = 0.1;
export const ESTIMATE_HIGH_PERCENTILE = 0.9;
/** Standard normal quantiles of the two percentiles above. */
const Z_LOW = -1.2815515655446004;
const Z_HIGH = 1.2815515655446004;

/**
 * Relative uncertainty of the mean service time that no amount of data removes: the afternoon is
 * not the morning, and the clerk who takes over is not the one before.
 */
export const SERVICE_DRIFT = 0.06;

/** Samples above this multiple of the median are clipped (a clerk who forgot to press "done"). */
const OUTLIER_MEDIANS = 5;

// ---------------------------------------------------------------------------------------------
// Service time statistics

export interface ServiceTimeStats {
  /** Samples used (after dropping negatives and non-finite values). */
  count: number;
  meanMs: number;
  /** Standard deviation of the (clipped) samples. */
  sdMs: number;
  medianMs: number;
  /** 90th percentile, for reports. */
  p90Ms: number;
}

/** Summary of service durations in ms; null when there are none. O(n log n). */
export function serviceTimeStats(samplesMs: readonly number[]): ServiceTimeStats | null {
  const xs = samplesMs.filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return null;
  const quantile = (p: number) => {
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
  };
  const medianMs = quantile(0.5);
  const cap = medianMs > 0 ? medianMs * OUTLIER_MEDIANS : Infinity;
  let sum = 0;
  for (const x of xs) sum += Math.min(x, cap);
  const meanMs = sum / n;
  let ss = 0;
  for (const x of xs) {
    const d = Math.min(x, cap) - meanMs;
    ss += d * d;
  }
  const sdMs = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { count: n, meanMs, sdMs, medianMs, p90Ms: Math.min(quantile(0.9), cap) };
}

/** Served tickets' service durations in a field (endedAt − startedAt), in registration order. */
export function todayServiceSamples(tickets: readonly Ticket[], fieldCode: string): number[] {
  const out: number[] = [];
  for (const t of tickets) {
    if (t.status !== "served" || t.fieldCode !== fieldCode || t.startedAt === null || t.endedAt === null) continue;
    const d = t.endedAt - t.startedAt;
    if (d >= 0) out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The estimator

/** The counters that serve a field right now, as the estimator needs them. */
export interface FieldCounters {
  /** Counters serving the field (open ones; the configured ones before any opens). */
  servers: number;
  /** Of those, open and free this instant: the first `idle` tickets in line are called now. */
  idle?: number;
  /**
   * For each busy counter, how long its current service has run (ms; 0 while the citizen is
   * called but not yet at the counter). Omitted: busy counters are taken as midway through a
   * typical service (before opening, or when unknown). Longer than `servers − idle` is cut.
   */
  busyElapsedMs?: readonly number[];
}

export interface FieldEstimatorArgs extends FieldCounters {
  today: ServiceTimeStats | null;
  history: ServiceTimeStats | null;
}

/** Estimate for a ticket with `ahead` tickets before it in its field (ahead ≥ 0). */
export type WaitEstimator = (ahead: number) => WaitEstimate;

/** The service-time distribution the estimate uses, and how sure it is of the mean. */
export interface ServiceModel {
  basis: WaitEstimate["basis"];
  meanMs: number;
  sdMs: number;
  /** Relative standard error of `meanMs` (0.1 = ±10%). */
  meanUncertainty: number;
}

/** Blends today's samples with history (or the default) into one service-time model. */
export function serviceModel(today: ServiceTimeStats | null, history: ServiceTimeStats | null): ServiceModel {
  const useHistory = history !== null && history.count >= MIN_HISTORY_SAMPLES && history.meanMs > 0;
  const prior = useHistory
    ? { mean: history.meanMs, sd: history.sdMs, weight: MIN_TODAY_SAMPLES }
    : { mean: DEFAULT_SERVICE_MEAN_MS, sd: DEFAULT_SERVICE_MEAN_MS * DEFAULT_SERVICE_CV, weight: DEFAULT_PRIOR_WEIGHT };
  const n = today && today.meanMs > 0 ? today.count : 0;
  const w = n + prior.weight;
  const meanMs = (n * (today?.meanMs ?? 0) + prior.weight * prior.mean) / w;
  // Blend second moments, so a day unlike history also widens the spread.
  const m2 = (n * ((today?.sdMs ?? 0) ** 2 + (today?.meanMs ?? 0) ** 2) + prior.weight * (prior.sd ** 2 + prior.mean ** 2)) / w;
  const cv = clamp(Math.sqrt(Math.max(0, m2 - meanMs * meanMs)) / meanMs, 0.2, 1.5);
  // Posterior spread of the mean: the prior's weight is its precision in "samples".
  const meanUncertainty = Math.sqrt((cv * cv) / w + SERVICE_DRIFT * SERVICE_DRIFT);
  const basis = n >= MIN_TODAY_SAMPLES ? "today" : useHistory ? "history" : "default";
  return { basis, meanMs, sdMs: cv * meanMs, meanUncertainty };
}

/**
 * Builds the field's estimator once per change. Null when no counter serves the field (then
 * there is nothing honest to say).
 */
export function fieldEstimator(args: FieldEstimatorArgs): WaitEstimator | null {
  const servers = Math.floor(args.servers);
  if (!(servers >= 1)) return null;
  const idle = clamp(Math.floor(args.idle ?? 0), 0, servers);
  const busy = servers - idle;
  const running = (args.busyElapsedMs ?? []).slice(0, busy);
  const model = serviceModel(withRunning(args.today, args.history, running), args.history);
  const basis = serviceModel(args.today, args.history).basis;
  const mu = model.meanMs;
  const sigma2 = model.sdMs * model.sdMs;
  const cv2 = sigma2 / (mu * mu);
  const delta2 = model.meanUncertainty * model.meanUncertainty;

  // First moment each counter becomes free for the tickets that remain after the idle
  // counters took theirs: a busy counter's residual service, an idle one's whole next service.
  const ln = lognormalOf(mu, cv2);
  const stationary = { mean: (mu * (1 + cv2)) / 2, variance: mu * mu * ((1 + cv2) ** 3 / 3 - (1 + cv2) ** 2 / 4) };
  const firstFree: number[] = [];
  let sumVar = 0;
  for (let j = 0; j < busy; j++) {
    const elapsed = args.busyElapsedMs?.[j];
    const r = elapsed === undefined ? stationary : residualAfter(ln, Math.max(0, elapsed));
    firstFree.push(r.mean);
    sumVar += r.variance;
  }
  for (let j = 0; j < idle; j++) {
    firstFree.push(mu);
    sumVar += sigma2;
  }
  firstFree.sort((a, b) => a - b);
  const prefix = new Float64Array(servers + 1);
  for (let j = 0; j < servers; j++) prefix[j + 1] = prefix[j]! + firstFree[j]!;
  const c = servers;
  const avgFirst = prefix[c]! / c;
  // Renewal counting: E[N(t)] = Σ_j (t − E R_j)/μ + c(1 + cv²)/2, and the k-th freeing happens
  // when E[N] reaches k − (1 − cv²)/2 (exact for one counter: E R + (k − 1)μ).
  const offset = ((c - 1) * mu * (1 + cv2)) / (2 * c);
  const gap = mu / c;
  const floorMean = gap / 4;

  return (ahead: number): WaitEstimate => {
    const rank = (Number.isFinite(ahead) && ahead > 0 ? Math.floor(ahead) : 0) + 1;
    if (rank <= idle) return { lowMinutes: 0, highMinutes: 0, basis };
    const k = rank - idle;
    const mean = Math.max(floorMean, avgFirst + (k - 1) * gap - offset);
    // Counters whose first freeing comes before `mean` have renewed since: their services add
    // variance σ²/μ per unit of time (the renewal central limit theorem).
    const before = upperBound(firstFree, mean);
    const renewing = before * mean - prefix[before]!;
    const variance = (sumVar + (sigma2 / mu) * renewing) / (c * c) + delta2 * mean * mean;
    const s2 = Math.log(1 + variance / (mean * mean));
    const s = Math.sqrt(s2);
    const m = Math.log(mean) - s2 / 2;
    const low = Math.floor(Math.exp(m + Z_LOW * s) / MINUTE);
    const high = Math.max(low + 1, Math.ceil(Math.exp(m + Z_HIGH * s) / MINUTE));
    return { lowMinutes: low, highMinutes: high, basis };
  };
}

/**
 * Today's samples are the services that already ended, which early in the day are the short
 * ones: the long ones are still running. Each running service is added as a sample of what it
 * will probably total (elapsed + the expected rest), a simple correction for that censoring.
 */
function withRunning(today: ServiceTimeStats | null, history: ServiceTimeStats | null, runningMs: readonly number[]): ServiceTimeStats | null {
  const prior = serviceModel(today, history);
  const ln = lognormalOf(prior.meanMs, (prior.sdMs / prior.meanMs) ** 2);
  let n = today?.count ?? 0;
  let s1 = n * (today?.meanMs ?? 0);
  let s2 = n * ((today?.sdMs ?? 0) ** 2 + (today?.meanMs ?? 0) ** 2);
  let added = 0;
  for (const e of runningMs) {
    if (!(e > 0)) continue; // not started yet: says nothing
    const rest = residualAfter(ln, e);
    const total = e + rest.mean;
    s1 += total;
    s2 += total * total + rest.variance;
    added++;
  }
  if (added === 0) return today;
  n += added;
  const meanMs = s1 / n;
  const sdMs = Math.sqrt(Math.max(0, s2 / n - meanMs * meanMs));
  return { count: n, meanMs, sdMs, medianMs: today?.medianMs ?? meanMs, p90Ms: today?.p90Ms ?? meanMs };
}

/**
 * The counters serving a field in a branch-day, for `fieldEstimator`: open ones (a paused
 * counter calls nobody), or, when none is open (before opening, all on a break), the counters
 * configured for the field, taken as busy. A counter serving several fields counts for each.
 */
export function fieldCounters(state: DayState, fieldCode: string, nowMs: number): FieldCounters {
  let servers = 0;
  let idle = 0;
  const busyElapsedMs: number[] = [];
  for (const counter of state.counters.values()) {
    if (counter.status !== "open" || !counter.fieldCodes.includes(fieldCode)) continue;
    servers++;
    const current = counter.currentSeq === null ? undefined : state.tickets[counter.currentSeq - 1];
    if (current && (current.status === "called" || current.status === "serving")) {
      busyElapsedMs.push(current.startedAt === null ? 0 : Math.max(0, nowMs - current.startedAt));
    } else {
      idle++;
    }
  }
  if (servers > 0) return { servers, idle, busyElapsedMs };
  const configured = state.plan.branch.counters.filter((c) => c.fieldCodes.includes(fieldCode)).length;
  return { servers: configured, idle: 0 };
}

// ---------------------------------------------------------------------------------------------
// Numerics

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Index of the first element greater than x in an ascending array. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Lognormal {
  m: number;
  s: number;
}

/** The lognormal with this mean and squared coefficient of variation. */
function lognormalOf(mean: number, cv2: number): Lognormal {
  const s2 = Math.log(1 + cv2);
  return { m: Math.log(mean) - s2 / 2, s: Math.sqrt(s2) };
}

/** Upper tail of the standard normal, accurate in relative terms far into the tail. */
function normalTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc: relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Mean and variance of what remains of a lognormal service that has already run `elapsed` ms. */
function residualAfter(ln: Lognormal, elapsed: number): { mean: number; variance: number } {
  const { m, s } = ln;
  if (elapsed <= 0) {
    const mean = Math.exp(m + (s * s) / 2);
    return { mean, variance: mean * mean * (Math.exp(s * s) - 1) };
  }
  // Beyond ~30 standard deviations the tail underflows: treat as that far.
  const a = Math.min((Math.log(elapsed) - m) / s, 30);
  const e = Math.exp(m + a * s);
  const survival = normalTail(a);
  const m1 = (Math.exp(m + (s * s) / 2) * normalTail(a - s)) / survival;
  const m2 = (Math.exp(2 * m + 2 * s * s) * normalTail(a - 2 * s)) / survival;
  const mean = Math.max(0, m1 - e);
  const variance = Math.max(0, m2 - m1 * m1);
  return { mean, variance };
}
