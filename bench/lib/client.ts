/**
 * The load generator's side: HTTP requests with timing, a fixed-size pool of concurrent workers,
 * and WebSocket watchers. HTTP goes through node:http with keep-alive connections; Node's
 * WebSocket is the browser API.
 */
import { http, nowMs, sleep } from "./node";

export interface Timed {
  status: number;
  ms: number;
  json: any;
  /** Transport failure (no HTTP answer). */
  error: string | null;
}

/**
 * Keep-alive connections for every request of this process. node:http rather than fetch: undici's
 * fetch costs the load generator ~0.8–1 ms of CPU per request against ~0.2–0.3 ms here (measured
 * at concurrency 200), and this process shares the machine's two cores with the runtime it loads.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export function request(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {}): Promise<Timed> {
  const headers: Record<string, string> = { ...o.headers };
  const data = o.body === undefined ? undefined : JSON.stringify(o.body);
  if (data !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(new TextEncoder().encode(data).byteLength);
  }
  const t0 = nowMs();
  return new Promise<Timed>((resolve) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      resolve({ status: 0, ms: nowMs() - t0, json: null, error: `${err.name}: ${err.message}` });
    };
    const req = http.request(base + path, { method, agent, headers }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", fail);
      res.on("aborted", () => fail(new Error("response aborted")));
      res.on("end", () => {
        if (settled) return;
        settled = true;
        const ms = nowMs() - t0;
        const text = decoder.decode(concat(chunks));
        let json: unknown = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, ms, json, error: null });
      });
    });
    req.on("error", fail);
    req.setTimeout(o.timeoutMs ?? 60_000, () => {
      const err = new Error(`no answer within ${o.timeoutMs ?? 60_000} ms`);
      err.name = "TimeoutError";
      fail(err);
      req.destroy(err);
    });
    req.end(data);
  });
}

const decoder = new TextDecoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export async function expectOk(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: unknown } = {}): Promise<any> {
  const r = await request(base, method, path, o);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.error ?? `HTTP ${r.status}`} ${JSON.stringify(r.json).slice(0, 400)}`);
  return r.json;
}

/** Runs `count` jobs with `concurrency` in flight; returns the wall time (ms). */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = nowMs();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return nowMs() - t0;
}

/** One watcher socket: counts messages, keeps what the scenario asks it to keep. */
export class Watcher {
  ready = false;
  failed: string | null = null;
  closed = false;
  dropped = false;
  messages = 0;
  /** Versions out of sequence (a delta whose `from` is not the last `v`). */
  gaps = 0;
  lastV: number | null = null;
  /** Receive time of the first message containing the awaited marker. */
  hitAt: number | null = null;
  marker: string | null = null;
  readonly ws: WebSocket;
  readonly readyPromise: Promise<boolean>;
  readonly closedPromise: Promise<void>;
  onHit: (() => void) | null = null;

  constructor(url: string, private readonly closing: { now: boolean }, checkVersions: boolean) {
    let ready!: (ok: boolean) => void;
    let closed!: () => void;
    this.readyPromise = new Promise((r) => (ready = r));
    this.closedPromise = new Promise((r) => (closed = r));
    const timer = setTimeout(() => {
      if (!this.ready && !this.failed) {
        this.failed = "timeout";
        ready(false);
      }
    }, 60_000);
    this.ws = new WebSocket(url);
    this.ws.addEventListener("message", (e: MessageEvent) => {
      const t = nowMs();
      const data = typeof e.data === "string" ? e.data : "";
      this.messages++;
      if (!this.ready) {
        this.ready = true;
        clearTimeout(timer);
        ready(true);
      }
      if (this.marker !== null && this.hitAt === null && data.includes(this.marker)) {
        this.hitAt = t;
        this.onHit?.();
      }
      if (checkVersions && data.startsWith("{")) {
        // Cheap continuity check without parsing the whole message: "from":N,"v":M.
        const from = /"from":(\d+)/.exec(data)?.[1];
        const v = /"v":(\d+)/.exec(data)?.[1];
        if (v !== undefined) {
          if (from !== undefined && this.lastV !== null && Number(from) !== this.lastV) this.gaps++;
          this.lastV = Number(v);
        }
      }
    });
    this.ws.addEventListener("error", () => {
      if (!this.ready && !this.failed) {
        this.failed = "error";
        clearTimeout(timer);
        ready(false);
      }
    });
    this.ws.addEventListener("close", () => {
      this.closed = true;
      if (!this.ready && !this.failed) {
        this.failed = "closed";
        clearTimeout(timer);
        ready(false);
      } else if (this.ready && !this.closing.now) this.dropped = true;
      closed();
    });
  }
}

export class WatcherSet {
  readonly watchers: Watcher[] = [];
  readonly closing = { now: false };

  constructor(private readonly checkVersions: boolean) {}

  /** Opens n sockets, `batch` at a time, each batch waiting for its snapshots. */
  async open(url: string, n: number, batch = 200): Promise<{ ms: number; failed: number }> {
    const t0 = nowMs();
    for (let i = 0; i < n; i += batch) {
      const group: Watcher[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) group.push(new Watcher(url, this.closing, this.checkVersions));
      this.watchers.push(...group);
      await Promise.all(group.map((w) => w.readyPromise));
    }
    return { ms: nowMs() - t0, failed: this.watchers.filter((w) => !w.ready).length };
  }

  get active(): Watcher[] {
    return this.watchers.filter((w) => w.ready && !w.closed);
  }

  /** Arms every active socket for `marker`; the returned wait resolves when all saw it or at the timeout. */
  arm(marker: string): { targets: Watcher[]; wait: (timeoutMs: number) => Promise<void> } {
    const targets = this.active;
    let remaining = targets.length;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    for (const w of targets) {
      w.marker = marker;
      w.hitAt = null;
      w.onHit = () => {
        if (--remaining === 0) done();
      };
    }
    if (remaining === 0) done();
    return {
      targets,
      wait: async (timeoutMs) => {
        await Promise.race([all, sleep(timeoutMs)]);
        for (const w of targets) {
          w.marker = null;
          w.onHit = null;
        }
      },
    };
  }

  async closeAll(timeoutMs = 60_000): Promise<number> {
    this.closing.now = true;
    for (const w of this.watchers) {
      try {
        if (!w.closed) w.ws.close(1000, "bench done");
      } catch {
        // Never opened.
      }
    }
    await Promise.race([Promise.all(this.watchers.map((w) => w.closedPromise)), sleep(timeoutMs)]);
    return this.watchers.filter((w) => !w.closed).length;
  }

  totals(): { messages: number; gaps: number; dropped: number } {
    let messages = 0;
    let gaps = 0;
    let dropped = 0;
    for (const w of this.watchers) {
      messages += w.messages;
      gaps += w.gaps;
      if (w.dropped) dropped++;
    }
    return { messages, gaps, dropped };
  }
}
