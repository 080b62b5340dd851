/**
 * `npm run bench`: the 08:00 rush, counters calling at once, live fan-out, and the rush while
 * thousands watch — against the real local service (workerd through `wrangler dev`, real Durable
 * Objects, real local D1), driven over real HTTP and WebSockets from this separate process.
 *
 *   npm run bench [-- --scenario rush,calls,fanout,rush-watchers] [--quick]
 *   bash scripts/with-node.sh npx tsx bench/run.ts [options]
 *
 * Options:
 *   --scenario LIST   floor, rush, rush12, calls, fanout, rush-watchers (default: all)
 *   --quick           small counts (2,000 citizens, 1,000 watchers): a smoke run of the bench
 *   --citizens N      citizens per rush (10000)
 *   --watchers LIST   fan-out sizes (1000,5000)
 *   --watch-citizens N  citizens in the rush with 2,000 watchers (default: --citizens, at most
 *                     5,000: one local process holds 20,000 descriptors, see bench/lib/harness.ts)
 *   --runtime R       miniflare (default: workerd started through Miniflare by scripts/serve-miniflare.ts)
 *                     or wrangler (`wrangler dev`, as `npm start` runs it)
 *   --proxy           with --runtime wrangler: go through wrangler dev's proxy port instead of the
 *                     Worker runtime's own
 *   --disk            keep the local state on disk instead of tmpfs (/dev/shm); see below
 *   --port P          local server port (8800); the inspector gets P+1
 *   --out FILE        JSON results (bench/results/bench-<date>.json)
 *   --keep            keep the temporary state and server log
 *
 * Each scenario also times a no-op request (POST /api/v1/dev/bench/noop: JSON body, Worker →
 * branch-day object RPC, no work) at the same concurrency in the same run, and reports the ratio
 * ticket rate ÷ no-op rate, the runtime's CPU time per ticket (/proc/<pid>/stat of the Worker's
 * workerd) and its peak memory (VmHWM). Results: a table on stdout, JSON in bench/results/, an
 * SVG chart in bench/results/ and bench/report/bench.svg.
 *
 * Sign-in: citizens are signed in for real through the city-platform path (bench/lib/citizens.ts):
 * this process plays the platform, signs an ES256 token per citizen, and the service verifies it
 * on every call. Before the timed phase each citizen calls GET /api/v1/auth/me once (the app's
 * "who am I" when it opens; it records the platform's consent assertion in D1), untimed.
 *
 * State: on tmpfs (/dev/shm) unless --disk. On this VM's disk, each Durable Object commit and
 * each new object's SQLite file waits for fsync on the runtime's single thread: that measures the
 * disk (4× slower in our runs), not the service. Production storage confirms writes
 * asynchronously (the output gate holds replies), so tmpfs is the fairer local stand-in.
 *
 * Rate limits: each citizen's requests carry their own CF-Connecting-IP (one phone each, as in a
 * real rush). The local runtime honours that header (Cloudflare sets it in production, where a
 * client cannot), so the production limits stay as configured and still apply per address.
 */
import { CAP_FIELD, BENCH_FIELD } from "./lib/seed";
import { citizenId, citizenIp } from "./lib/citizens";
import { expectOk, pool, request, WatcherSet, type Timed } from "./lib/client";
import { machine, roomForObjects, startHarness, type Harness, type HarnessOptions } from "./lib/harness";
import { fs, nowMs, os, proc, ROOT, sleep } from "./lib/node";
import { cpuMs, memoryMiB, type Runtime } from "./lib/server";
import { fmt, latency, round, table } from "./lib/stats";
import { renderChart } from "./lib/svg";

const SCENARIOS = ["floor", "rush", "rush12", "calls", "fanout", "rush-watchers"] as const;
type ScenarioName = (typeof SCENARIOS)[number];

interface Options {
  scenarios: ScenarioName[];
  quick: boolean;
  citizens: number;
  watchers: number[];
  rushWatchers: number;
  /** Citizens in the rush with watchers (default: --citizens, at most 5,000). */
  watchCitizens: number | null;
  direct: boolean;
  runtime: Runtime;
  onDisk: boolean;
  port: number;
  out: string;
  keep: boolean;
}

