/**
 * Live fan-out: how long after a counter calls a number does the last of N hall displays hear of
 * it? Measured against the real local service, and divided by a bare WebSocket broadcast through
 * the same runtime measured in the same run.
 *
 *   npm run bench:live [-- --watchers 1000,5000 --calls 30]
 *   bash scripts/with-node.sh npx tsx bench/live-fanout.ts [options]
 *
 * Options:
 *   --watchers 1000,5000   sockets per run (one run per value)                     [1000,5000]
 *   --calls 30             measured calls (sothutu) / broadcasts (baseline) per run        [30]
 *   --warmup 1             unmeasured calls before those                                    [1]
 *   --batch 200            sockets opened concurrently (each batch waits for its snapshots) [200]
 *   --timeout-ms 10000     a socket that has not got an event by then missed it         [10000]
 *   --ref REV              run the servers from this git revision (git archive) instead of a
 *                          copy of the working tree
 *   --direct               connect to the Worker runtime's own port, past wrangler dev's proxy
 *                          (which holds ~4 descriptors per socket; see below)
 *   --out FILE             JSON results                       [bench/results/live-fanout.json]
 *   --port P               use ports P..P+3 (sothutu, its inspector, baseline, its inspector)
 *                          instead of free ones, e.g. when several people share the machine
 *   --baseline-payload P   small: {"type":"broadcast","seq":n} (29 bytes); called: the same
 *                          carrying a copy of sothutu's last "called" delta (~1.2 kB of the
 *                          same JSON, so compression costs alike) to compare like with like [small]
 *   --baseline-deflate off the baseline's 101 response sets an empty Sec-WebSocket-Extensions
 *                          (workerd's documented "no compression"; under wrangler dev it is
 *                          still negotiated — see the "negotiated extensions" line)     [on]
 *   --client-deflate off   the watchers do not offer permessage-deflate (the `ws` package with
 *                          perMessageDeflate: false instead of Node's WebSocket), to price
 *                          compression on both servers                                  [on]
 *   --keep                 keep the temporary state and server logs
 *
 * What it does:
 *   1. Copies the working tree (or --ref) to a temporary directory and starts from there
 *      sothutu (scripts/start.sh: migrations, demo seed, demo clock, `wrangler dev`, fresh
 *      SOTHUTU_PERSIST_DIR, free port) and the baseline (bench/baseline/worker.ts under
 *      `wrangler dev`: one Durable Object that accepts sockets with the hibernation API and, on
 *      POST /broadcast, sends one small JSON message to every socket). The copy matters:
 *      `wrangler dev` reloads the Worker, dropping every socket, whenever a source file changes,
 *      and others edit this tree meanwhile. Each server runs in its own process group, stopped at
 *      the end, on error and on Ctrl-C.
 *   2. Per N: issues a display token for hn-cn01 and opens N display sockets in batches, waiting
 *      for every snapshot; opens N sockets to the baseline; books the tickets the calls need
 *      (distinct ID numbers; online with X-Citizen-Id, or as reception walk-ins where the service
 *      no longer takes that header) and opens counter 1. Then, alternately, so that whatever else
 *      the machine does weighs on both alike: a sothutu call — complete the previous ticket and
 *      wait until every socket heard of it, then POST call-next and take, for every socket, the
 *      time from just before the request until it received the delta whose event is
 *      {kind: "called", label} — and a baseline broadcast, timed the same way. Every sothutu
 *      message is validated with the protocol's schema and every delta must continue the previous
 *      version (from === v); baseline messages must continue their sequence. With 200 or more
 *      sockets the hub sends bookings together (one delta carrying the last one's event), so of
 *      the bookings only the last label must reach every socket; the version chain covers the
 *      rest.
 *
 * Reported per N: time to open the sockets (and failures), p50/p99 over the calls of
 * "call → last socket", p50 of "call → median socket", the same for the baseline, the ratios
 * sothutu ÷ baseline, missed events, gaps; CPU per call of each server process and of this client
 * (Linux /proc), descriptors held, resident memory after the calls, the negotiated WebSocket
 * extensions. With 20–30 calls, p99 is the slowest call. Exit status 1 when a
 * socket failed to open or dropped, an event was missed, a gap seen or a message invalid.
 *
 * One Node process receives every socket, with Node's WebSocket (undici), which negotiates
 * permessage-deflate as browsers do: inflating every message is part of both figures, so ratios
 * lean towards 1. Compression is most of the cost of a larger message, on both ends: measured
 * 2026-11-22 at 5,000 sockets, a 1.2 kB message cost workerd ~535 ms CPU per call compressed and
 * ~360 ms uncompressed (--client-deflate off), and this client ~470 vs ~155 ms. Receive times
 * are taken first thing in the message handler; parsing and checks run after each call, off the
 * clock.
 *
 * Descriptors: under wrangler dev, sockets reach the Worker's workerd through a proxy Worker in a
 * second workerd, which holds about 4 descriptors per socket (the Worker's own workerd 2). With
 * `ulimit -n` 20000, the proxy runs out near 4,900 sockets ("Too many open files"; workerd may
 * even crash and be restarted by wrangler). --direct avoids the proxy (and its CPU).
 */
import { parseServerMessage } from "../shared/live-protocol";
import { entryPortOf, freePort } from "./lib/server";

// ---------------------------------------------------------------------------------------------
// Node built-ins. The project's tsconfig carries Workers types only (no @types/node): declare
// the little used here.

interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  pid: number;
  platform: string;
  version: string;
  exitCode: number | undefined;
  cwd(): string;
  exit(code?: number): never;
  kill(pid: number, signal?: string | number): boolean;
  on(event: "SIGINT" | "SIGTERM" | "exit", listener: () => void): void;
  cpuUsage(): { user: number; system: number };
  memoryUsage(): { rss: number };
  getBuiltinModule(id: string): unknown;
}
interface ChildProcess {
  pid?: number;
  exitCode: number | null;
  on(event: "exit", listener: (code: number | null, signal: string | null) => void): void;
}
interface ChildProcessModule {
  spawn(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string | undefined>; detached: boolean; stdio: Array<"ignore" | number> }): ChildProcess;
  spawnSync(cmd: string, args: string[], opts: { encoding: "utf8" }): { stdout: string; stderr: string; status: number | null };
}
interface FsModule {
  mkdtempSync(prefix: string): string;
  mkdirSync(path: string, opts: { recursive: true }): unknown;
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string): void;
  readdirSync(path: string): string[];
  readlinkSync(path: string): string;
  rmSync(path: string, opts: { recursive: true; force: true }): void;
  cpSync(src: string, dest: string, opts: { recursive: true; preserveTimestamps: true; filter: (src: string) => boolean }): void;
  symlinkSync(target: string, path: string): void;
  statSync(path: string): { mtimeMs: number };
  utimesSync(path: string, atime: Date, mtime: Date): void;
}
interface NetServer {
  listen(port: number, host: string, cb: () => void): void;
  address(): { port: number } | string | null;
  close(cb?: () => void): void;
  on(event: "error", cb: (err: Error) => void): void;
}
interface NetModule {
  createServer(): NetServer;
}
interface OsModule {
  tmpdir(): string;
  cpus(): Array<{ model: string }>;
  totalmem(): number;
  release(): string;
  loadavg(): number[];
}

const proc: NodeProcess = (globalThis as unknown as { process: NodeProcess }).process;
const childProcess = proc.getBuiltinModule("node:child_process") as ChildProcessModule;
const fs = proc.getBuiltinModule("node:fs") as FsModule;
const net = proc.getBuiltinModule("node:net") as NetModule;
const os = proc.getBuiltinModule("node:os") as OsModule;

