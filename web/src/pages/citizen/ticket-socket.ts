/**
 * The citizen audience of the live protocol (shared/live-protocol.ts), without its zod schemas:
 * the shared LiveClient validates every frame with zod, which alone would be ~28 KB gzipped —
 * half the citizen page's 60 KB budget on a slow 3G phone. A citizen's view is just
 * `{ticket, field}` and a delta's patch replaces those keys, so this client checks the few
 * fields it reads by hand and otherwise behaves like LiveClient: snapshot then deltas, resync on
 * a version gap, "ping" heartbeats, reconnect with the same jittered exponential backoff.
 */
import type { FieldDayView, TicketView } from "@shared/live-views";

export interface CitizenView {
  ticket: TicketView;
  field: FieldDayView | null;
}

export type SocketStatus = "connecting" | "live" | "reconnecting" | "stopped";

const HEARTBEAT_MS = 25_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** As shared/live-client.ts reconnectDelayMs: half fixed, half random, capped. */
function delayMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function isTicket(x: unknown): x is TicketView {
  const t = x as TicketView | null;
  return !!t && typeof t === "object" && typeof t.id === "string" && typeof t.label === "string" && typeof t.status === "string";
}

type Frame =
  | { type: "snapshot"; v: number; view: CitizenView }
  | { type: "delta"; from: number; v: number; patch: { ticket?: TicketView; field?: FieldDayView | null } };

/** A server frame for the citizen audience, or null when it is not one. */
export function parseFrame(raw: unknown): Frame | null {
  if (typeof raw !== "string" || raw === "pong") return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!m || typeof m.v !== "number") return null;
  if (m.type === "snapshot") {
    const view = m.view as CitizenView | undefined;
    return view && isTicket(view.ticket) ? { type: "snapshot", v: m.v, view: { ticket: view.ticket, field: view.field ?? null } } : null;
  }
  if (m.type === "delta" && typeof m.from === "number" && m.patch && typeof m.patch === "object") {
    const patch = m.patch as { ticket?: unknown; field?: unknown };
    if (patch.ticket !== undefined && !isTicket(patch.ticket)) return null;
    return { type: "delta", from: m.from, v: m.v, patch: patch as { ticket?: TicketView; field?: FieldDayView | null } };
  }
  return null;
}

export class TicketSocket {
  private ws: WebSocket | null = null;
  private view: CitizenView | null = null;
  private version: number | null = null;
  private attempt = 0;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private beat: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly url: string,
    private readonly onView: (view: CitizenView) => void,
    private readonly onStatus: (s: SocketStatus) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect("connecting");
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.beat) clearInterval(this.beat);
    this.ws?.close(1000, "stopped");
    this.ws = null;
    this.onStatus("stopped");
  }

  private connect(status: SocketStatus): void {
    this.onStatus(status);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onmessage = (e) => this.onMessage(e.data);
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      this.onStatus("reconnecting");
      this.retry = setTimeout(() => this.connect("reconnecting"), delayMs(this.attempt++));
    };
    if (this.beat) clearInterval(this.beat);
    this.beat = setInterval(() => ws.readyState === 1 && ws.send("ping"), HEARTBEAT_MS);
  }

  private onMessage(data: unknown): void {
    const f = parseFrame(data);
    if (!f) return;
    if (f.type === "snapshot") {
      this.view = f.view;
      this.version = f.v;
      this.attempt = 0;
      this.onStatus("live");
      this.onView(f.view);
      return;
    }
    if (!this.view || f.from !== this.version) {
      // Something was missed: ask for a fresh snapshot rather than show a wrong place in line.
      this.ws?.send(JSON.stringify({ type: "resync" }));
      return;
    }
    this.view = {
      ticket: f.patch.ticket ?? this.view.ticket,
      field: f.patch.field !== undefined ? f.patch.field : this.view.field,
    };
    this.version = f.v;
    this.onView(this.view);
  }
}
