/**
 * Where does a booking's time go? Starts the local service as the benchmark does, signs in N
 * citizens, then records a V8 CPU profile of the Worker's isolate (through `wrangler dev
 * --inspector-port`, Chrome DevTools Protocol) while they book, and prints the functions with the
 * most self time, grouped by source file. The .cpuprofile is kept for Chrome DevTools.
 *
 *   bash scripts/with-node.sh npx tsx bench/profile.ts [--citizens 1000] [--concurrency 50] [--port 8804] [--miniflare]
 *
 * The runtime is `wrangler dev`; --miniflare profiles the benchmark's (workerd through Miniflare).
 */
import { citizenId, citizenIp } from "./lib/citizens";
import { pool, request } from "./lib/client";
import { startHarness } from "./lib/harness";
import { BENCH_FIELD } from "./lib/seed";
import { fs, nowMs, proc, ROOT, sleep } from "./lib/node";
import { cpuMs } from "./lib/server";

function arg(name: string, dflt: number): number {
  const i = proc.argv.indexOf(name);
  return i > 0 ? Number(proc.argv[i + 1]) : dflt;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, (v: any) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener("message", (e: MessageEvent) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: unknown };
      if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg.error ? { error: msg.error } : msg.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ webSocketDebuggerUrl?: string; title?: string; id?: string }>;
    const target = list.find((t) => t.webSocketDebuggerUrl) ?? list[0];
    const url = target?.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/${target?.id ?? ""}`;
    console.log(`inspector targets: ${list.map((t) => t.title ?? t.id).join(", ")}; using ${url}`);
    // wrangler's inspector proxy wants a local Origin (undici's WebSocket takes extra headers).
    const ws = new (WebSocket as unknown as new (url: string, o: unknown) => WebSocket)(url, { headers: { origin: "http://localhost" } });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error(`inspector: cannot connect to ${url}`)));
    });
    return new Inspector(ws);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  close(): void {
    this.ws.close();
  }
}

async function main(): Promise<void> {
  const n = arg("--citizens", 1000);
  const concurrency = arg("--concurrency", 50);
  const port = arg("--port", 8804);
  const runtime = proc.argv.includes("--miniflare") ? "miniflare" : "wrangler";
  const h = await startHarness({ port, inspectorPort: port + 1, branches: ["bench-prof"], capPerBranch: 100, direct: true, runtime });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) tokens.push(await h.platform.sign(citizenId(60, i), h.serviceNow()));
    await pool(n, 50, async (i) => {
      await request(h.service.base, "GET", "/api/v1/auth/me", { headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(60, i) } });
    });
    const inspector = await Inspector.connect(port + 1);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
    await inspector.send("Profiler.start");
    const cpu0 = cpuMs(h.service.runtimePids());
    const t0 = nowMs();
    const statuses: Record<string, number> = {};
    await pool(n, concurrency, async (i) => {
      const r = await request(h.service.base, "POST", "/api/v1/tickets", {
        headers: { authorization: `Bearer ${tokens[i]}`, "cf-connecting-ip": citizenIp(60, i) },
        body: { branchId: "bench-prof", fieldCode: BENCH_FIELD },
      });
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    });
    const wall = nowMs() - t0;
    const cpu = cpuMs(h.service.runtimePids()) - cpu0;
    await sleep(200);
    const { profile } = (await inspector.send("Profiler.stop")) as { profile: { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] } };
    inspector.close();
    console.log(`${n} bookings at c${concurrency}: ${Math.round((n / wall) * 1000)}/s, statuses ${JSON.stringify(statuses)}, runtime CPU ${(cpu / n).toFixed(2)} ms per booking`);
    const out = `${ROOT}/bench/results/profile-${Date.now()}.cpuprofile`;
    fs.mkdirSync(`${ROOT}/bench/results`, { recursive: true });
    fs.writeFileSync(out, JSON.stringify(profile));
    const total = profile.samples.length;
    const byFn = new Map<string, number>();
    const byFile = new Map<string, number>();
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (!hits) continue;
      const file = node.callFrame.url.replace(/^.*\/(src|node_modules)\//, "$1/").slice(-70) || "(native)";
      const fn = `${node.callFrame.functionName || "(anonymous)"} ${file}:${node.callFrame.lineNumber + 1}`;
      byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
      byFile.set(file, (byFile.get(file) ?? 0) + hits);
    }
    // Inclusive time of our own functions: sum the subtree hits.
    const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
    const inclusive = new Map<string, number>();
    const subtree = (id: number): number => {
      const x = nodes.get(id)!;
      return (x.hitCount ?? 0) + (x.children ?? []).reduce((s, c) => s + subtree(c), 0);
    };
    for (const node of profile.nodes) {
      const url = node.callFrame.url;
      if (!/worker|durable|shared/.test(url) || /node_modules/.test(url)) continue;
      const key = `${node.callFrame.functionName || "(anonymous)"} ${url.replace(/^.*?\/((worker|durable|shared)\/)/, "$1")}:${node.callFrame.lineNumber + 1}`;
      inclusive.set(key, (inclusive.get(key) ?? 0) + subtree(node.id));
    }
    const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`).join("\n");
    console.log(`\nsamples: ${total} over ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms of profile\n\nself time by file:\n${top(byFile, 25)}\n\nself time by function:\n${top(byFn, 40)}\n\ninclusive time of our functions:\n${top(inclusive, 40)}\n\nwrote ${out}`);
  } finally {
    await h.service.stop();
    if (proc.argv.includes("--keep")) console.log(`kept ${h.tmp}`);
    else fs.rmSync(h.tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  proc.exitCode = 1;
}
proc.exit(proc.exitCode);