function usage(message?: string): never {
  if (message) console.error(`bench: ${message}`);
  console.error("usage: bench/run.ts [--scenario floor,rush,rush12,calls,fanout,rush-watchers] [--quick] [--citizens N] [--watchers 1000,5000] [--watch-citizens N] [--runtime miniflare|wrangler] [--proxy] [--disk] [--port 8800] [--out FILE] [--keep]");
  proc.exit(message ? 2 : 0);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { scenarios: [...SCENARIOS], quick: false, citizens: 10_000, watchers: [1000, 5000], rushWatchers: 2000, watchCitizens: null, direct: true, runtime: "miniflare", onDisk: false, port: 8800, out: "", keep: false };
  let citizensSet = false;
  let watchersSet = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} wants a value`);
    if (flag === "--scenario") {
      const list = value().split(",").map((s) => s.trim()) as ScenarioName[];
      for (const s of list) if (!SCENARIOS.includes(s)) usage(`unknown scenario ${s}`);
      o.scenarios = list;
    } else if (flag === "--quick") o.quick = true;
    else if (flag === "--citizens") ((o.citizens = Number(value())), (citizensSet = true));
    else if (flag === "--watchers") ((o.watchers = value().split(",").map(Number)), (watchersSet = true));
    else if (flag === "--proxy") o.direct = false;
    else if (flag === "--runtime") {
      const r = value();
      if (r !== "miniflare" && r !== "wrangler") usage("--runtime: miniflare or wrangler");
      o.runtime = r;
    }
    else if (flag === "--disk") o.onDisk = true;
    else if (flag === "--watch-citizens") o.watchCitizens = Number(value());
    else if (flag === "--port") o.port = Number(value());
    else if (flag === "--out") o.out = value();
    else if (flag === "--keep") o.keep = true;
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (o.quick) {
    if (!citizensSet) o.citizens = 2000;
    if (!watchersSet) o.watchers = [1000];
    o.rushWatchers = 500;
  }
  if (!Number.isInteger(o.citizens) || o.citizens < 100 || o.citizens > 200_000) usage("--citizens: 100–200000");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Measurements shared by the scenarios

interface RuntimeSample {
  cpuMs: number;
  at: number;
}

function sample(h: Harness): RuntimeSample {
  return { cpuMs: cpuMs(h.service.runtimePids()), at: nowMs() };
}

interface NoopFigures {
  requests: number;
  concurrency: number;
  perSecond: number;
  latencyMs: ReturnType<typeof latency>;
  errors: number;
  runtimeCpuMsPerRequest: number | null;
}

/** The no-op: same runtime, same route shape (JSON POST → Worker → branch-day RPC), no work. */
async function noop(h: Harness, branchId: string, count: number, concurrency: number): Promise<NoopFigures> {
  const lat: number[] = [];
  let errors = 0;
  const before = sample(h);
  const ms = await pool(count, concurrency, async (i) => {
    const r = await request(h.service.base, "POST", "/api/v1/dev/bench/noop", { body: { branchId }, headers: { "cf-connecting-ip": citizenIp(99, i % 65536) } });
    if (r.status === 200) lat.push(r.ms);
    else errors++;
  });
  const after = sample(h);
  if (errors === count) throw new Error("the no-op route answers nothing but errors: is worker/routes/reconcile.ts mounted and DEV_STAND_INS=1?");
  return { requests: count, concurrency, perSecond: Math.round((lat.length / ms) * 1000), latencyMs: latency(lat), errors, runtimeCpuMsPerRequest: round((after.cpuMs - before.cpuMs) / count, 3) };
}

// ---------------------------------------------------------------------------------------------
// Floor: what the local runtime itself sustains on this machine, before any of our work

interface FloorRow {
  what: string;
  route: string;
  requests: number;
  perSecond: number;
  latencyMs: ReturnType<typeof latency>;
  errors: number;
  runtimeCpuMsPerRequest: number;
  /** CPU of this load-generator process per request: it shares the machine's two cores. */
  clientCpuMsPerRequest: number;
}

interface FloorFigures {
  concurrency: number;
  rows: FloorRow[];
}

/**
 * The ceiling any route can reach here: the same load generator at the same concurrency against
 * (1) a Worker-only answer (GET /api/v1: routing, middleware, JSON — no object, no D1) and (2)
 * the no-op (plus one Durable Object RPC). A ticket cannot be faster than (2): it needs the
 * citizen's ledger and the branch-day (and, locally, two rate-limiter objects and D1). (3) is
 * the branch-day's issue alone (no token, throttles or ledger): the capacity of the one serial
 * point per branch and day, the part of a booking that cannot be spread over other objects.
 */
async function floorScenario(h: Harness, o: { branchId: string; issueBranchId: string; concurrency: number; requests: number }): Promise<FloorFigures> {
  const shapes: Array<{ what: string; route: string; send: (i: number) => Promise<Timed> }> = [
    { what: "Worker only", route: "GET /api/v1", send: (i) => request(h.service.base, "GET", "/api/v1", { headers: { "cf-connecting-ip": citizenIp(98, i % 65536) } }) },
    {
      what: "Worker + 1 object RPC (no-op)",
      route: "POST /api/v1/dev/bench/noop",
      send: (i) => request(h.service.base, "POST", "/api/v1/dev/bench/noop", { body: { branchId: o.branchId }, headers: { "cf-connecting-ip": citizenIp(99, i % 65536) } }),
    },
    {
      // The serial point alone: what one branch-day object issues per second by itself.
      what: "Worker + branch-day issue alone",
      route: "POST /api/v1/dev/bench/issue",
      send: (i) => request(h.service.base, "POST", "/api/v1/dev/bench/issue", { body: { branchId: o.issueBranchId, fieldCode: BENCH_FIELD }, headers: { "cf-connecting-ip": citizenIp(97, i % 65536) } }),
    },
  ];
  const rows: FloorRow[] = [];
  for (const shape of shapes) {
    // Warm the isolate, the object and as many keep-alive connections as the timed phase uses.
    await pool(Math.min(2 * o.concurrency, 400), o.concurrency, async (i) => void (await shape.send(i)));
    const lat: number[] = [];
    let errors = 0;
    const before = sample(h);
    const client0 = proc.cpuUsage();
    const ms = await pool(o.requests, o.concurrency, async (i) => {
      const r = await shape.send(i);
      if (r.status >= 200 && r.status < 300) lat.push(r.ms);
      else errors++;
    });
    const client = proc.cpuUsage(client0);
    const after = sample(h);
    const row: FloorRow = {
      what: shape.what,
      route: shape.route,
      requests: o.requests,
      perSecond: Math.round((lat.length / ms) * 1000),
      latencyMs: latency(lat),
      errors,
      runtimeCpuMsPerRequest: round((after.cpuMs - before.cpuMs) / o.requests, 3) ?? 0,
      clientCpuMsPerRequest: round((client.user + client.system) / 1000 / o.requests, 3) ?? 0,
    };
    console.log(`  ${row.what}: ${row.perSecond}/s at c${o.concurrency}, p50 ${fmt(row.latencyMs.p50)} ms, p99 ${fmt(row.latencyMs.p99)} ms; runtime CPU ${fmt(row.runtimeCpuMsPerRequest, 2)} ms, load generator CPU ${fmt(row.clientCpuMsPerRequest, 2)} ms per request`);
    rows.push(row);
  }
  return { concurrency: o.concurrency, rows };
}

// ---------------------------------------------------------------------------------------------
// Rush

/** Restarts the runtime when idle objects' files pile up (set by main: roomForObjects). */
let roomBetweenScenarios: () => Promise<void> = async () => {};

interface Booking {
  citizen: number;
  branchId: string;
  fieldCode: string;
  /** A second attempt by a citizen who also books the same field elsewhere in the list. */
  repeat: boolean;
}

interface RushFigures {
  scenario: string;
  branches: number;
  concurrency: number;
  citizens: number;
  requests: number;
  watchers: number;
  tickets: number;
  seconds: number;
  ticketsPerSecond: number;
  requestsPerSecond: number;
  latencyMs: ReturnType<typeof latency>;
  refusals: Record<string, number>;
  transportErrors: number;
  duplicates: number;
  citizensOverLimit: number;
  cap: { perBranch: number; issued: number; expected: number; exact: boolean };
  reconciliation: { ok: boolean; problems: number; pending: number };
  noop: NoopFigures;
  ratio: number | null;
  runtimeCpuMsPerTicket: number | null;
  runtimePeakMiB: number;
  setupSeconds: number;
  watcherFigures?: { opened: number; failed: number; messages: number; gaps: number; dropped: number; missedFinal: number };
}

function shuffle<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Signs every citizen's platform token and lets each one's app say hello once (untimed). */
async function signIn(h: Harness, block: number, n: number): Promise<string[]> {
  const tokens: string[] = new Array(n);
  for (let i = 0; i < n; i++) tokens[i] = await h.platform.sign(citizenId(block, i), h.serviceNow());
  let failures = 0;
  let example = "";
  await pool(n, 50, async (i) => {
    const r = await request(h.service.base, "GET", "/api/v1/auth/me", { headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(block, i) } });
    if (r.status !== 200) {
      failures++;
      example ||= `${r.status} ${JSON.stringify(r.json).slice(0, 300)}`;
    }
  });
  if (failures) throw new Error(`${failures}/${n} citizens could not sign in (e.g. ${example})`);
  return tokens;
}

async function reconcile(h: Harness, branchId: string): Promise<{ ok: boolean; problems: number; pending: number; byField: Record<string, number>; labels: Map<string, string>; detail: unknown[] }> {
  let from: number | null = 1;
  let ok = true;
  let problems = 0;
  let pending = 0;
  const byField: Record<string, number> = {};
  const labels = new Map<string, string>();
  const detail: unknown[] = [];
  while (from !== null) {
    const r = await expectOk(h.service.base, "GET", `/api/v1/staff/branches/${branchId}/days/${h.today}/reconciliation?from=${from}&limit=5000`, { headers: h.staff });
    ok &&= r.ok === true;
    problems += r.problemCount as number;
    pending += r.ledgers.pending as number;
    detail.push(...(r.problems as unknown[]).slice(0, 5));
    for (const t of r.numbers as Array<{ id: string; label: string; status: string }>) {
      labels.set(t.id, t.label);
      const field = t.label.startsWith("K") ? CAP_FIELD : BENCH_FIELD;
      if (t.status !== "cancelled") byField[field] = (byField[field] ?? 0) + 1;
    }
    from = r.page.next as number | null;
  }
  return { ok, problems, pending, byField, labels, detail };
}

async function rush(h: Harness, o: { scenario: string; branches: string[]; concurrency: number; citizens: number; block: number; cap: number; watchers: number }): Promise<RushFigures> {
  const t0 = nowMs();
  console.log(`\n== ${o.scenario}: ${o.citizens} citizens → ${o.branches.length} branch-day(s), concurrency ${o.concurrency}${o.watchers ? `, ${o.watchers} watchers` : ""}`);
  // 10% of citizens ask for the capped field; 2% try a second time (same field, new request).
  const list: Booking[] = [];
  for (let i = 0; i < o.citizens; i++) {
    list.push({ citizen: i, branchId: o.branches[i % o.branches.length]!, fieldCode: i % 10 === 3 ? CAP_FIELD : BENCH_FIELD, repeat: false });
  }
  for (let i = 0; i < o.citizens; i += 50) list.push({ ...list[i]!, repeat: true });
  shuffle(list, o.block * 7919 + o.concurrency);

  const tokens = await signIn(h, o.block, o.citizens);
  // Watchers (scenario 4): hall displays of the (first) branch-day, open before the rush.
  let set: WatcherSet | null = null;
  if (o.watchers > 0) {
    const issued = await expectOk(h.service.base, "POST", `/api/v1/staff/branches/${o.branches[0]}/display-tokens`, { headers: h.staff, body: { label: "bench" } });
    set = new WatcherSet(true);
    const opened = await set.open(`${h.service.wsBase}${issued.url as string}`, o.watchers);
    console.log(`  ${o.watchers - opened.failed}/${o.watchers} watchers connected in ${(opened.ms / 1000).toFixed(1)} s`);
  }
  const noopFig = await noop(h, o.branches[0]!, Math.min(list.length, 5000), o.concurrency);
  const setupSeconds = (nowMs() - t0) / 1000;
  console.log(`  setup ${setupSeconds.toFixed(1)} s; no-op: ${noopFig.perSecond}/s, p50 ${fmt(noopFig.latencyMs.p50)} ms, p99 ${fmt(noopFig.latencyMs.p99)} ms`);

  const results: Array<Timed & { b: Booking }> = new Array(list.length);
  const before = sample(h);
  const ms = await pool(list.length, o.concurrency, async (i) => {
    const b = list[i]!;
    const r = await request(h.service.base, "POST", "/api/v1/tickets", {
      headers: { authorization: `Bearer ${tokens[b.citizen]}`, "cf-connecting-ip": citizenIp(o.block, b.citizen), "idempotency-key": `bench-${o.block}-${b.citizen}-${b.repeat ? 2 : 1}` },
      body: { branchId: b.branchId, fieldCode: b.fieldCode },
    });
    results[i] = { ...r, json: r.status === 201 || r.status === 200 ? { id: r.json?.ticket?.id, label: r.json?.ticket?.label } : { code: r.json?.code }, b };
  });
  const after = sample(h);
  const mem = memoryMiB(h.service.runtimePids());

  // What the replies say.
  const ok = results.filter((r) => r.status === 201 || r.status === 200);
  const refusals: Record<string, number> = {};
  let transportErrors = 0;
  for (const r of results) {
    if (r.status === 201 || r.status === 200) continue;
    if (r.status === 0) transportErrors++;
    const code = r.status === 0 ? `transport: ${r.error}` : `${r.status} ${r.json?.code ?? "?"}`;
    refusals[code] = (refusals[code] ?? 0) + 1;
  }
  const ids = new Set<string>();
  const numbers = new Set<string>();
  let duplicates = 0;
  const perCitizenField = new Map<string, number>();
  for (const r of ok) {
    const number = `${r.b.branchId}|${r.json.label}`;
    if (ids.has(r.json.id) || numbers.has(number)) duplicates++;
    ids.add(r.json.id);
    numbers.add(number);
    const key = `${r.b.citizen}|${r.b.fieldCode}`;
    perCitizenField.set(key, (perCitizenField.get(key) ?? 0) + 1);
  }
  const citizensOverLimit = [...perCitizenField.values()].filter((n) => n > 1).length;

  let watcherFigures: RushFigures["watcherFigures"];
  if (set) {
    // Every display must end on the day's last version (deltas carry every change, in order).
    await sleep(2000);
    const maxV = Math.max(...set.watchers.map((w) => w.lastV ?? 0));
    const t = set.totals();
    watcherFigures = { opened: set.active.length, failed: set.watchers.filter((w) => !w.ready).length, messages: t.messages, gaps: t.gaps, dropped: t.dropped, missedFinal: set.active.filter((w) => w.lastV !== maxV).length };
    await set.closeAll();
  }

  // What the service says: reconciliation of every branch-day (numbers, ledgers, limits). It asks
  // every ledger again: first make room for their files (a restart on the same state, untimed).
  await roomBetweenScenarios();
  let capIssued = 0;
  let recOk = true;
  let recProblems = 0;
  let recPending = 0;
  for (const branchId of o.branches) {
    await roomBetweenScenarios(); // a branch's ledgers at a time (12 branches: ~830 each)
    const rec = await reconcile(h, branchId);
    capIssued += rec.byField[CAP_FIELD] ?? 0;
    recOk &&= rec.ok;
    recProblems += rec.problems;
    recPending += rec.pending;
    if (!rec.ok) console.log(`  reconciliation of ${branchId}: ${JSON.stringify(rec.detail).slice(0, 600)}`);
    // Every ticket a reply announced exists with the same number.
    for (const r of ok.filter((x) => x.b.branchId === branchId)) {
      if (rec.labels.get(r.json.id) !== r.json.label) duplicates++;
    }
  }
  const capAsked = new Map<string, number>();
  for (const b of list) if (b.fieldCode === CAP_FIELD && !b.repeat) capAsked.set(b.branchId, (capAsked.get(b.branchId) ?? 0) + 1);
  const capExpected = o.branches.reduce((s, b) => s + Math.min(o.cap, capAsked.get(b) ?? 0), 0);

  const tickets = ok.filter((r) => r.status === 201).length;
  const ticketsPerSecond = Math.round((tickets / ms) * 1000);
  const fig: RushFigures = {
    scenario: o.scenario,
    branches: o.branches.length,
    concurrency: o.concurrency,
    citizens: o.citizens,
    requests: list.length,
    watchers: o.watchers,
    tickets,
    seconds: round(ms / 1000, 2)!,
    ticketsPerSecond,
    requestsPerSecond: Math.round((list.length / ms) * 1000),
    latencyMs: latency(results.map((r) => r.ms)),
    refusals,
    transportErrors,
    duplicates,
    citizensOverLimit,
    cap: { perBranch: o.cap, issued: capIssued, expected: capExpected, exact: capIssued === capExpected },
    reconciliation: { ok: recOk, problems: recProblems, pending: recPending },
    noop: noopFig,
    ratio: noopFig.perSecond ? round(ticketsPerSecond / noopFig.perSecond, 2) : null,
    runtimeCpuMsPerTicket: tickets ? round((after.cpuMs - before.cpuMs) / tickets, 3) : null,
    runtimePeakMiB: mem.peak,
    setupSeconds: round(setupSeconds, 1)!,
    watcherFigures,
  };
  console.log(
    `  ${tickets} tickets in ${fig.seconds} s: ${ticketsPerSecond}/s (ratio to no-op ${fmt(fig.ratio, 2)}), p50 ${fmt(fig.latencyMs.p50)} ms, p99 ${fmt(fig.latencyMs.p99)} ms; ` +
      `refusals ${JSON.stringify(refusals)}; duplicates ${duplicates}; over limit ${citizensOverLimit}; cap ${capIssued}/${capExpected}; reconciliation ${recOk ? "ok" : `${recProblems} problems`}; CPU ${fmt(fig.runtimeCpuMsPerTicket, 2)} ms/ticket`,
  );
  if (watcherFigures) console.log(`  watchers: ${JSON.stringify(watcherFigures)}`);
  return fig;
}

// ---------------------------------------------------------------------------------------------
// Calls: 10 clerks pressing "call next" at the same instant, repeatedly

interface CallFigures {
  scenario: "calls";
  counters: number;
  rounds: number;
  calls: number;
  doubleCalls: number;
  emptyCalls: number;
  errors: number;
  latencyMs: ReturnType<typeof latency>;
  noop: NoopFigures;
  callsPerSecond: number;
  ratio: number | null;
  runtimeCpuMsPerCall: number | null;
  runtimePeakMiB: number;
}

async function calls(h: Harness, o: { branchId: string; counters: number; rounds: number; block: number }): Promise<CallFigures> {
  console.log(`\n== calls: ${o.counters} counters × ${o.rounds} rounds at ${o.branchId}`);
  const n = o.counters * o.rounds + o.counters;
  const tokens = await signIn(h, o.block, n);
  await pool(n, 20, async (i) => {
    await expectOk(h.service.base, "POST", "/api/v1/tickets", { headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(o.block, i) }, body: { branchId: o.branchId, fieldCode: BENCH_FIELD } });
  });
  const counterPath = (c: number, action: string) => `/api/v1/staff/branches/${o.branchId}/counters/${c}/${action}`;
  for (let c = 1; c <= o.counters; c++) await expectOk(h.service.base, "POST", counterPath(c, "open"), { headers: h.staff });
  const noopFig = await noop(h, o.branchId, 1000, o.counters);
  const called = new Map<string, number>();
  const lat: number[] = [];
  let doubleCalls = 0;
  let emptyCalls = 0;
  let errors = 0;
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < o.rounds; r++) {
    const before = sample(h);
    const t0 = nowMs();
    const replies = await Promise.all(Array.from({ length: o.counters }, (_, i) => request(h.service.base, "POST", counterPath(i + 1, "call-next"), { headers: h.staff })));
    wall += nowMs() - t0;
    cpu += sample(h).cpuMs - before.cpuMs;
    for (const x of replies) {
      if (x.status !== 200) {
        errors++;
        continue;
      }
      lat.push(x.ms);
      const label = x.json?.ticket?.label as string | undefined;
      if (!label) {
        emptyCalls++;
        continue;
      }
      const times = (called.get(label) ?? 0) + 1;
      called.set(label, times);
      if (times > 1) doubleCalls++;
    }
    // Each clerk finishes with their citizen before the next press (untimed).
    await Promise.all(Array.from({ length: o.counters }, (_, i) => request(h.service.base, "POST", counterPath(i + 1, "complete"), { headers: h.staff })));
  }
  const mem = memoryMiB(h.service.runtimePids());
  const callsMade = lat.length;
  const callsPerSecond = Math.round((callsMade / wall) * 1000);
  const fig: CallFigures = {
    scenario: "calls",
    counters: o.counters,
    rounds: o.rounds,
    calls: callsMade,
    doubleCalls,
    emptyCalls,
    errors,
    latencyMs: latency(lat),
    noop: noopFig,
    callsPerSecond,
    ratio: noopFig.perSecond ? round(callsPerSecond / noopFig.perSecond, 2) : null,
    runtimeCpuMsPerCall: callsMade ? round(cpu / callsMade, 3) : null,
    runtimePeakMiB: mem.peak,
  };
  console.log(`  ${callsMade} calls, double calls ${doubleCalls}, empty ${emptyCalls}, errors ${errors}; latency p50 ${fmt(fig.latencyMs.p50)} ms, p99 ${fmt(fig.latencyMs.p99)} ms; no-op ${noopFig.perSecond}/s at c${o.counters}`);
  return fig;
}

// ---------------------------------------------------------------------------------------------
// Fan-out: call → last of N watchers

interface FanoutFigures {
  scenario: "fanout";
  watchers: number;
  opened: number;
  openSeconds: number;
  calls: number;
  lastMs: ReturnType<typeof latency>;
  medianOfMediansMs: number | null;
  missed: number;
  gaps: number;
  dropped: number;
  noop: NoopFigures;
  runtimeCpuMsPerCall: number | null;
  runtimePeakMiB: number;
}

async function fanout(h: Harness, o: { branchId: string; watchers: number; calls: number; block: number }): Promise<FanoutFigures> {
  console.log(`\n== fan-out: ${o.watchers} watchers on ${o.branchId}, ${o.calls} calls`);
  const n = o.calls + 2;
  const tokens = await signIn(h, o.block, n);
  for (let i = 0; i < n; i++) {
    await expectOk(h.service.base, "POST", "/api/v1/tickets", { headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(o.block, i) }, body: { branchId: o.branchId, fieldCode: BENCH_FIELD } });
  }
  const counterPath = (action: string) => `/api/v1/staff/branches/${o.branchId}/counters/1/${action}`;
  await request(h.service.base, "POST", counterPath("open"), { headers: h.staff });
  const issued = await expectOk(h.service.base, "POST", `/api/v1/staff/branches/${o.branchId}/display-tokens`, { headers: h.staff, body: { label: `bench-${o.watchers}` } });
  const set = new WatcherSet(true);
  const opened = await set.open(`${h.service.wsBase}${issued.url as string}`, o.watchers);
  console.log(`  ${o.watchers - opened.failed}/${o.watchers} watchers connected in ${(opened.ms / 1000).toFixed(1)} s`);
  const noopFig = await noop(h, o.branchId, 1000, 10);
  const last: number[] = [];
  const medians: number[] = [];
  let missed = 0;
  let cpu = 0;
  for (let i = 0; i < o.calls + 1; i++) {
    const before = sample(h);
    const armed = set.arm('"kind":"called"');
    const t0 = nowMs();
    const res = await request(h.service.base, "POST", counterPath("call-next"), { headers: h.staff });
    if (res.status !== 200) throw new Error(`call-next: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    await armed.wait(10_000);
    const after = sample(h);
    const times = armed.targets.map((w) => (w.hitAt === null ? null : w.hitAt - t0));
    const got = times.filter((x): x is number => x !== null).sort((a, b) => a - b);
    if (i > 0) {
      // The first call is a warm-up.
      missed += armed.targets.length - got.length;
      if (got.length) last.push(got[got.length - 1]!);
      if (got.length) medians.push(got[Math.floor(got.length / 2)]!);
      cpu += after.cpuMs - before.cpuMs;
    }
    const served = set.arm('"kind":"served"');
    await request(h.service.base, "POST", counterPath("complete"), { headers: h.staff });
    await served.wait(10_000);
  }
  const mem = memoryMiB(h.service.runtimePids());
  const t = set.totals();
  await set.closeAll();
  const fig: FanoutFigures = {
    scenario: "fanout",
    watchers: o.watchers,
    opened: o.watchers - opened.failed,
    openSeconds: round(opened.ms / 1000, 1)!,
    calls: o.calls,
    lastMs: latency(last),
    medianOfMediansMs: latency(medians).p50,
    missed: missed + opened.failed,
    gaps: t.gaps,
    dropped: t.dropped,
    noop: noopFig,
    runtimeCpuMsPerCall: round(cpu / o.calls, 2),
    runtimePeakMiB: mem.peak,
  };
  console.log(`  call → last watcher p50 ${fmt(fig.lastMs.p50)} ms, p99 ${fmt(fig.lastMs.p99)} ms (median watcher ${fmt(fig.medianOfMediansMs)} ms); missed ${fig.missed}, gaps ${fig.gaps}, dropped ${fig.dropped}`);
  return fig;
}

