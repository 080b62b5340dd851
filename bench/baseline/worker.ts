/**
 * Baseline for bench/live-fanout.ts: a bare WebSocket broadcast through the same runtime as
 * sothutu, to divide sothutu's figures by. One SQLite-backed Durable Object accepts sockets with
 * the hibernation API (ctx.acceptWebSocket, like the branch-day) and, on POST /broadcast, sends
 * one small JSON message to every socket. No storage, no views, no per-socket work.
 *
 *   GET  /              "ok" (readiness)
 *   GET  /ws            WebSocket upgrade, handed to the one object (as sothutu's Worker does);
 *                       /ws?deflate=off refuses permessage-deflate (empty Sec-WebSocket-Extensions
 *                       on the 101, which workerd reads as "no compression")
 *   POST /broadcast     body {"seq": n}: every socket gets {"type":"broadcast","seq":n}; with
 *                       {"seq": n, "payload": x}: {"type":"broadcast","payload":x,"seq":n} (to send
 *                       a message as large, and as compressible, as sothutu's)
 */
import { DurableObject } from "cloudflare:workers";

interface BaselineEnv {
  HUB: DurableObjectNamespace<BaselineHub>;
}

export class BaselineHub extends DurableObject<BaselineEnv> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    const noDeflate = new URL(request.url).searchParams.get("deflate") === "off";
    return new Response(null, { status: 101, webSocket: pair[0], headers: noDeflate ? { "Sec-WebSocket-Extensions": "" } : {} });
  }

  /** Sends one message to every socket; returns how many it was sent to. */
  broadcast(seq: number, payload?: unknown): number {
    // seq last: the bench looks for `"seq":n}`.
    const message = JSON.stringify(payload === undefined ? { type: "broadcast", seq } : { type: "broadcast", payload, seq });
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        // Closing socket.
      }
    }
    return sockets.length;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Complete the close handshake, as the branch-day does.
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
  }
}

export default {
  async fetch(request: Request, env: BaselineEnv): Promise<Response> {
    const url = new URL(request.url);
    const hub = env.HUB.get(env.HUB.idFromName("baseline"));
    if (url.pathname === "/ws") return hub.fetch(request);
    if (url.pathname === "/broadcast" && request.method === "POST") {
      const body = (await request.json()) as { seq?: unknown; payload?: unknown };
      if (typeof body.seq !== "number") return new Response("seq?", { status: 400 });
      return Response.json({ sent: await hub.broadcast(body.seq, body.payload) });
    }
    if (url.pathname === "/") return new Response("ok");
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<BaselineEnv>;
