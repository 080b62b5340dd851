/**
 * Brings up the local service for a benchmark: a copy of the tree, the bench branches seeded into
 * its D1, the stand-in city platform's public keys as `--var`s, the runtime through
 * scripts/start.sh (workerd through Miniflare by default, or `wrangler dev`; demo clock: booking
 * open whatever the hour), and a staff session.
 */
import { benchPlatform, type BenchPlatform } from "./citizens";
import { expectOk } from "./client";
import { childProcess, fs, os, proc, ROOT } from "./node";
import { benchSeedSql } from "./seed";
import { adminPassword, clockOffset, gitState, LocalService, openFds, snapshotTree, type Runtime } from "./server";

export interface Harness {
  service: LocalService;
  platform: BenchPlatform;
  staff: Record<string, string>;
  /** The service clock (demo clock offset applied), epoch ms. */
  serviceNow(): number;
  /** Today on the service clock at the bench branches (YYYY-MM-DD). */
  today: string;
  tmp: string;
  source: { commit: string | null; changedFiles: number | null; mountedReconcile: "app" | "patched-copy" };
  policyVersion: string;
  /** The demo clock offset of the first start (a restart must keep it: the clock must not jump back). */
  clockOffsetMs: number;
}

export interface HarnessOptions {
  port: number;
  inspectorPort: number;
  branches: string[];
  capPerBranch: number;
  direct: boolean;
  /** Reuse this state directory (crash test restarts); default a fresh one under tmp. */
  stateDir?: string;
  tmp?: string;
  /** Keep the state on disk (the OS temp directory) rather than tmpfs (/dev/shm). */
  onDisk?: boolean;
  /** More `wrangler dev` arguments (after the harness's own: a later `--var` wins). */
  extraArgs?: string[];
  /** A staff bearer header from an earlier start on the same state (no new password is printed). */
  staff?: Record<string, string>;
  /** Which local runtime runs the Worker (bench/lib/server.ts); default "miniflare". */
  runtime?: Runtime;
}

function withNode(cwd: string, args: string[]): void {
  const r = childProcess.spawnSync("bash", ["scripts/with-node.sh", ...args], { encoding: "utf8", cwd, env: { ...proc.env, SOTHUTU_NODE_CACHE: proc.env.SOTHUTU_NODE_CACHE ?? `${ROOT}/.cache/node` } });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
}

/**
 * The reconciliation and no-op routes (worker/routes/reconcile.ts) must be mounted; until the app
 * mounts them, the copy (never the working tree) gets the one line that does.
 */
