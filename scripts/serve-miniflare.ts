/**
 * The leanest faithful local runtime, for the benchmarks: the same workerd, Durable Objects, D1,
 * queues and rate limiters as `wrangler dev`, started through Miniflare's API with the options
 * wrangler itself derives from wrangler.toml (`unstable_getMiniflareWorkerOptions`), the Worker
 * bundled exactly as `wrangler deploy` bundles it, and the same state directory layout — but
 * without what only `wrangler dev` adds on every request or object: the live-reload proxy, the
 * inspector session that forwards console output, and the wrapper that records every Durable
 * Object's name in its storage for the local explorer (a write on every object's start).
 *
 *   bash scripts/with-node.sh npx tsx scripts/serve-miniflare.ts --ip 127.0.0.1 --port 8787 \
 *     [--persist-to DIR] [--var NAME:VALUE ...] [--no-assets]
 *
 * scripts/start.sh runs this instead of `wrangler dev` when SOTHUTU_RUNTIME=miniflare (the
 * benchmarks do; `npm start` keeps `wrangler dev` for its reloading). It takes the subset of
 * `wrangler dev`'s arguments those callers pass.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
// wrangler's own Miniflare (the top-level one belongs to the test pool and may differ in version).
import { convertV4MiniflareOptions, Miniflare } from "../node_modules/wrangler/node_modules/miniflare/dist/src/index.js";

interface Args {
  ip: string;
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  assets: boolean;
  inspectorPort: number | null;
}

function fail(message: string): never {
  console.error(`serve-miniflare: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { ip: "127.0.0.1", port: 8787, persistTo: ".wrangler/state", vars: {}, assets: true, inspectorPort: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i] ?? fail(`${flag} wants a value`);
    if (flag === "--ip") a.ip = value();
    else if (flag === "--port") a.port = Number(value());
    else if (flag === "--persist-to") a.persistTo = value();
    else if (flag === "--inspector-port") a.inspectorPort = Number(value());
    else if (flag === "--no-assets") a.assets = false;
    else if (flag === "--var") {
      const v = value();
      const at = v.indexOf(":");
      if (at < 1) fail(`--var wants NAME:VALUE, got ${v}`);
      a.vars[v.slice(0, at)] = v.slice(at + 1);
    } else fail(`unknown argument ${flag}`);
  }
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) fail("--port: 1–65535");
  return a;
}

const args = parseArgs(process.argv.slice(2));
const root = resolve(import.meta.dirname, "..");

// The Worker as `wrangler deploy` would upload it.
const bundleDir = mkdtempSync(join(tmpdir(), "sothutu-bundle-"));
const bundled = spawnSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", bundleDir], { cwd: root, encoding: "utf8" });
if (bundled.status !== 0 || !existsSync(join(bundleDir, "index.js"))) fail(`wrangler deploy --dry-run failed:\n${bundled.stdout}\n${bundled.stderr}`);

// Bindings, Durable Objects, D1, queues, rate limiters, assets and .dev.vars secrets, as wrangler reads them.
const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
const worker: Record<string, unknown> = { ...workerOptions };
// The bundle is one ES module; wrangler's module rules and root apply to unbundled sources only.
delete worker.modulesRules;
delete worker.rootPath;
worker.modules = true;
worker.scriptPath = join(bundleDir, "index.js");
worker.modulesRoot = bundleDir;
// In production the asset layer in front of the Worker sends /api/* straight to it
// (run_worker_first); locally Miniflare emulates that layer with a router Worker on the same
// thread, in front of every request. The API benchmarks leave it out (--no-assets).
if (!args.assets) delete worker.assets;
worker.bindings = { ...(workerOptions.bindings as Record<string, unknown> | undefined), ...args.vars };

// The inspector port only listens: unlike `wrangler dev`, nothing attaches to it unless a
// profiler does (bench/profile.ts).
const options = convertV4MiniflareOptions({ workers: [worker], host: args.ip, port: args.port, ...(args.inspectorPort ? { inspectorPort: args.inspectorPort } : {}) } as never) as Record<string, unknown>;
// Same layout as `wrangler dev --persist-to DIR` (DIR/v3/d1, DIR/v3/do, …): migrations and seeds
// applied with `wrangler d1 … --persist-to DIR` are what this runtime reads.
options.resourcePersistencePath = join(resolve(args.persistTo), "v3");

const mf = new Miniflare(options as never);
const url = await mf.ready;
console.log(`Ready on ${url.origin} (workerd through Miniflare, state in ${args.persistTo})`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}
process.on("SIGINT", () => void stop(130));
process.on("SIGTERM", () => void stop(143));

// If the runtime dies (the crash test kills it outright), so does this process: the caller
// restarts the whole service, as it does with `wrangler dev`.
setInterval(() => {
  const children = spawnSync("pgrep", ["-P", String(process.pid), "workerd"], { encoding: "utf8" });
  if (children.status !== 0) {
    console.error("serve-miniflare: the workerd runtime is gone; exiting");
    process.exit(1);
  }
}, 500).unref();
setInterval(() => undefined, 60_000); // keep the event loop alive
