/**
 * Hostile WebSocket traffic against the live views (issue 7): whatever a citizen's phone, a
 * counter tablet or a hall display sends on its socket — malformed JSON, unknown or oversized
 * messages, binary frames, unicode edge cases, resync floods — the branch-day answers only with
 * protocol messages (support/live.ts rejects anything else), keeps the socket alive (the
 * heartbeat still answers), changes nothing in the day, and keeps serving everyone else.
 * Hostile upgrade requests (bad tokens, foreign tickets, bad paths) get problems, never a socket.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE } from "../../shared/live-protocol";
import { PROBLEMS } from "../../shared/problems";
import { api, bookOnline, closeService, counter, expectOk, openService } from "../support/http";
import { openLive, type LiveSocket } from "../support/live";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { hostileSegment, nastyString } from "./hostile";

const BRANCH = "hn-cn01";

type Frame = string | Uint8Array;

const frame: fc.Arbitrary<Frame> = fc.oneof(
  nastyString,
  fc.constantFrom(
    "{",
    "null",
    "[]",
    '{"type":"resync"}',
    '{"type":"resync","extra":1}',
    '{"type":"RESYNC"}',
    '{"type":"call_next","counter":1}',
    '{"type":"__proto__"}',
    '{"__proto__":{"type":"resync"}}',
    "ping ",
    "PING",
    HEARTBEAT_REQUEST,
  ),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  fc.integer({ min: 100, max: 5000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
  fc.integer({ min: 20_000, max: 200_000 }).map((n) => `{"type":"resync","pad":"${"x".repeat(n)}"}`),
  fc.uint8Array({ minLength: 0, maxLength: 2048 }),
);

/** Sends the heartbeat and waits for its answer: the socket (and its object) still work. */
function heartbeat(ws: WebSocket, timeoutMs = 5_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.removeEventListener("message", onMessage);
      resolve(false);
    }, timeoutMs);
    const onMessage = (e: MessageEvent) => {
      if (e.data !== HEARTBEAT_RESPONSE) return;
      clearTimeout(timer);
      ws.removeEventListener("message", onMessage);
      resolve(true);
    };
    ws.addEventListener("message", onMessage);
    ws.send(HEARTBEAT_REQUEST);
  });
}

async function dayState(): Promise<string> {
  return JSON.stringify(expectOk(await api("GET", `/api/v1/staff/branches/${BRANCH}/today`, { staff: true })));
}

let sockets: Record<string, LiveSocket>;
let ticketPath: string;

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  const booking = expectOk(await bookOnline(idNumber(7001)), 201);
  await bookOnline(idNumber(7002));
  ticketPath = booking.live.url as string;
  expectOk(await counter(BRANCH, 1, "open", {}));
  const staffLive = expectOk(await api("POST", `/api/v1/staff/branches/${BRANCH}/live-tokens`, { staff: true, json: { audience: "counter", counter: 1 } }), 201);
  const display = expectOk(await api("POST", `/api/v1/staff/branches/${BRANCH}/display-tokens`, { staff: true, json: { label: "fuzz TV" } }), 201);
  sockets = {
    citizen: await openLive(ticketPath),
    counter: await openLive(staffLive.url),
    display: await openLive(display.url),
  };
  for (const s of Object.values(sockets)) expect((await s.next()).type).toBe("snapshot");
});
afterAll(() => {
  for (const s of Object.values(sockets ?? {})) s.ws.close(1000, "done");
  closeService();
});

describe("hostile messages on live sockets", () => {
  for (const audience of ["citizen", "counter", "display"] as const) {
    it(`${audience}: only protocol answers, the socket stays up, the day unchanged`, async () => {
      const live = sockets[audience]!;
      const before = await dayState();
      let closed: { code: number } | null = null;
      void live.closed.then((c) => (closed = c));
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
          for (const f of frames) live.ws.send(f);
          expect(await heartbeat(live.ws), "heartbeat after hostile frames").toBe(true);
          expect(closed, "the socket was closed by the server").toBeNull();
        }),
        { numRuns: 25 },
      );
      expect(await dayState()).toBe(before);
    });
  }

  it("a resync after the storm still gets a correct snapshot", async () => {
    const live = sockets.citizen!;
    const seen = live.messages.length;
    live.ws.send('{"type":"resync"}');
    await live.waitFor(seen + 1);
    expect(live.messages.at(-1)).toMatchObject({ type: "snapshot", audience: "citizen" });
  });
});

describe("hostile upgrade requests", () => {
  it("get a problem, never a socket or a 5xx", async () => {
    const paths = fc.oneof(
      hostileSegment.map((s) => `/api/v1/live/tickets/${s}?token=x`),
      hostileSegment.map((s) => `${ticketPath.split("?")[0]}?token=${s}`),
      hostileSegment.map((s) => `/api/v1/live/branches/${s}/display?token=${s}`),
      hostileSegment.map((s) => `/api/v1/live/branches/${BRANCH}/staff?token=${s}`),
      fc.constant(`/api/v1/live/branches/${BRANCH}/display`),
    );
    await fc.assert(
      fc.asyncProperty(paths, fc.constantFrom("websocket", "WebSocket", "h2c", ""), async (path, upgrade) => {
        const res = await SELF.fetch(`http://sothutu.test${path}`, { headers: { upgrade } });
        const text = await res.text();
        expect(res.status, `${path} → ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(Object.keys(PROBLEMS)).toContain(JSON.parse(text).code);
        expect(text).not.toMatch(/\bat [^\s]+ \(|\.(?:ts|js):\d+:\d+/);
      }),
      { numRuns: 40 },
    );
  });
});