const ROOT = new URL("..", (import.meta as { url?: string }).url ?? `file://${proc.cwd()}/bench/`).pathname.replace(/\/$/, "");
const BRANCH = "hn-cn01";
const FIELD = "DATDAI";
const COUNTER = 1;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  watchers: number[];
  calls: number;
  warmup: number;
  batch: number;
  timeoutMs: number;
  out: string;
  keep: boolean;
  direct: boolean;
  ref: string | null;
  port: number | null;
  baselinePayload: "small" | "called";
  baselineDeflate: boolean;
  clientDeflate: boolean;
}

function usage(message?: string): never {
  if (message) console.error(`live-fanout: ${message}`);
  console.error(
    [
      "usage: bench/live-fanout.ts [options]   (npm run bench:live -- [options])",
      "  --watchers 1000,5000   sockets per run, one run per value",
      "  --calls 30             measured calls (and baseline broadcasts) per run",
      "  --warmup 1             unmeasured calls first",
      "  --batch 200            sockets opened concurrently",
      "  --timeout-ms 10000     a socket without the event by then missed it",
      "  --ref REV              run the servers from this git revision, not the working tree",
      "  --direct               connect past wrangler dev's proxy (~4 descriptors per socket)",
      "  --out FILE             JSON results (bench/results/live-fanout.json)",
      "  --port P               ports P..P+3 (sothutu, inspector, baseline, inspector), not free ones",
      "  --baseline-payload P   small (29 bytes) or called (carries a copy of sothutu's called delta)",
      "  --baseline-deflate off the baseline refuses permessage-deflate",
      "  --client-deflate off   watchers do not offer permessage-deflate (ws package)",
      "  --keep                 keep the temporary state and server logs",
    ].join("\n"),
  );
  proc.exit(message ? 2 : 0);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { watchers: [1000, 5000], calls: 30, warmup: 1, batch: 200, timeoutMs: 10_000, out: "bench/results/live-fanout.json", keep: false, direct: false, ref: null, port: null, baselinePayload: "small", baselineDeflate: true, clientDeflate: true };
  const positive = (name: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`${name} wants an integer ≥ ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--watchers") o.watchers = (value() ?? "").split(",").map((s) => positive("--watchers", s.trim()));
    else if (flag === "--calls") o.calls = positive("--calls", value());
    else if (flag === "--warmup") o.warmup = positive("--warmup", value(), 0);
    else if (flag === "--batch") o.batch = positive("--batch", value());
    else if (flag === "--timeout-ms") o.timeoutMs = positive("--timeout-ms", value());
    else if (flag === "--out") o.out = value() ?? usage("--out wants a path");
    else if (flag === "--keep") o.keep = true;
    else if (flag === "--port") o.port = positive("--port", value(), 1024);
    else if (flag === "--baseline-payload") {
      const v = value();
      if (v !== "small" && v !== "called") usage(`--baseline-payload wants small or called, got ${v}`);
      o.baselinePayload = v;
    }
    else if (flag === "--baseline-deflate") {
      const v = value();
      if (v !== "on" && v !== "off") usage(`--baseline-deflate wants on or off, got ${v}`);
      o.baselineDeflate = v === "on";
    } else if (flag === "--client-deflate") {
      const v = value();
      if (v !== "on" && v !== "off") usage(`--client-deflate wants on or off, got ${v}`);
      o.clientDeflate = v === "on";
    }
    else if (flag === "--direct") o.direct = true;
    else if (flag === "--ref") o.ref = value() ?? usage("--ref wants a git revision");
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowMs = () => performance.now();

/** Nearest-rank percentile of an ascending array (NaN when empty). */
function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const asc = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

function hardLimit(): string | null {
  const r = childProcess.spawnSync("bash", ["-c", "ulimit -Hn"], { encoding: "utf8" });
  return r.stdout.trim() || null;
}

/** The soft limit on open files this process (and the servers it starts) runs with. */
function openFileLimit(): number | null {
  const r = childProcess.spawnSync("bash", ["-c", "ulimit -n"], { encoding: "utf8" });
  const v = r.stdout.trim();
  return v === "unlimited" ? Number.POSITIVE_INFINITY : Number.isFinite(Number(v)) ? Number(v) : null;
}

async function http(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  let text: string;
  try {
    res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(30_000) });
    text = await res.text();
  } catch (err) {
    throw new Error(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function expectOk(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<any> {
  const r = await http(base, method, path, opts);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 400)}`);
  return r.json;
}

// ---------------------------------------------------------------------------------------------
// Server processes (each in its own process group)

/** Top-level entries the snapshot leaves out (node_modules is linked, not copied). */
const NOT_COPIED = new Set(["node_modules", ".git", ".cache", ".wrangler", "dist"]);

/**
 * Copies the working tree (or, with --ref, a commit) into `dest`; the servers run from there:
 * `wrangler dev` rebuilds and reloads the Worker (closing every socket) whenever a source file
 * changes, and other people edit this tree while the benchmark runs. The run measures the code as
 * it was when it started. The copy links the project's node_modules, which must be current: the
 * copy's start.sh must not reinstall (that would write into the shared node_modules).
 */
function snapshotTree(dest: string, ref: string | null): void {
  const lock = `${ROOT}/package-lock.json`;
  const installed = `${ROOT}/node_modules/.package-lock.json`;
  let installedAt = 0;
  try {
    installedAt = fs.statSync(installed).mtimeMs;
  } catch {
    throw new Error("node_modules is not installed: run `bash scripts/start.sh --install-only` (or npm ci) first");
  }
  if (fs.statSync(lock).mtimeMs > installedAt) {
    throw new Error("node_modules is older than package-lock.json: run `bash scripts/start.sh --install-only` (or npm ci) first");
  }
  if (ref === null) {
    fs.cpSync(ROOT, dest, {
      recursive: true,
      preserveTimestamps: true, // keeps package-lock.json older than node_modules: start.sh skips npm ci
      filter: (src) => {
        const rel = src === ROOT ? "" : src.slice(ROOT.length + 1);
        return !NOT_COPIED.has(rel.split("/")[0]!) && rel !== "bench/results" && !rel.startsWith("bench/results/");
      },
    });
  } else {
    fs.mkdirSync(dest, { recursive: true });
    const r = childProcess.spawnSync("bash", ["-c", 'set -o pipefail; git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', "archive", ROOT, ref, dest], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`--ref ${ref}: git archive failed: ${r.stderr.trim()}`);
    if (fs.readFileSync(`${dest}/package-lock.json`, "utf8") !== fs.readFileSync(lock, "utf8")) {
      console.warn(`live-fanout: note: ${ref}'s package-lock.json differs from the working tree's; it runs with the installed node_modules`);
    }
    const t = new Date(installedAt - 1000);
    fs.utimesSync(`${dest}/package-lock.json`, t, t);
    // The baseline and the local secrets come from the working tree.
    fs.cpSync(`${ROOT}/bench/baseline`, `${dest}/bench/baseline`, { recursive: true, preserveTimestamps: true, filter: () => true });
    try {
      fs.cpSync(`${ROOT}/.dev.vars`, `${dest}/.dev.vars`, { recursive: true, preserveTimestamps: true, filter: () => true });
    } catch {
      // None yet: start.sh generates one in the copy.
    }
  }
  fs.symlinkSync(`${ROOT}/node_modules`, `${dest}/node_modules`);
}