// ---------------------------------------------------------------------------------------------
// Report

function report(floorFig: FloorFigures | null, rushes: RushFigures[], callFig: CallFigures | null, fans: FanoutFigures[]): string {
  const out: string[] = [];
  if (floorFig) {
    const rows = [["floor (the runtime itself)", "route", "conc", "requests/s", "p50 ms", "p99 ms", "runtime CPU ms/req", "load-gen CPU ms/req"]];
    for (const r of floorFig.rows) {
      rows.push([r.what, r.route, String(floorFig.concurrency), String(r.perSecond), fmt(r.latencyMs.p50), fmt(r.latencyMs.p99), fmt(r.runtimeCpuMsPerRequest, 2), fmt(r.clientCpuMsPerRequest, 2)]);
    }
    out.push(table(rows));
  }
  if (rushes.length) {
    const rows = [["rush", "branches", "conc", "watchers", "tickets", "tickets/s", "p50 ms", "p99 ms", "no-op/s", "ratio", "CPU ms/ticket", "peak MiB", "dup", "over limit", "cap", "reconciled", "refusals"]];
    for (const r of rushes) {
      rows.push([
        r.scenario,
        String(r.branches),
        String(r.concurrency),
        String(r.watchers),
        String(r.tickets),
        String(r.ticketsPerSecond),
        fmt(r.latencyMs.p50),
        fmt(r.latencyMs.p99),
        String(r.noop.perSecond),
        fmt(r.ratio, 2),
        fmt(r.runtimeCpuMsPerTicket, 2),
        String(r.runtimePeakMiB),
        String(r.duplicates),
        String(r.citizensOverLimit),
        `${r.cap.issued}/${r.cap.expected}${r.cap.exact ? " exact" : " WRONG"}`,
        r.reconciliation.ok ? "ok" : `${r.reconciliation.problems} problems`,
        Object.entries(r.refusals).map(([k, v]) => `${k.replace(/^\d+ /, "")} ${v}`).join(", "),
      ]);
    }
    out.push(table(rows));
  }
  if (callFig) {
    out.push(
      table([
        ["calls", "counters", "rounds", "calls", "double calls", "p50 ms", "p99 ms", "calls/s", "no-op/s (c10)", "ratio", "CPU ms/call", "peak MiB"],
        [
          "10 clerks at once",
          String(callFig.counters),
          String(callFig.rounds),
          String(callFig.calls),
          String(callFig.doubleCalls),
          fmt(callFig.latencyMs.p50),
          fmt(callFig.latencyMs.p99),
          String(callFig.callsPerSecond),
          String(callFig.noop.perSecond),
          fmt(callFig.ratio, 2),
          fmt(callFig.runtimeCpuMsPerCall, 2),
          String(callFig.runtimePeakMiB),
        ],
      ]),
    );
  }
  if (fans.length) {
    const rows = [["fan-out", "opened", "calls", "call→last p50 ms", "p99 ms", "median watcher ms", "missed", "gaps", "dropped", "no-op/s (c10)", "CPU ms/call", "peak MiB"]];
    for (const f of fans) {
      rows.push([
        `${f.watchers} watchers`,
        String(f.opened),
        String(f.calls),
        fmt(f.lastMs.p50),
        fmt(f.lastMs.p99),
        fmt(f.medianOfMediansMs),
        String(f.missed),
        String(f.gaps),
        String(f.dropped),
        String(f.noop.perSecond),
        fmt(f.runtimeCpuMsPerCall, 1),
        String(f.runtimePeakMiB),
      ]);
    }
    out.push(table(rows));
  }
  return out.join("\n\n");
}