function ensureReconcileMounted(src: string): "app" | "patched-copy" {
  const appPath = `${src}/worker/app.ts`;
  const app = fs.readFileSync(appPath, "utf8");
  if (app.includes("reconcileRoutes")) return "app";
  const patched = app
    .replace('import { staffRoutes } from "./routes/staff";', 'import { staffRoutes } from "./routes/staff";\nimport { reconcileRoutes } from "./routes/reconcile";')
    .replace('app.route("/api/v1", api);', 'api.route("/", reconcileRoutes);\napp.route("/api/v1", api);');
  if (!patched.includes('api.route("/", reconcileRoutes)') || !patched.includes('from "./routes/reconcile"')) throw new Error("could not mount worker/routes/reconcile.ts in the copy's worker/app.ts");
  fs.writeFileSync(appPath, patched);
  return "patched-copy";
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  // State on tmpfs by default: on this VM's disk every object commit and every new object's
  // SQLite file waits for fsync on the runtime's one thread, which measures the disk, not the
  // service (in production, storage writes are confirmed asynchronously behind the output gate).
  const base = o.onDisk || !fs.existsSync("/dev/shm") ? os.tmpdir() : "/dev/shm";
  const tmp = o.tmp ?? fs.mkdtempSync(`${base}/sothutu-bench-`);
  const src = `${tmp}/src`;
  const stateDir = o.stateDir ?? `${tmp}/state`;
  const fresh = !fs.existsSync(src);
  let mounted: "app" | "patched-copy" = "app";
  const policyVersion = /^PRIVACY_POLICY_VERSION = "(.*)"/m.exec(fs.readFileSync(`${ROOT}/wrangler.toml`, "utf8"))?.[1] ?? "";
  let platform: BenchPlatform;
  if (fresh) {
    snapshotTree(src);
    mounted = ensureReconcileMounted(src);
    // The benchmark needs no web pages: skip start.sh's vite build (others may be mid-edit there).
    if (!fs.existsSync(`${src}/web/dist/index.html`)) {
      fs.mkdirSync(`${src}/web/dist`, { recursive: true });
      fs.writeFileSync(`${src}/web/dist/index.html`, "<!doctype html><title>sothutu bench</title>\n");
    }
    platform = await benchPlatform(policyVersion);
    // Migrations, then the bench branches (start.sh applies migrations again: a no-op, then the demo seed).
    withNode(src, [`${src}/node_modules/.bin/wrangler`, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir]);
    fs.writeFileSync(`${tmp}/bench-seed.sql`, benchSeedSql(o.branches, o.capPerBranch));
    withNode(src, [`${src}/node_modules/.bin/wrangler`, "d1", "execute", "DB", "--local", "--yes", "--persist-to", stateDir, "--file", `${tmp}/bench-seed.sql`]);
    (globalThis as { __benchPlatform?: BenchPlatform }).__benchPlatform = platform;
  } else {
    platform = (globalThis as { __benchPlatform?: BenchPlatform }).__benchPlatform!;
  }
  const service = new LocalService({
    src,
    port: o.port,
    stateDir,
    logPath: `${tmp}/server.log`,
    runtime: o.runtime ?? "miniflare",
    // The benchmarks request only /api/*: without the local stand-in of the asset layer (a
    // router Worker in front of every request, ~0.4–0.6 ms of runtime CPU each, measured) — in
    // production that layer is Cloudflare's, not the Worker's (scripts/serve-miniflare.ts).
    args: [...((o.runtime ?? "miniflare") === "miniflare" ? ["--no-assets"] : []), "--inspector-port", String(o.inspectorPort), ...platform.vars, ...(o.extraArgs ?? [])],
  });
  service.useDirect = o.direct;
  service.start();
  await service.waitReady();
  const log = service.log();
  const offset = clockOffset(log);
  const password = adminPassword(log);
  let staff = o.staff;
  if (!staff) {
    if (!password) throw new Error("scripts/start.sh printed no demo administrator password (the state directory was not fresh?)");
    const login = await expectOk(service.base, "POST", "/api/v1/staff/auth/login", { body: { username: "admin", password }, headers: { "cf-connecting-ip": "10.250.0.1" } });
    staff = { authorization: `Bearer ${login.token as string}` };
  }
  const days = await expectOk(service.base, "GET", `/api/v1/branches/${o.branches[0]}/days`);
  if (days?.days?.[0]?.bookable !== true) throw new Error(`today (${days?.today}) is not bookable at ${o.branches[0]}: ${JSON.stringify(days?.days?.[0]).slice(0, 400)}`);
  return {
    service,
    platform,
    staff,
    serviceNow: () => Date.now() + offset,
    today: days.today as string,
    tmp,
    source: { ...gitState(), mountedReconcile: mounted },
    clockOffsetMs: offset,
    policyVersion,
  };
}

export function machine(): Record<string, unknown> {
  return {
    node: proc.version,
    platform: proc.platform,
    release: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * Restarts the runtime on the same state when it holds more than `maxFds` descriptors. Every
 * citizen's ledger is an object with its own SQLite file, which the local runtime keeps open
 * until it evicts the idle object (a minute or more later); a few rushes of 10,000 new citizens
 * in a row outgrow this machine's limit of 20,000 descriptors per process. In production each
 * object lives apart, so this is a limit of running everything in one local process, and a
 * restart between scenarios (untimed) closes the files without changing any state.
 */
export async function roomForObjects(h: Harness, o: HarnessOptions, maxFds = 3000): Promise<void> {
  const fds = openFds(h.service.runtimePids());
  if (fds <= maxFds) return;
  console.log(`  (restarting the runtime on the same state: it holds ${fds} open files of idle objects)`);
  await h.service.stop();
  const again = await startHarness({
    ...o,
    tmp: h.tmp,
    stateDir: `${h.tmp}/state`,
    staff: h.staff,
    // The demo clock must not jump back.
    extraArgs: [...(o.extraArgs ?? []), "--var", `CLOCK_OFFSET_MS:${h.clockOffsetMs}`],
  });
  h.service = again.service;
}