function gitState(ref: string | null): { ref: string; commit: string | null; changedFiles: number | null } {
  const head = childProcess.spawnSync("git", ["-C", ROOT, "rev-parse", ref ?? "HEAD"], { encoding: "utf8" });
  const status = childProcess.spawnSync("git", ["-C", ROOT, "status", "--porcelain"], { encoding: "utf8" });
  return {
    ref: ref ?? "working tree",
    commit: head.status === 0 ? head.stdout.trim() : null,
    changedFiles: ref !== null ? 0 : status.status === 0 ? status.stdout.split("\n").filter(Boolean).length : null,
  };
}

class Server {
  exited = false;
  exitInfo = "";
  private readonly pid: number;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly logPath: string,
    cwd: string,
    cmd: string,
    args: string[],
    env: Record<string, string | undefined>,
  ) {
    const fd = fs.openSync(logPath, "a");
    const child = childProcess.spawn(cmd, args, { cwd, env: { ...proc.env, ...env }, detached: true, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
    this.pid = child.pid;
    child.on("exit", (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit ${code}`;
    });
    live.add(this);
  }

  /** Where requests and sockets go: wrangler's public port, or the Worker runtime's own (--direct). */
  entryPort = 0;

  get base(): string {
    return `http://127.0.0.1:${this.entryPort || this.port}`;
  }

  get wsBase(): string {
    return `ws://127.0.0.1:${this.entryPort || this.port}`;
  }

  /**
   * --direct: finds the port on which the Worker's own workerd listens (wrangler dev puts a proxy
   * Worker, in another workerd, in front of it) by probing that process's listening sockets
   * (Linux /proc) with GET `path`. Relies on wrangler dev's internals; opt-in only.
   */
  async useDirectPort(path: string): Promise<number> {
    const inner = this.processes().filter((p) => p.role === "workerd (internal)").map((p) => p.pid);
    try {
      this.entryPort = await entryPortOf(inner, path);
    } catch (err) {
      throw new Error(`${this.name}: --direct: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.entryPort;
  }

  private groupAlive(): boolean {
    try {
      proc.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async waitReady(path: string, timeoutMs: number): Promise<number> {
    const started = nowMs();
    for (;;) {
      if (this.exited) throw new Error(`${this.name} exited (${this.exitInfo}) before answering; log: ${this.logPath}\n${this.logTail()}`);
      try {
        const res = await fetch(this.base + path, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        if (res.ok) return nowMs() - started;
      } catch {
        // Not listening yet.
      }
      if (nowMs() - started > timeoutMs) throw new Error(`${this.name}: no answer from GET ${path} within ${timeoutMs / 1000}s; log: ${this.logPath}\n${this.logTail()}`);
      await sleep(300);
    }
  }

  /** What the server log says about descriptor exhaustion and runtime restarts. */
  logProblems(): { tooManyOpenFiles: number; runtimeCrashes: number } {
    let text = "";
    try {
      text = fs.readFileSync(this.logPath, "utf8");
    } catch {
      // No log.
    }
    return {
      tooManyOpenFiles: text.match(/Too many open files/g)?.length ?? 0,
      runtimeCrashes: text.match(/Workers runtime crashed/g)?.length ?? 0,
    };
  }

  log(): string {
    try {
      return fs.readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 30): string {
    return this.log().split("\n").slice(-lines).join("\n") || "(no log)";
  }

  /** The processes of the group, for fd counts and CPU time (Linux /proc; empty elsewhere). */
  processes(): Array<{ pid: number; role: string }> {
    const out: Array<{ pid: number; role: string }> = [];
    try {
      for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          if (Number(fields[2]) !== this.pid) continue; // field 5: process group
          const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
          out.push({ pid: Number(entry), role: roleOf(cmd, this.port) });
        } catch {
          // Gone meanwhile.
        }
      }
    } catch {
      // No /proc.
    }
    return out.filter((p) => p.role !== "");
  }

  /** Sends SIGTERM to the whole group, then SIGKILL after 10 s. */
  async stop(): Promise<void> {
    live.delete(this);
    try {
      proc.kill(-this.pid, "SIGTERM");
    } catch {
      return;
    }
    const until = nowMs() + 10_000;
    while (this.groupAlive() && nowMs() < until) await sleep(100);
    this.killNow();
  }

  killNow(): void {
    try {
      proc.kill(-this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function roleOf(cmd: string[], port: number): string {
  const bin = cmd[0] ?? "";
  if (bin.endsWith("/workerd") || bin === "workerd") {
    return cmd.some((a) => a === `--socket-addr=entry=127.0.0.1:${port}`) ? "workerd (public port)" : "workerd (internal)";
  }
  if (/(^|\/)node$/.test(bin) && cmd.some((a) => a.includes("wrangler"))) return cmd.some((a) => a.endsWith("cli.js")) ? "wrangler" : "";
  return "";
}

const live = new Set<Server>();
let cleaningUp = false;

async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

proc.on("exit", () => {
  for (const s of live) s.killNow();
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  proc.on(sig, () => {
    if (cleaningUp) return;
    cleaningUp = true;
    console.error(`\nlive-fanout: ${sig}, stopping the servers…`);
    void stopAll().finally(() => proc.exit(sig === "SIGINT" ? 130 : 143));
  });
}

/** CPU milliseconds (user + system) per role, from /proc/<pid>/stat (10 ms clock ticks), and this process. */
function cpuOf(pids: Array<{ pid: number; role: string }>): Map<string, number> {
  const m = new Map<string, number>();
  for (const { pid, role } of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
      m.set(role, (m.get(role) ?? 0) + ticks * 10);
    } catch {
      // Gone.
    }
  }
  const own = proc.cpuUsage();
  m.set("bench client (node)", (own.user + own.system) / 1000);
  return m;
}

/** Resident memory (MiB) per role, from /proc/<pid>/status: what N open sockets hold. */
function rssMiB(pids: Array<{ pid: number; role: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { pid, role } of pids) {
    try {
      const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      out[role] = (out[role] ?? 0) + Math.round(kb / 1024);
    } catch {
      // Gone.
    }
  }
  return out;
}

function fdCounts(pids: Array<{ pid: number; role: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { pid, role } of pids) {
    try {
      out[role] = (out[role] ?? 0) + fs.readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // Gone or not ours to read.
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Watchers: N WebSockets read by this process

interface Received {
  t: number;
  data: string;
}

/** What a message meant, once parsed (after the timed window). */
interface Seen {
  t: number;
  kind: string;
  label: string | null;
}

interface Flavour {
  name: string;
  /** Ready when the first message arrives (sothutu's snapshot) or at `open` (baseline). */
  readyOnFirstMessage: boolean;
  /** Parses one message; checks its continuity against the socket's state. */
  parse(w: Watcher, data: string): { seen: Seen | null; invalid: boolean; gap: boolean };
}

/**
 * Opens a watcher's socket: Node's WebSocket (undici; offers permessage-deflate, as browsers do)
 * or, with --client-deflate off, the `ws` package (installed with miniflare) offering nothing.
 */
let openSocket = (url: string): WebSocket => new WebSocket(url);

function useUncompressedClient(): void {
  const { createRequire } = proc.getBuiltinModule("node:module") as { createRequire(from: string): (id: string) => unknown };
  const Ws = createRequire(`${ROOT}/package.json`)("ws") as new (url: string, opts: { perMessageDeflate: boolean }) => WebSocket;
  openSocket = (url) => new Ws(url, { perMessageDeflate: false });
}

class Watcher {
  ready = false;
  failure: string | null = null;
  droppedAfterReady = false;
  closed = false;
  inbox: Received[] = [];
  /** Last version (sothutu) or broadcast seq (baseline) received. */
  last: number | null = null;
  hits = 0;
  messages = 0;
  bytes = 0;
  gaps = 0;
  invalid = 0;
  readonly ws: WebSocket;
  readonly readyPromise: Promise<boolean>;
  readonly closedPromise: Promise<void>;

  constructor(url: string, readonly set: WatcherSet, openTimeoutMs: number) {
    let ready!: (ok: boolean) => void;
    let closed!: () => void;
    this.readyPromise = new Promise((r) => (ready = r));
    this.closedPromise = new Promise((r) => (closed = r));
    const timer = setTimeout(() => {
      if (!this.ready && !this.failure) {
        this.failure = "timeout";
        ready(false);
        try {
          this.ws.close();
        } catch {
          // Not open.
        }
      }
    }, openTimeoutMs);
    const markReady = () => {
      if (this.ready || this.failure) return;
      this.ready = true;
      clearTimeout(timer);
      ready(true);
    };
    this.ws = openSocket(url);
    this.ws.addEventListener("message", (e: MessageEvent) => {
      const t = nowMs();
      const data = typeof e.data === "string" ? e.data : "";
      this.inbox.push({ t, data });
      if (!this.ready && set.flavour.readyOnFirstMessage) markReady();
      const wait = set.waiting;
      if (wait && this.hits < wait.perSocket && data.includes(wait.marker)) {
        this.hits++;
        if (this.hits === wait.perSocket && --wait.remaining === 0) wait.done();
      }
    });
    this.ws.addEventListener("open", () => {
      set.extensions ??= this.ws.extensions;
      if (!set.flavour.readyOnFirstMessage) markReady();
    });
    this.ws.addEventListener("error", () => {
      if (!this.ready && !this.failure) {
        this.failure = "error";
        clearTimeout(timer);
        ready(false);
      }
    });
    this.ws.addEventListener("close", (e: CloseEvent) => {
      this.closed = true;
      if (!this.ready && !this.failure) {
        this.failure = `closed ${e.code}`;
        clearTimeout(timer);
        ready(false);
      } else if (this.ready && !set.closing) this.droppedAfterReady = true;
      closed();
    });
  }

  /** Parses what arrived since the last drain; returns what it meant. */
  drain(): Seen[] {
    const out: Seen[] = [];
    for (const r of this.inbox) {
      this.messages++;
      this.bytes += r.data.length;
      const p = this.set.flavour.parse(this, r.data);
      if (p.invalid) this.invalid++;
      if (p.gap) this.gaps++;
      if (p.seen) out.push({ ...p.seen, t: r.t });
    }
    this.inbox = [];
    return out;
  }
}

class WatcherSet {
  watchers: Watcher[] = [];
  closing = false;
  /** What the server accepted of the client's Sec-WebSocket-Extensions offer (first socket). */
  extensions: string | null = null;
  waiting: { marker: string; perSocket: number; remaining: number; done: () => void } | null = null;

  constructor(readonly flavour: Flavour) {}

  get active(): Watcher[] {
    return this.watchers.filter((w) => w.ready && !w.closed);
  }

  /** Opens n sockets, `batch` at a time; each batch waits for its snapshots (or `open`). */
  async open(url: string, n: number, batch: number): Promise<{ ms: number; failed: number; failures: Record<string, number> }> {
    const started = nowMs();
    for (let i = 0; i < n; i += batch) {
      const group: Watcher[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) group.push(new Watcher(url, this, 30_000));
      this.watchers.push(...group);
      await Promise.all(group.map((w) => w.readyPromise));
    }
    const ms = nowMs() - started;
    const failures: Record<string, number> = {};
    for (const w of this.watchers) if (w.failure) failures[w.failure] = (failures[w.failure] ?? 0) + 1;
    return { ms, failed: this.watchers.filter((w) => !w.ready).length, failures };
  }

  /**
   * Arms a wait for `marker` to appear `perSocket` times on every active socket. Call before the
   * request that causes the messages (they may arrive before its response).
   */
  arm(marker: string, perSocket = 1): (timeoutMs?: number) => Promise<boolean> {
    const targets = this.active;
    for (const w of this.watchers) w.hits = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    this.waiting = { marker, perSocket, remaining: targets.length, done };
    if (targets.length === 0) done();
    return async (timeoutMs = 0) => {
      let timer!: ReturnType<typeof setTimeout>;
      const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs || 10_000)));
      const ok = await Promise.race([finished.then(() => true as const), timedOut]);
      clearTimeout(timer);
      this.waiting = null;
      return ok;
    };
  }

  drainAll(): Map<Watcher, Seen[]> {
    return new Map(this.watchers.filter((w) => w.ready).map((w) => [w, w.drain()]));
  }

  /**
   * Closes every socket and waits for the close handshakes. Slow locally: each close is an event
   * the object handles (webSocketClose), a few milliseconds apiece under wrangler dev.
   */
  async closeAll(timeoutMs = 30_000 + 25 * this.watchers.length): Promise<{ notClosed: number; ms: number }> {
    const started = nowMs();
    this.closing = true;
    for (const w of this.watchers) {
      try {
        if (!w.closed) w.ws.close(1000, "bench done");
      } catch {
        // Never opened.
      }
    }
    const all = Promise.all(this.watchers.map((w) => w.closedPromise)).then(() => true);
    const ok = await Promise.race([all, sleep(timeoutMs).then(() => false)]);
    return { notClosed: ok ? 0 : this.watchers.filter((w) => !w.closed).length, ms: nowMs() - started };
  }

  totals(): { messages: number; bytes: number; gaps: number; invalid: number; dropped: number } {
    let messages = 0;
    let bytes = 0;
    let gaps = 0;
    let invalid = 0;
    let dropped = 0;
    for (const w of this.watchers) {
      messages += w.messages;
      bytes += w.bytes;
      gaps += w.gaps;
      invalid += w.invalid;
      if (w.droppedAfterReady) dropped++;
    }
    return { messages, bytes, gaps, invalid, dropped };
  }
}

const sothutuFlavour: Flavour = {
  name: "sothutu",
  readyOnFirstMessage: true,
  parse(w, data) {
    if (data === "pong") return { seen: null, invalid: false, gap: false };
    const msg = parseServerMessage(data);
    if (!msg) return { seen: null, invalid: true, gap: false };
    if (msg.type === "snapshot") {
      // Only the first message should be a snapshot (this client never asks to resync).
      const unexpected = w.last !== null;
      w.last = msg.v;
      return { seen: { t: 0, kind: "snapshot", label: null }, invalid: unexpected, gap: false };
    }
    if (msg.type === "error") return { seen: null, invalid: true, gap: false };
    const gap = w.last === null || msg.from !== w.last;
    w.last = msg.v;
    return { seen: msg.event ? { t: 0, kind: msg.event.kind, label: msg.event.label } : null, invalid: false, gap };
  },
};

const baselineFlavour: Flavour = {
  name: "baseline",
  readyOnFirstMessage: false,
  parse(w, data) {
    let msg: { type?: unknown; seq?: unknown };
    try {
      msg = JSON.parse(data) as typeof msg;
    } catch {
      return { seen: null, invalid: true, gap: false };
    }
    if (msg.type !== "broadcast" || typeof msg.seq !== "number") return { seen: null, invalid: true, gap: false };
    const gap = w.last !== null && msg.seq !== w.last + 1;
    w.last = msg.seq;
    return { seen: { t: 0, kind: "broadcast", label: String(msg.seq) }, invalid: false, gap };
  },
};

// ---------------------------------------------------------------------------------------------
// Measurement

interface CallFigures {
  label: string;
  /** POST → HTTP response. */
  responseMs: number;
  firstMs: number;
  medianMs: number;
  lastMs: number;
  received: number;
  missed: number;
}

interface RunFigures {
  service: string;
  watchers: number;
  open: { ms: number; perSecond: number; failed: number; failures: Record<string, number> };
  calls: CallFigures[];
  lastMs: { p50: number | null; p99: number | null; min: number | null; max: number | null };
  medianMs: { p50: number | null };
  firstMs: { p50: number | null };
  responseMs: { p50: number | null };
  missed: number;
  /** Events other than the measured ones (issued, counter, served) some socket did not get. */
  missedOther: number;
  gaps: number;
  invalid: number;
  dropped: number;
  notClosed: number;
  /** Closing all sockets (close handshakes) took. */
  closeMs: number;
  messages: number;
  avgMessageBytes: number | null;
  calledMessageBytes: number | null;
  /** Negotiated WebSocket extensions ("" = none; Node's client offers permessage-deflate). */
  extensions: string | null;
  /** CPU milliseconds per measured call, per process, during the timed windows. */
  cpuMsPerCall: Record<string, number | null>;
  fds: Record<string, number>;
  /** Resident memory per process after the calls, N sockets open. */
  rssMiB: Record<string, number>;
}

function summarise(service: string, n: number, open: RunFigures["open"], calls: CallFigures[], set: WatcherSet, extra: { missedOther: number; closed: { notClosed: number; ms: number }; calledBytes: number | null; cpu: Map<string, number>; fds: Record<string, number>; rss: Record<string, number> }): RunFigures {
  const last = asc(calls.map((c) => c.lastMs).filter(Number.isFinite));
  const t = set.totals();
  const cpuMsPerCall: Record<string, number | null> = {};
  for (const [role, ms] of extra.cpu) cpuMsPerCall[role] = round(ms / Math.max(1, calls.length), 2);
  return {
    service,
    watchers: n,
    open,
    calls,
    lastMs: { p50: round(pct(last, 50)), p99: round(pct(last, 99)), min: round(last[0] ?? Number.NaN), max: round(last.at(-1) ?? Number.NaN) },
    medianMs: { p50: round(pct(asc(calls.map((c) => c.medianMs).filter(Number.isFinite)), 50)) },
    firstMs: { p50: round(pct(asc(calls.map((c) => c.firstMs).filter(Number.isFinite)), 50)) },
    responseMs: { p50: round(pct(asc(calls.map((c) => c.responseMs)), 50)) },
    missed: calls.reduce((s, c) => s + c.missed, 0),
    missedOther: extra.missedOther,
    gaps: t.gaps,
    invalid: t.invalid,
    dropped: t.dropped,
    notClosed: extra.closed.notClosed,
    closeMs: round(extra.closed.ms)!,
    messages: t.messages,
    avgMessageBytes: t.messages ? Math.round(t.bytes / t.messages) : null,
    calledMessageBytes: extra.calledBytes,
    extensions: set.extensions,
    cpuMsPerCall,
    fds: extra.fds,
    rssMiB: extra.rss,
  };
}

/** Latencies of one measured event (kind + label) across the sockets, from t0. */
function figuresFor(drained: Map<Watcher, Seen[]>, targets: Watcher[], kind: string, label: string, t0: number, responseMs: number): CallFigures {
  const lat: number[] = [];
  for (const w of targets) {
    const hit = drained.get(w)?.find((s) => s.kind === kind && s.label === label);
    if (hit) lat.push(hit.t - t0);
  }
  const sorted = asc(lat);
  return {
    label,
    responseMs: round(responseMs, 2)!,
    firstMs: round(sorted[0] ?? Number.NaN, 2) ?? Number.NaN,
    medianMs: round(pct(sorted, 50), 2) ?? Number.NaN,
    lastMs: round(sorted.at(-1) ?? Number.NaN, 2) ?? Number.NaN,
    received: sorted.length,
    missed: targets.length - sorted.length,
  };
}

/** Counts sockets that did not get an (unmeasured) event. */
function missing(drained: Map<Watcher, Seen[]>, targets: Watcher[], kind: string, label: string | null): number {
  return targets.filter((w) => !drained.get(w)?.some((s) => s.kind === kind && (label === null || s.label === label))).length;
}

function addCpu(total: Map<string, number>, before: Map<string, number>, after: Map<string, number>): void {
  for (const [role, v] of after) total.set(role, (total.get(role) ?? 0) + v - (before.get(role) ?? 0));
}

function progress(text: string): void {
  console.log(`  ${text}`);
}

let citizenCounter = 0;
/** Distinct valid ID numbers: province 001 (Hà Nội), male born 1990, then a serial. */
function nextCitizenId(): string {
  citizenCounter++;
  if (citizenCounter > 99_999) throw new Error("out of bench citizen IDs");
  return `0010900${String(citizenCounter).padStart(5, "0")}`;
}

let counterOpen = false;
let bookingMode: "online" | "walk-in" = "online";

interface TimedWindow {
  open(): void;
  close(): void;
}

/** One service's part of a run: its sockets, its rounds, its figures. */
interface Side {
  readonly server: Server;
  readonly set: WatcherSet;
  open(n: number, o: Options): Promise<void>;
  /**
   * One measured (or warm-up) call or broadcast; returns its figures. `clock` is told when the
   * timed window opens (just before arming the wait and the request) and closes (every socket
   * heard, or the timeout), to take CPU samples there.
   */
  round(o: Options, clock: TimedWindow): Promise<CallFigures>;
  finish(o: Options): Promise<void>;
}

function openFigures(name: string, n: number, opened: { ms: number; failed: number; failures: Record<string, number> }, what: string): RunFigures["open"] {
  progress(`${name}: ${n - opened.failed}/${n} sockets ${what} after ${(opened.ms / 1000).toFixed(1)} s${opened.failed ? ` (failed: ${JSON.stringify(opened.failures)})` : ""}`);
  return { ms: round(opened.ms)!, perSecond: Math.round((n - opened.failed) / (opened.ms / 1000)), failed: opened.failed, failures: opened.failures };
}

class SothutuSide implements Side {
  readonly set = new WatcherSet(sothutuFlavour);
  openFigures: RunFigures["open"] | null = null;
  missedOther = 0;
  calledBytes: number | null = null;
  /** The last "called" delta as received (the baseline can carry a copy: --baseline-payload called). */
  calledText: string | null = null;
  private labels: string[] = [];
  private current: string | null = null;
  private readonly staff: Record<string, string>;

  constructor(
    readonly server: Server,
    staffToken: string,
  ) {
    this.staff = { authorization: `Bearer ${staffToken}` };
  }

  private counterPath(action: string): string {
    return `/api/v1/staff/branches/${BRANCH}/counters/${COUNTER}/${action}`;
  }

  async open(n: number, o: Options): Promise<void> {
    const issued = await expectOk(this.server.base, "POST", `/api/v1/staff/branches/${BRANCH}/display-tokens`, { headers: this.staff, body: { label: "bench" } });
    progress(`sothutu: opening ${n} display sockets…`);
    const opened = await this.set.open(`${this.server.wsBase}${issued.url as string}`, n, o.batch);
    this.openFigures = openFigures("sothutu", n, opened, "have their snapshot");
    this.set.drainAll();
  }

  /**
   * Books the tickets the calls need while the displays watch. With 200 or more sockets the hub
   * sends bookings together (one delta per ~250 ms, carrying the last booking's event), so not
   * every label appears as an event: every socket must hear the last one, and the version chain
   * (gaps) proves nothing was skipped in between.
   */
  async prepare(o: Options): Promise<void> {
    const total = o.warmup + o.calls;
    this.labels = [];
    for (let i = 0; i < total; i++) this.labels.push(await this.book(nextCitizenId()));
    const lastLabel = this.labels.at(-1)!;
    const heard = (w: Watcher) => w.inbox.some((r) => r.data.includes('"kind":"issued"') && r.data.includes(`"label":"${lastLabel}"`));
    const until = nowMs() + o.timeoutMs;
    while (nowMs() < until && !this.set.active.every(heard)) await sleep(50);
    this.missedOther += missing(this.set.drainAll(), this.set.active, "issued", lastLabel);
    progress(`sothutu: booked ${this.labels[0]}…${this.labels.at(-1)}`);
    if (!counterOpen) {
      const waitOpen = this.set.arm('"kind":"counter"');
      await expectOk(this.server.base, "POST", this.counterPath("open"), { headers: this.staff });
      await waitOpen(o.timeoutMs);
      this.missedOther += missing(this.set.drainAll(), this.set.active, "counter", null);
      counterOpen = true;
    }
  }

  /**
   * Books one number: online with the interim `X-Citizen-Id` header; where the service no longer
   * takes that header (401: real sign-in), at reception (staff walk-in, ID number typed).
   */
  private async book(idNumber: string): Promise<string> {
    if (bookingMode === "online") {
      const r = await http(this.server.base, "POST", "/api/v1/tickets", { headers: { "x-citizen-id": idNumber }, body: { branchId: BRANCH, fieldCode: FIELD } });
      if (r.status === 201) return r.json.ticket.label as string;
      if (r.status !== 401) throw new Error(`POST /api/v1/tickets: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 400)}`);
      bookingMode = "walk-in";
      progress("sothutu: POST /api/v1/tickets refuses X-Citizen-Id (401); booking as walk-ins at reception (POST /api/v1/staff/branches/:id/tickets)");
    }
    const booked = await expectOk(this.server.base, "POST", `/api/v1/staff/branches/${BRANCH}/tickets`, { headers: this.staff, body: { idNumber, identityCheck: "typed", fieldCode: FIELD } });
    return booked.ticket.label as string;
  }

  /** Completes the ticket at the counter and waits until every socket heard of it. */
  private async complete(o: Options): Promise<void> {
    const label = this.current;
    if (!label) return;
    const waitServed = this.set.arm('"kind":"served"');
    await expectOk(this.server.base, "POST", this.counterPath("complete"), { headers: this.staff });
    await waitServed(o.timeoutMs);
    this.missedOther += missing(this.set.drainAll(), this.set.active, "served", label);
    this.current = null;
  }

  async round(o: Options, clock: TimedWindow): Promise<CallFigures> {
    await this.complete(o);
    const targets = this.set.active;
    clock.open();
    const waitCalled = this.set.arm('"kind":"called"');
    const t0 = nowMs();
    const res = await expectOk(this.server.base, "POST", this.counterPath("call-next"), { headers: this.staff });
    const responseMs = nowMs() - t0;
    await waitCalled(o.timeoutMs);
    clock.close();
    const label = res.ticket?.label as string | undefined;
    if (!label) throw new Error(`call-next called nobody: ${JSON.stringify(res)}`);
    this.current = label;
    const raw = targets[0]?.inbox.find((r) => r.data.includes('"kind":"called"'));
    if (raw) {
      this.calledBytes = raw.data.length;
      this.calledText = raw.data;
    }
    return figuresFor(this.set.drainAll(), targets, "called", label, t0, responseMs);
  }

  async finish(o: Options): Promise<void> {
    await this.complete(o);
  }
}

let broadcastSeq = 0;

/**
 * A bearer token for /api/v1/staff/…: a session of the demo administrator, whose password
 * scripts/start.sh prints once for a fresh state ("Staff: user admin, password …"), or, in
 * revisions from before staff accounts, the shared STAFF_TOKEN of .dev.vars.
 */
async function staffCredential(server: Server, src: string): Promise<{ token: string; how: string }> {
  const password = /^Staff: *user admin, password ([A-Za-z0-9_-]+) /m.exec(server.log())?.[1];
  if (password) {
    const r = await expectOk(server.base, "POST", "/api/v1/staff/auth/login", { body: { username: "admin", password } });
    if (typeof r?.token !== "string") throw new Error(`staff sign-in answered no token: ${JSON.stringify(r).slice(0, 200)}`);
    return { token: r.token, how: "signed in as the demo administrator (POST /api/v1/staff/auth/login)" };
  }
  let vars = "";
  try {
    vars = fs.readFileSync(`${src}/.dev.vars`, "utf8");
  } catch {
    // No local secrets.
  }
  const token = (vars.match(/^STAFF_TOKEN=(.*)$/m)?.[1] ?? "").trim().replace(/^["']|["']$/g, "");
  if (token) return { token, how: "STAFF_TOKEN from .dev.vars" };
  throw new Error("no staff credential: the server log shows no demo administrator password and .dev.vars has no STAFF_TOKEN");
}

class BaselineSide implements Side {
  readonly set = new WatcherSet(baselineFlavour);
  openFigures: RunFigures["open"] | null = null;
  calledBytes: number | null = null;

  /** `called()`: sothutu's last called delta, for --baseline-payload called. */
  constructor(
    readonly server: Server,
    private readonly called: () => string | null,
  ) {}

  async open(n: number, o: Options): Promise<void> {
    progress(`baseline: opening ${n} sockets${o.baselineDeflate ? "" : " (refusing permessage-deflate)"}…`);
    this.openFigures = openFigures("baseline", n, await this.set.open(`${this.server.wsBase}/ws${o.baselineDeflate ? "" : "?deflate=off"}`, n, o.batch), "open");
  }

  async round(o: Options, clock: TimedWindow): Promise<CallFigures> {
    const seq = ++broadcastSeq;
    const targets = this.set.active;
    clock.open();
    const wait = this.set.arm(`"seq":${seq}}`);
    const t0 = nowMs();
    const text = o.baselinePayload === "called" ? this.called() : null;
    const res = await expectOk(this.server.base, "POST", "/broadcast", { body: text === null ? { seq } : { seq, payload: JSON.parse(text) } });
    const responseMs = nowMs() - t0;
    await wait(o.timeoutMs);
    clock.close();
    if (res.sent !== targets.length) progress(`baseline: broadcast ${seq} went to ${res.sent} sockets, ${targets.length} open here`);
    const raw = targets[0]?.inbox[0];
    if (raw) this.calledBytes = raw.data.length;
    return figuresFor(this.set.drainAll(), targets, "broadcast", String(seq), t0, responseMs);
  }

  async finish(): Promise<void> {}
}

/**
 * One N: both services get N sockets (idle sockets cost nothing), then calls and broadcasts
 * alternate, so that whatever else the machine does weighs on both alike.
 */
async function runN(sothutu: Server, baseline: Server, staffToken: string, n: number, o: Options): Promise<{ sothutu: RunFigures; baseline: RunFigures }> {
  const s = new SothutuSide(sothutu, staffToken);
  const b = new BaselineSide(baseline, () => s.calledText);
  try {
    return await measureN(s, b, n, o);
  } catch (err) {
    // Leave no sockets behind for the next N (best effort; the servers may be gone).
    await Promise.all([s.set.closeAll(5_000), b.set.closeAll(5_000)]);
    throw err;
  }
}

async function measureN(s: SothutuSide, b: BaselineSide, n: number, o: Options): Promise<{ sothutu: RunFigures; baseline: RunFigures }> {
  const [sothutu, baseline] = [s.server, b.server];
  await s.open(n, o);
  await b.open(n, o);
  const fds = { sothutu: fdCounts(sothutu.processes()), baseline: fdCounts(baseline.processes()) };
  await s.prepare(o);
  const sides = [
    { side: s as Side, calls: [] as CallFigures[], cpu: new Map<string, number>(), pids: sothutu.processes() },
    { side: b as Side, calls: [] as CallFigures[], cpu: new Map<string, number>(), pids: baseline.processes() },
  ];
  const total = o.warmup + o.calls;
  for (let i = 0; i < total; i++) {
    for (const x of sides) {
      let before = new Map<string, number>();
      let after = new Map<string, number>();
      const f = await x.side.round(o, { open: () => (before = cpuOf(x.pids)), close: () => (after = cpuOf(x.pids)) });
      if (i >= o.warmup) {
        x.calls.push(f);
        addCpu(x.cpu, before, after);
      }
      if (f.missed) progress(`${x.side.set.flavour.name}: ${f.label}: ${f.missed} sockets missed it`);
    }
    if ((i + 1) % 10 === 0 && i + 1 < total) progress(`${i + 1}/${total} calls`);
  }
  // After the calls: what the runtime holds for N sockets that have been sent messages (a
  // compressing socket keeps its deflate context).
  const rss = { sothutu: rssMiB(sothutu.processes()), baseline: rssMiB(baseline.processes()) };
  await s.finish(o);
  const [sClosed, bClosed] = await Promise.all([s.set.closeAll(), b.set.closeAll()]);
  s.set.drainAll();
  b.set.drainAll();
  return {
    sothutu: summarise("sothutu", n, s.openFigures!, sides[0]!.calls, s.set, { missedOther: s.missedOther, closed: sClosed, calledBytes: s.calledBytes, cpu: sides[0]!.cpu, fds: fds.sothutu, rss: rss.sothutu }),
    baseline: summarise("baseline", n, b.openFigures!, sides[1]!.calls, b.set, { missedOther: 0, closed: bClosed, calledBytes: b.calledBytes, cpu: sides[1]!.cpu, fds: fds.baseline, rss: rss.baseline }),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

type LogProblems = { tooManyOpenFiles: number; runtimeCrashes: number };
interface RunResult {
  n: number;
  sothutu: RunFigures;
  baseline: RunFigures;
  ratio: { p50: number | null; p99: number | null };
  /** New lines in the server logs during this N. */
  serverLog: { sothutu: LogProblems; baseline: LogProblems };
}
interface RunError {
  n: number;
  error: string;
  serverLog: { sothutu: LogProblems; baseline: LogProblems };
}

function logSummary(l: { sothutu: LogProblems; baseline: LogProblems }): string {
  const one = (name: string, p: LogProblems) =>
    p.tooManyOpenFiles || p.runtimeCrashes ? `${name} log: ${p.tooManyOpenFiles}× "Too many open files", runtime crashed and restarted ${p.runtimeCrashes}×` : "";
  return [one("sothutu", l.sothutu), one("baseline", l.baseline)].filter(Boolean).join("; ");
}

function fmt(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}
function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    return ri === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
  }).join("\n");
}

function report(results: RunResult[], errors: RunError[]): void {
  const rows: string[][] = [[
    "N",
    "open s (svc/base)",
    "failed",
    "call→last p50",
    "p99",
    "base p50",
    "base p99",
    "ratio p50",
    "ratio p99",
    "call→median p50",
    "base median p50",
    "missed",
    "gaps",
  ]];
  for (const { n, sothutu: s, baseline: b } of results) {
    rows.push([
      String(n),
      `${fmt(s.open.ms / 1000)} / ${fmt(b.open.ms / 1000)}`,
      `${s.open.failed}/${b.open.failed}`,
      `${fmt(s.lastMs.p50)} ms`,
      `${fmt(s.lastMs.p99)} ms`,
      `${fmt(b.lastMs.p50)} ms`,
      `${fmt(b.lastMs.p99)} ms`,
      `${fmt(ratio(s.lastMs.p50, b.lastMs.p50), 2)}×`,
      `${fmt(ratio(s.lastMs.p99, b.lastMs.p99), 2)}×`,
      `${fmt(s.medianMs.p50)} ms`,
      `${fmt(b.medianMs.p50)} ms`,
      String(s.missed + s.missedOther + b.missed),
      String(s.gaps + b.gaps),
    ]);
  }
  for (const e of errors) rows.push([String(e.n), "FAILED", ...Array<string>(rows[0]!.length - 2).fill("–")]);
  console.log(`\n${table(rows)}`);
  console.log("\n(failed, missed, gaps: sothutu + baseline; missed includes issued/counter/served events. p99 over so few calls is the slowest call.)");
  for (const r of results) {
    const { n, sothutu: s, baseline: b } = r;
    console.log(`\nN=${n}`);
    console.log(`  sothutu  call→last per call (ms): ${s.calls.map((c) => fmt(c.lastMs, 0)).join(" ")}`);
    console.log(`  baseline POST→last per call (ms): ${b.calls.map((c) => fmt(c.lastMs, 0)).join(" ")}`);
    console.log(`  p50 of POST→HTTP response: sothutu ${fmt(s.responseMs.p50)} ms, baseline ${fmt(b.responseMs.p50)} ms; p50 of →first socket: ${fmt(s.firstMs.p50)} / ${fmt(b.firstMs.p50)} ms`);
    console.log(`  message size: called delta ${s.calledMessageBytes ?? "–"} B (avg of all ${s.avgMessageBytes ?? "–"} B), baseline ${b.calledMessageBytes ?? "–"} B`);
    console.log(`  negotiated extensions: sothutu ${JSON.stringify(s.extensions)}, baseline ${JSON.stringify(b.extensions)}`);
    console.log(`  opening: sothutu ${s.open.perSecond}/s, baseline ${b.open.perSecond}/s; closing all: ${fmt(s.closeMs / 1000)} s / ${fmt(b.closeMs / 1000)} s`);
    const roles = [...new Set([...Object.keys(s.cpuMsPerCall), ...Object.keys(b.cpuMsPerCall)])];
    console.log(`  CPU ms per call: ${roles.map((r) => `${r} ${fmt(s.cpuMsPerCall[r] ?? null, 0)} / ${fmt(b.cpuMsPerCall[r] ?? null, 0)}`).join("; ")}  (sothutu / baseline, 10 ms ticks)`);
    console.log(`  open fds with N sockets: sothutu ${JSON.stringify(s.fds)}, baseline ${JSON.stringify(b.fds)}`);
    console.log(`  resident MiB after the calls: sothutu ${JSON.stringify(s.rssMiB)}, baseline ${JSON.stringify(b.rssMiB)}`);
    const problems = [
      s.dropped + b.dropped ? `${s.dropped + b.dropped} sockets dropped` : "",
      s.invalid + b.invalid ? `${s.invalid + b.invalid} invalid messages` : "",
      s.notClosed + b.notClosed ? `${s.notClosed + b.notClosed} sockets did not close` : "",
    ].filter(Boolean);
    const logs = logSummary(r.serverLog);
    if (logs) problems.push(logs);
    if (problems.length) console.log(`  PROBLEMS: ${problems.join(", ")}`);
  }
  for (const e of errors) {
    console.log(`\nN=${e.n}: FAILED: ${e.error}`);
    const logs = logSummary(e.serverLog);
    if (logs) console.log(`  ${logs}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const o = parseOptions(proc.argv.slice(2));
  if (!o.clientDeflate) useUncompressedClient();
  const maxN = Math.max(...o.watchers);
  const limit = openFileLimit();
  // Measured with wrangler 4.164: the workerd behind wrangler's public port (its proxy Worker)
  // holds about 4 descriptors per socket, the Worker's own workerd 2, this process 1.
  const perSocket = o.direct ? 2 : 4;
  const needed = perSocket * maxN + 512;
  console.log(`live-fanout: watchers ${o.watchers.join(", ")}; calls ${o.calls} (+${o.warmup} warm-up); batch ${o.batch}; ulimit -n ${limit ?? "?"}${o.direct ? "; --direct" : ""}`);
  if (limit !== null && limit < needed) {
    console.warn(
      `live-fanout: WARNING: ulimit -n is ${limit}, but ${maxN} sockets need about ${needed} in one workerd process ` +
        `(~${perSocket} per socket${o.direct ? "" : " behind wrangler dev's proxy"}): expect "Too many open files" beyond ~${Math.floor((limit - 512) / perSocket)} sockets. ` +
        `Raise the limit (npm run bench:live tries \`ulimit -n 65536\`; the hard limit is ${hardLimit() ?? "?"})${o.direct ? "" : " or try --direct"}.`,
    );
  }

  const tmp = fs.mkdtempSync(`${os.tmpdir()}/sothutu-bench-`);
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  let failed = true;
  try {
    const src = `${tmp}/src`;
    snapshotTree(src, o.ref);
    const git = gitState(o.ref);
    // Node 24 as scripts/with-node.sh installed it for the project (not again for the copy).
    const nodeCache = { SOTHUTU_NODE_CACHE: proc.env.SOTHUTU_NODE_CACHE ?? `${ROOT}/.cache/node` };
    const [svcPort, svcInspector, basePort, baseInspector] =
      o.port !== null ? [o.port, o.port + 1, o.port + 2, o.port + 3] : [await freePort(), await freePort(), await freePort(), await freePort()];
    const sothutu = new Server("sothutu", svcPort, `${tmp}/sothutu.log`, src, "bash", ["scripts/start.sh", "--inspector-port", String(svcInspector)], {
      ...nodeCache,
      SOTHUTU_PERSIST_DIR: `${tmp}/sothutu-state`,
      PORT: String(svcPort),
    });
    const baseline = new Server("baseline", basePort, `${tmp}/baseline.log`, src, "bash", [
      "scripts/with-node.sh",
      `${src}/node_modules/.bin/wrangler`,
      "dev",
      "-c",
      "bench/baseline/wrangler.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(basePort),
      "--inspector-port",
      String(baseInspector),
      "--persist-to",
      `${tmp}/baseline-state`,
    ], nodeCache);
    console.log(`starting sothutu (port ${svcPort}) and the baseline (port ${basePort}) from a copy of ${o.ref === null ? `the working tree (${git.commit?.slice(0, 12) ?? "?"} + ${git.changedFiles ?? "?"} changed files)` : `${o.ref} (${git.commit?.slice(0, 12) ?? "?"})`}; logs in ${tmp}`);
    const [svcReady, baseReady] = await Promise.all([sothutu.waitReady("/api/v1/branches", 180_000), baseline.waitReady("/", 180_000)]);
    console.log(`ready: sothutu after ${(svcReady / 1000).toFixed(1)} s, baseline after ${(baseReady / 1000).toFixed(1)} s`);
    if (o.direct) {
      const [a, b] = [await sothutu.useDirectPort("/api/v1/branches"), await baseline.useDirectPort("/")];
      console.log(`--direct: sockets and requests go to the Worker runtimes' own ports (sothutu ${a}, baseline ${b}), bypassing wrangler's proxy`);
    }

    const days = await expectOk(sothutu.base, "GET", `/api/v1/branches/${BRANCH}/days`);
    if (days?.days?.[0]?.bookable !== true) throw new Error(`today (${days?.today}) is not bookable at ${BRANCH}; the demo clock should have made it so: ${JSON.stringify(days?.days?.[0])}`);
    const staff = await staffCredential(sothutu, src);
    const staffToken = staff.token;
    console.log(`staff: ${staff.how}`);

    const results: RunResult[] = [];
    const errors: RunError[] = [];
    for (const n of o.watchers) {
      console.log(`\nN = ${n}`);
      const before = { sothutu: sothutu.logProblems(), baseline: baseline.logProblems() };
      const logDelta = () => {
        const now = { sothutu: sothutu.logProblems(), baseline: baseline.logProblems() };
        return {
          sothutu: { tooManyOpenFiles: now.sothutu.tooManyOpenFiles - before.sothutu.tooManyOpenFiles, runtimeCrashes: now.sothutu.runtimeCrashes - before.sothutu.runtimeCrashes },
          baseline: { tooManyOpenFiles: now.baseline.tooManyOpenFiles - before.baseline.tooManyOpenFiles, runtimeCrashes: now.baseline.runtimeCrashes - before.baseline.runtimeCrashes },
        };
      };
      try {
        const { sothutu: s, baseline: b } = await runN(sothutu, baseline, staffToken, n, o);
        results.push({ n, sothutu: s, baseline: b, ratio: { p50: ratio(s.lastMs.p50, b.lastMs.p50), p99: ratio(s.lastMs.p99, b.lastMs.p99) }, serverLog: logDelta() });
      } catch (err) {
        if (cleaningUp) break; // Ctrl-C: the servers are being stopped under our feet.
        // A run that broke (e.g. the runtime ran out of descriptors and restarted) ends the
        // benchmark; what was measured so far is still reported.
        const error = err instanceof Error ? err.message : String(err);
        errors.push({ n, error, serverLog: logDelta() });
        console.error(`  N=${n} failed: ${error}`);
        break;
      }
    }
    // Interrupted: no table, and no half-run over the last results file.
    if (cleaningUp) return 130;
    report(results, errors);
    console.log(`\nload average (1/5/15 min): ${loadAtStart.join(" ")} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} now, on ${os.cpus().length} CPUs`);

    const bad =
      errors.length > 0 ||
      results.some(({ sothutu: s, baseline: b }) => [s, b].some((r) => r.open.failed > 0 || r.missed > 0 || r.missedOther > 0 || r.gaps > 0 || r.invalid > 0 || r.dropped > 0));
    const json = {
      benchmark: "live-fanout",
      at: new Date().toISOString(),
      options: o,
      source: { ...git, note: "the servers ran from a copy of this source taken at the start" },
      machine: { node: proc.version, platform: proc.platform, release: os.release(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryGiB: Math.round(os.totalmem() / 2 ** 30), openFileLimit: limit, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => round(x, 2)) } },
      what: {
        sothutu: "display sockets on hn-cn01; t0 just before POST counters/1/call-next; per socket until the delta with event {kind:'called', label}",
        baseline: "bench/baseline/worker.ts under wrangler dev; t0 just before POST /broadcast; per socket until the message with that seq",
        lastMs: "per call, the slowest socket; p50/p99 over the measured calls (nearest rank)",
      },
      staff: staff.how,
      booking: bookingMode === "online" ? "POST /api/v1/tickets (X-Citizen-Id)" : "staff walk-in (POST /api/v1/staff/branches/:id/tickets)",
      ok: !bad,
      results,
      errors,
    };
    fs.mkdirSync(o.out.replace(/\/[^/]*$/, "") || ".", { recursive: true });
    fs.writeFileSync(o.out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nWrote ${o.out}`);
    if (bad) console.error("live-fanout: FAILED: sockets failed to open, dropped, missed events, saw version gaps or got invalid messages (see above)");
    failed = bad;
    return bad ? 1 : 0;
  } finally {
    await stopAll();
    if (o.keep || failed) console.log(`(state and server logs kept in ${tmp})`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  proc.exitCode = await main();
} catch (err) {
  console.error(`live-fanout: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  proc.exitCode = 1;
}
// Sockets and timers may linger; the figures are written.
proc.exit(proc.exitCode);