// ---------------------------------------------------------------------------------------------
// Main

const MULTI = Array.from({ length: 12 }, (_, i) => `bench-m${String(i + 1).padStart(2, "0")}`);

async function main(): Promise<number> {
  const o = parseOptions(proc.argv.slice(2));
  const cap = Math.max(10, Math.floor(o.citizens / 40)); // a quarter of those who ask for BCAP get one
  const startedAt = new Date();
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  console.log(`bench: scenarios ${o.scenarios.join(", ")}; ${o.citizens} citizens per rush; watchers ${o.watchers.join(", ")}; runtime ${o.runtime}${o.runtime === "wrangler" ? (o.direct ? ", direct to the Worker runtime" : ", through wrangler dev's proxy") : ""}`);
  const harnessOptions: HarnessOptions = {
    port: o.port,
    inspectorPort: o.port + 1,
    branches: ["bench-r50", "bench-r200", "bench-calls", "bench-fan", "bench-watch", "bench-issue", ...MULTI],
    capPerBranch: cap,
    direct: o.direct,
    onDisk: o.onDisk,
    runtime: o.runtime,
  };
  const h = await startHarness(harnessOptions);
  const room = () => roomForObjects(h, harnessOptions);
  roomBetweenScenarios = room;
  let failed = true;
  try {
    console.log(`service ready at ${h.service.base} (service day ${h.today}; logs and state in ${h.tmp})`);
    let floorFig: FloorFigures | null = null;
    if (o.scenarios.includes("floor")) {
      console.log("floor: what the local runtime sustains with no work of ours");
      floorFig = await floorScenario(h, { branchId: "bench-calls", issueBranchId: "bench-issue", concurrency: 200, requests: o.quick ? 2000 : 5000 });
    }
    const rushes: RushFigures[] = [];
    let callFig: CallFigures | null = null;
    const fans: FanoutFigures[] = [];
    let block = 0;
    if (o.scenarios.includes("rush")) {
      rushes.push(await rush(h, { scenario: "1 branch-day", branches: ["bench-r50"], concurrency: 50, citizens: o.citizens, block: ++block, cap, watchers: 0 }));
      await room();
      rushes.push(await rush(h, { scenario: "1 branch-day", branches: ["bench-r200"], concurrency: 200, citizens: o.citizens, block: ++block, cap, watchers: 0 }));
    }
    block = 2;
    if (o.scenarios.includes("rush12")) {
      await room();
      rushes.push(await rush(h, { scenario: "12 branch-days", branches: MULTI, concurrency: 200, citizens: o.citizens, block: ++block, cap: cap, watchers: 0 }));
    }
    block = 3;
    if (o.scenarios.includes("calls")) {
      await room();
      callFig = await calls(h, { branchId: "bench-calls", counters: 10, rounds: o.quick ? 5 : 20, block: ++block });
    }
    block = 4;
    if (o.scenarios.includes("fanout")) {
      for (const [i, n] of o.watchers.entries()) {
        await room();
        fans.push(await fanout(h, { branchId: "bench-fan", watchers: n, calls: o.quick ? 10 : 30, block: 10 + i }));
      }
    }
    block = 20;
    if (o.scenarios.includes("rush-watchers")) {
      // At most 5,000 by default: 10,000 new ledger objects' files plus 2,000 sockets outgrow the
      // 20,000 descriptors one local process may hold here (bench/lib/harness.ts roomForObjects).
      const citizens = o.watchCitizens ?? Math.min(o.citizens, 5000);
      await room();
      rushes.push(await rush(h, { scenario: "1 branch-day + watchers", branches: ["bench-watch"], concurrency: 200, citizens, block: ++block, cap, watchers: o.rushWatchers }));
    }

    const text = report(floorFig, rushes, callFig, fans);
    const mach = machine();
    console.log(`\n${text}\n`);
    console.log(`machine: ${mach.cpus} × ${mach.cpuModel}, ${mach.memoryGiB} GiB, ${mach.release}, Node ${mach.node}; load average ${loadAtStart.join(" ")} at start, ${(mach.loadAverage as number[]).join(" ")} at end`);
    const stamp = startedAt.toISOString().replace(/[:.]/g, "-").slice(0, 19);
    const out = o.out || `${ROOT}/bench/results/bench-${stamp}.json`;
    const bad =
      rushes.some((r) => r.duplicates > 0 || r.citizensOverLimit > 0 || !r.cap.exact || !r.reconciliation.ok || r.transportErrors > 0) ||
      (callFig !== null && callFig.doubleCalls > 0) ||
      fans.some((f) => f.missed > 0 || f.gaps > 0 || f.dropped > 0);
    const json = {
      benchmark: "sothutu bench/run.ts",
      at: startedAt.toISOString(),
      options: o,
      source: h.source,
      machine: { ...mach, loadAverageAtStart: loadAtStart },
      runtime:
        o.runtime === "miniflare"
          ? `workerd through Miniflare (scripts/serve-miniflare.ts via scripts/start.sh), state on ${o.onDisk ? "disk" : "tmpfs"}`
          : `workerd via wrangler dev (scripts/start.sh), ${o.direct ? "requests sent to the Worker runtime's own port" : "through wrangler dev's proxy"}, state on ${o.onDisk ? "disk" : "tmpfs"}`,
      ok: !bad,
      floor: floorFig,
      rushes,
      calls: callFig,
      fanout: fans,
      table: text,
    };
    fs.mkdirSync(out.replace(/\/[^/]*$/, ""), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
    const svg = renderChart(json);
    const svgOut = out.replace(/\.json$/, ".svg");
    fs.writeFileSync(svgOut, svg);
    if (!o.quick && o.scenarios.length === SCENARIOS.length) {
      fs.mkdirSync(`${ROOT}/bench/report`, { recursive: true });
      fs.writeFileSync(`${ROOT}/bench/report/bench.svg`, svg);
      fs.writeFileSync(`${ROOT}/bench/report/bench.json`, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`wrote ${out}, ${svgOut}, bench/report/bench.svg and bench/report/bench.json`);
    } else {
      console.log(`wrote ${out} and ${svgOut}`);
    }
    if (bad) console.error("bench: FAILED a correctness check (duplicates, limits, cap, reconciliation, double calls or missed messages): see above");
    failed = bad;
    return bad ? 1 : 0;
  } finally {
    await h.service.stop();
    if (o.keep || failed) console.log(`(state and server log kept in ${h.tmp})`);
    else fs.rmSync(h.tmp, { recursive: true, force: true });
  }
}

try {
  proc.exitCode = await main();
} catch (err) {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  proc.exitCode = 1;
}
proc.exit(proc.exitCode);
