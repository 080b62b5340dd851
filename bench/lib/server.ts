/**
 * The local service under test: a copy of the working tree started with scripts/start.sh
 * (migrations, demo seed, demo clock, `wrangler dev` → workerd) on a private state directory, in
 * its own process group. Also: which processes are the runtime, their CPU time and peak memory
 * (Linux /proc), and killing the runtime outright (the crash test).
 *
 * Why a copy: `wrangler dev` reloads the Worker whenever a source file changes (closing every
 * socket and resetting in-memory state), and other people edit this tree while a benchmark runs.
 */
import { childProcess, fs, net, nowMs, proc, ROOT, sleep } from "./node";

/** Top-level entries the copy leaves out (node_modules is linked, not copied). */
const NOT_COPIED = new Set(["node_modules", ".git", ".cache", ".wrangler", "dist"]);

/** Copies the working tree to `dest` and links node_modules (which must be installed and current). */
export function snapshotTree(dest: string): void {
  const installed = `${ROOT}/node_modules/.package-lock.json`;
  let installedAt = 0;
  try {
    installedAt = fs.statSync(installed).mtimeMs;
  } catch {
    throw new Error("node_modules is not installed: run `bash scripts/start.sh --install-only` first");
  }
  if (fs.statSync(`${ROOT}/package-lock.json`).mtimeMs > installedAt) {
    throw new Error("node_modules is older than package-lock.json: run `bash scripts/start.sh --install-only` first");
  }
  fs.cpSync(ROOT, dest, {
    recursive: true,
    preserveTimestamps: true, // package-lock.json stays older than node_modules: start.sh skips npm ci
    filter: (src) => {
      const rel = src === ROOT ? "" : src.slice(ROOT.length + 1);
      const top = rel.split("/")[0]!;
      return !NOT_COPIED.has(top) && !rel.startsWith("bench/results") && !rel.startsWith("bench/report");
    },
  });
  fs.symlinkSync(`${ROOT}/node_modules`, `${dest}/node_modules`);
}

