/**
 * The live client keeps a view in step and survives disconnects: a gap makes it ask for a
 * snapshot; a dropped socket is replaced after a jittered, growing delay.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveClient, reconnectDelayMs } from "../../shared/live-client";
import type { ServerMessage } from "../../shared/live-protocol";

class FakeSocket extends EventTarget {
  static all: FakeSocket[] = [];
  readyState = 1;
  sent: string[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.dispatchEvent(new Event("close"));
  }
  receive(msg: ServerMessage) {
    const e = new Event("message") as Event & { data: string };
    Object.defineProperty(e, "data", { value: JSON.stringify(msg) });
    this.dispatchEvent(e);
  }
}

const display = (labels: string[]) => ({
  counters: [{ number: 1, status: "open" as const, currentLabel: labels[0] ?? null }],
  fields: [],
  recentCalls: labels.map((label, i) => ({ label, counter: 1, fieldCode: "DATDAI", at: i, callCount: 1 })),
});

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe("the live client", () => {
  it("applies deltas that continue its version and asks for a snapshot on a gap", () => {
    const views: unknown[] = [];
    const client = new LiveClient({ url: "wss://x/live", webSocket: FakeSocket as unknown as new (url: string) => WebSocket, onView: (v) => views.push(v) });
    client.start();
    const ws = FakeSocket.all[0]!;
    ws.receive({ type: "snapshot", v: 10, audience: "display", view: display([]) });
    ws.receive({ type: "delta", from: 10, v: 12, event: null, patch: { recentCalls: display(["A001"]).recentCalls } });
    expect(client.version).toBe(12);
    ws.receive({ type: "delta", from: 15, v: 16, event: null, patch: { recentCalls: display(["A003"]).recentCalls } });
    expect(client.version).toBe(12); // the gapped delta was not applied …
    expect(ws.sent).toContain(JSON.stringify({ type: "resync" })); // … a snapshot was asked for
    expect(client.resyncs).toBe(1);
    ws.receive({ type: "snapshot", v: 16, audience: "display", view: display(["A003", "A002", "A001"]) });
    expect(client.version).toBe(16);
    expect(views).toHaveLength(3);
    client.stop();
  });

  it("reconnects after a drop with a growing, jittered delay and starts again from a snapshot", () => {
    vi.useFakeTimers();
    const statuses: string[] = [];
    const client = new LiveClient({
      url: "wss://x/live",
      webSocket: FakeSocket as unknown as new (url: string) => WebSocket,
      onView: () => {},
      onStatus: (s) => statuses.push(s),
      random: () => 0.5,
      backoffBaseMs: 1000,
    });
    client.start();
    FakeSocket.all[0]!.close(); // a deploy drops every socket
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(reconnectDelayMs(0, 1000, 30_000, () => 0.5));
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.close();
    vi.advanceTimersByTime(reconnectDelayMs(0, 1000, 30_000, () => 0.5));
    expect(FakeSocket.all).toHaveLength(2); // the second wait is longer
    vi.advanceTimersByTime(reconnectDelayMs(1, 1000, 30_000, () => 0.5));
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.receive({ type: "snapshot", v: 1, audience: "display", view: display([]) });
    expect(statuses).toContain("live");
    client.stop();
  });

  it("spreads reconnects: delays are capped and vary with the random draw", () => {
    expect(reconnectDelayMs(0, 500, 30_000, () => 0)).toBe(250);
    expect(reconnectDelayMs(0, 500, 30_000, () => 1)).toBe(500);
    expect(reconnectDelayMs(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(reconnectDelayMs(20, 500, 30_000, () => 0)).toBe(15_000);
  });
});
