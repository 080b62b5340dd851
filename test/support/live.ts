/** Opens live views through the real Worker (WebSocket upgrade) and reads their messages. */
import { SELF } from "cloudflare:test";
import { parseServerMessage, type ServerMessage } from "../../shared/live-protocol";

export interface LiveSocket {
  ws: WebSocket;
  messages: ServerMessage[];
  /** Waits for the next unread message. */
  next(timeoutMs?: number): Promise<ServerMessage>;
  /** Waits until `count` messages have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function openLive(path: string): Promise<LiveSocket> {
  const res = await SELF.fetch(`http://sothutu.test${path}`, { headers: { Upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  const ws = res.webSocket;
  const messages: ServerMessage[] = [];
  let read = 0;
  const waiters: Array<() => void> = [];
  let closedResolve!: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (closedResolve = r));
  ws.addEventListener("message", (e) => {
    if (e.data === "pong") return; // heartbeat answer, not a protocol message
    const msg = parseServerMessage(e.data);
    if (!msg) throw new Error(`not a protocol message: ${String(e.data).slice(0, 200)}`);
    messages.push(msg);
    for (const w of waiters.splice(0)) w();
  });
  ws.addEventListener("close", (e) => closedResolve({ code: e.code, reason: e.reason }));
  ws.accept();
  const waitFor = async (count: number, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for message ${count} (have ${messages.length})`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return {
    ws,
    messages,
    closed,
    waitFor,
    async next(timeoutMs = 5_000) {
      await waitFor(read + 1, timeoutMs);
      return messages[read++]!;
    },
  };
}