/** The commit and how many files differ from it (what the figures were measured on). */
export function gitState(): { commit: string | null; changedFiles: number | null } {
  const head = childProcess.spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" });
  const status = childProcess.spawnSync("git", ["-C", ROOT, "status", "--porcelain"], { encoding: "utf8" });
  return {
    commit: head.status === 0 ? head.stdout.trim() : null,
    changedFiles: status.status === 0 ? status.stdout.split("\n").filter(Boolean).length : null,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface RuntimeProcess {
  pid: number;
  role: "workerd (public port)" | "workerd (internal)" | "wrangler";
}

const live = new Set<LocalService>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  proc.on("exit", () => {
    for (const s of live) s.killNow();
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    proc.on(sig, () => {
      console.error(`\n${sig}: stopping the local service…`);
      void Promise.all([...live].map((s) => s.stop())).finally(() => proc.exit(sig === "SIGINT" ? 130 : 143));
    });
  }
}

export interface ServiceOptions {
  /** The copy of the tree to run (snapshotTree). */
  src: string;
  port: number;
  stateDir: string;
  logPath: string;
  /** Extra `wrangler dev` arguments (after start.sh's own). */
  args?: string[];
  env?: Record<string, string>;
  /**
   * "miniflare": scripts/serve-miniflare.ts (workerd through Miniflare, no wrangler dev extras);
   * "wrangler": `wrangler dev`, as `npm start` runs it. See scripts/start.sh.
   */
  runtime?: Runtime;
}

export type Runtime = "miniflare" | "wrangler";

/** One run of scripts/start.sh (its own process group). */
export class LocalService {
  exited = false;
  exitInfo = "";
  private pid = 0;
  /** The Worker runtime's own port (past wrangler dev's proxy), when found. */
  directPort = 0;
  useDirect = false;

  constructor(readonly o: ServiceOptions) {
    installHandlers();
  }

  get runtime(): Runtime {
    return this.o.runtime ?? "wrangler";
  }

  get base(): string {
    return `http://127.0.0.1:${this.useDirect && this.directPort ? this.directPort : this.o.port}`;
  }

  get wsBase(): string {
    return this.base.replace(/^http/, "ws");
  }

  start(): void {
    this.exited = false;
    const fd = fs.openSync(this.o.logPath, "a");
    const child = childProcess.spawn("bash", ["scripts/start.sh", ...(this.o.args ?? [])], {
      cwd: this.o.src,
      env: {
        ...proc.env,
        SOTHUTU_NODE_CACHE: proc.env.SOTHUTU_NODE_CACHE ?? `${ROOT}/.cache/node`,
        SOTHUTU_PERSIST_DIR: this.o.stateDir,
        PORT: String(this.o.port),
        // The benchmarks need no web pages (start.sh then reuses web/dist).
        SOTHUTU_SKIP_WEB_BUILD: "1",
        SOTHUTU_RUNTIME: this.runtime,
        ...this.o.env,
      },
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error("could not start scripts/start.sh");
    this.pid = child.pid;
    child.on("exit", (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `signal ${signal}` : `exit ${code}`;
    });
    live.add(this);
  }

  log(): string {
    try {
      return fs.readFileSync(this.o.logPath, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 40): string {
    return this.log().split("\n").slice(-lines).join("\n") || "(no log)";
  }

  async waitReady(path = "/api/v1/branches", timeoutMs = 180_000): Promise<number> {
    const started = nowMs();
    for (;;) {
      if (this.exited) throw new Error(`the local service exited (${this.exitInfo}) before answering; log ${this.o.logPath}:\n${this.logTail()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.o.port}${path}`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        // Not listening yet.
      }
      if (nowMs() - started > timeoutMs) throw new Error(`no answer from GET ${path} within ${timeoutMs / 1000}s; log ${this.o.logPath}:\n${this.logTail()}`);
      await sleep(300);
    }
    // Through Miniflare the public port is the Worker's runtime itself: there is no proxy to skip.
    if (this.useDirect && this.runtime === "wrangler") await this.findDirectPort(path);
    return nowMs() - started;
  }

  /**
   * The port on which the Worker's own workerd listens (wrangler dev puts a proxy Worker, in a
   * second workerd, in front of it): found by probing that process's listening sockets.
   */
  async findDirectPort(path: string): Promise<number> {
    this.directPort = 0;
    const inner = this.processes().filter((p) => p.role === "workerd (internal)").map((p) => p.pid);
    return (this.directPort = await entryPortOf(inner, path));
  }

  /** The processes of the group: wrangler, the proxy workerd and the Worker's workerd. */
  processes(): RuntimeProcess[] {
    const out: RuntimeProcess[] = [];
    for (const entry of safeReaddir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) !== this.pid) continue; // process group
        const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        const bin = cmd[0] ?? "";
        if (bin.endsWith("/workerd") || bin === "workerd") {
          // Under wrangler dev the public port belongs to its proxy's workerd; under Miniflare
          // the one workerd is the Worker's.
          const proxy = this.runtime === "wrangler" && cmd.some((a) => a === `--socket-addr=entry=127.0.0.1:${this.o.port}`);
          out.push({ pid: Number(entry), role: proxy ? "workerd (public port)" : "workerd (internal)" });
        } else if (/(^|\/)node$/.test(bin) && cmd.some((a) => (a.endsWith("cli.js") && a.includes("wrangler")) || a.endsWith("serve-miniflare.ts"))) {
          out.push({ pid: Number(entry), role: "wrangler" });
        }
      } catch {
        // Gone meanwhile.
      }
    }
    return out;
  }

  /** The Worker's own workerd (where the Durable Objects run). */
  runtimePids(): number[] {
    return this.processes().filter((p) => p.role === "workerd (internal)").map((p) => p.pid);
  }

  /** SIGKILL to every workerd of the group (the crash test): no shutdown, no flush. */
  killRuntime(): number[] {
    const pids = this.processes().filter((p) => p.role !== "wrangler").map((p) => p.pid);
    for (const pid of pids) {
      try {
        proc.kill(pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
    return pids;
  }

  private groupAlive(): boolean {
    try {
      proc.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM to the group, SIGKILL after 10 s. */
  async stop(): Promise<void> {
    live.delete(this);
    if (!this.pid) return;
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
    if (!this.pid) return;
    try {
      proc.kill(-this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * The port on which the Worker's own workerd listens (wrangler dev puts a proxy Worker, in a
 * second workerd, in front of it): the listening sockets of `pids` (Linux /proc), probed with
 * GET `path`. Relies on wrangler dev's internals; the benchmarks use it to skip the proxy.
 */
export async function entryPortOf(pids: number[], path: string): Promise<number> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // Closed meanwhile.
      }
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9] ?? "")) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  for (const port of ports) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.ok) return port;
    } catch {
      // Not the entry socket.
    }
  }
  throw new Error(`found no port of the Worker's runtime answering GET ${path} (listening: ${ports.join(", ") || "none"})`);
}

function safeReaddir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch {
    return [];
  }
}

/** Open file descriptors of processes (Linux /proc). */
export function openFds(pids: number[]): number {
  return pids.reduce((n, pid) => n + safeReaddir(`/proc/${pid}/fd`).length, 0);
}

/** CPU milliseconds (user + system) of processes, from /proc/<pid>/stat (10 ms clock ticks). */
export function cpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) * 10; // utime, stime
    } catch {
      // Gone.
    }
  }
  return total;
}

/** Peak resident memory (VmHWM, MiB) and current (VmRSS, MiB) of processes, summed. */
export function memoryMiB(pids: number[]): { peak: number; now: number } {
  let peak = 0;
  let now = 0;
  for (const pid of pids) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      now += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      // Gone.
    }
  }
  return { peak: Math.round(peak), now: Math.round(now) };
}

/** The staff administrator's password that start.sh printed once for a fresh state. */
export function adminPassword(log: string): string | null {
  return /^Staff: *user admin, password ([A-Za-z0-9_-]+) /m.exec(log)?.[1] ?? null;
}

/** The demo clock offset start.sh chose (so tokens minted here agree with the service clock). */
export function clockOffset(log: string): number {
  const m = /CLOCK_OFFSET_MS=(\d+)/.exec(log);
  return m ? Number(m[1]) : 0;
}
