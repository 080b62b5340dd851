/**
 * The client half of the live protocol, for the web pages (and the benchmarks): keeps a view in
 * step with a branch-day over a WebSocket. Deploys and evictions disconnect every socket, so it
 * reconnects by itself with jittered exponential backoff and starts again from a snapshot; a
 * delta that does not continue from the version it holds makes it ask for a snapshot (resync).
 */
import {
  applyPatch,
  HEARTBEAT_REQUEST,
  parseServerMessage,
  type Audience,
  type AudienceView,
  type LiveEvent,
} from "./live-protocol";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface LiveClientOptions {
  /** ws:// or wss:// URL of the live view, token included. */
  url: string;
  onView: (view: AudienceView, audience: Audience, version: number) => void;
  onEvent?: (event: LiveEvent) => void;
  onStatus?: (status: LiveStatus) => void;
  /** For tests and non-browser runtimes. */
  webSocket?: new (url: string) => WebSocket;
  random?: () => number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  heartbeatMs?: number;
}

const DEFAULT_BACKOFF_BASE_MS = 500;
const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** Below the usual 60–100 s idle timeouts of proxies and mobile networks. */
const DEFAULT_HEARTBEAT_MS = 25_000;

/** Delay before reconnect attempt n (0-based): exponential, capped, with "equal jitter". */
export function reconnectDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  // Half fixed, half random: thousands of phones dropped by one deploy do not return at once.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class LiveClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  view: AudienceView | null = null;
  audience: Audience | null = null;
  version: number | null = null;
  /** How many times a gap made this client ask for a snapshot (for tests and diagnostics). */
  resyncs = 0;

  constructor(private readonly opts: LiveClientOptions) {}

  start(): void {
    this.stopped = false;
    this.connect("connecting");
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.socket?.close(1000, "stopped");
    this.socket = null;
    this.opts.onStatus?.("stopped");
  }

  private connect(status: LiveStatus): void {
    this.opts.onStatus?.(status);
    const Impl = this.opts.webSocket ?? WebSocket;
    const ws = new Impl(this.opts.url);
    this.socket = ws;
    ws.addEventListener("message", (e) => this.onMessage(e.data));
    ws.addEventListener("close", () => this.onClose(ws));
    ws.addEventListener("error", () => {
      // A close event always follows; reconnecting is decided there.
    });
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (ws.readyState === 1) ws.send(HEARTBEAT_REQUEST);
    }, this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  private onMessage(data: unknown): void {
    if (data === "pong") return;
    const msg = parseServerMessage(data);
    if (!msg) return;
    if (msg.type === "snapshot") {
      this.view = msg.view;
      this.audience = msg.audience;
      this.version = msg.v;
      this.attempt = 0;
      this.opts.onStatus?.("live");
      this.opts.onView(msg.view, msg.audience, msg.v);
    } else if (msg.type === "delta") {
      if (this.view === null || this.audience === null || msg.from !== this.version) {
        // Something was missed: the view cannot be trusted until a fresh snapshot arrives.
        this.resyncs++;
        this.socket?.send(JSON.stringify({ type: "resync" }));
        return;
      }
      this.view = applyPatch(this.view, msg.patch);
      this.version = msg.v;
      if (msg.event) this.opts.onEvent?.(msg.event);
      this.opts.onView(this.view, this.audience, msg.v);
    }
  }

  private onClose(ws: WebSocket): void {
    if (this.socket !== ws || this.stopped) return;
    this.socket = null;
    const delay = reconnectDelayMs(this.attempt++, this.opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS, this.opts.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS, this.opts.random ?? Math.random);
    this.opts.onStatus?.("reconnecting");
    this.reconnectTimer = setTimeout(() => this.connect("reconnecting"), delay);
  }
}
