/** Opens live views through the real Worker (WebSocket upgrade) and reads their messages. */
import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { parseServerMessage, type ServerMessage } from "../../shared/live-protocol";
import { book } from "../../worker/booking";
import { adminBearer } from "./staff";
import { citizen, demoPlan } from "./world";

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

/**
 * Helpers for tests that drive one branch-day while watching it: book a number for a fresh
 * citizen (numbered from `firstCitizen`, so files do not share citizens) and post a staff action
 * as the signed-in administrator.
 */
export function liveDay(branchId: string, date: string, firstCitizen: number) {
  let nextCitizen = firstCitizen;
  return {
    async bookOne(fieldCode: string) {
      const out = await book(env, { citizen: await citizen(nextCitizen++), plan: await demoPlan(branchId, date), fieldCode, channel: "online", priority: null, verifiedBy: null, idempotencyKey: null });
      if (!out.ok) throw new Error(out.code);
      return out.ticket;
    },
    async staff(path: string, body: unknown = {}) {
      const res = await SELF.fetch(`http://sothutu.test/api/v1/staff/branches/${branchId}${path}`, { method: "POST", headers: await staffHeaders(), body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return res.json<Record<string, unknown>>();
    },
  };
}

/** A signed-in administrator's headers (a real staff session, see test/support/staff.ts). */
export async function staffHeaders(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await adminBearer()}`, "content-type": "application/json" };
}
