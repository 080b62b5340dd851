/**
 * Live views on the real runtime: snapshot then ordered deltas, authorization, hibernation,
 * resync, display tokens, and a thousand watchers on one branch-day.
 */
import { env, evictDurableObject, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { applyPatch, type AudienceView, type ServerMessage } from "../../shared/live-protocol";
import { branchDay } from "../../worker/booking";
import { ticketLiveToken } from "../../worker/identity/live-tokens";
import { liveDay, openLive, staffHeaders, type LiveSocket } from "../support/live";
import { MONDAY } from "../support/plans";
import { freezeAt, seedDemoCenter } from "../support/world";

const BRANCH = "hn-cn01";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(MONDAY, "09:00");
});
afterAll(() => testClock.release());

const { bookOne, staff } = liveDay(BRANCH, MONDAY, 1);

function follow(messages: ServerMessage[]): { view: AudienceView; version: number } {
  const [first, ...rest] = messages;
  if (first?.type !== "snapshot") throw new Error("first message must be a snapshot");
  let view = first.view;
  let version = first.v;
  for (const m of rest) {
    if (m.type !== "delta") continue;
    expect(m.from).toBe(version); // deltas arrive in order, without gaps
    view = applyPatch(view, m.patch);
    version = m.v;
  }
  return { view, version };
}

describe("a citizen watching their ticket", () => {
  it("gets a snapshot, then a delta for each change that concerns them, in order", async () => {
    const mine = await bookOne("KINHDOANH");
    const live = await openLive(`/api/v1/live/tickets/${mine.id}?token=${await ticketLiveToken(env, mine.id)}`);
    const snap = await live.next();
    expect(snap).toMatchObject({ type: "snapshot", audience: "citizen", view: { ticket: { id: mine.id, status: "waiting", ahead: 0 } } });
    // No service observed yet today or in history: an honest range from the default model.
    expect(snap.type === "snapshot" && "ticket" in snap.view && snap.view.ticket.estimate).toMatchObject({ basis: "default" });

    await bookOne("KINHDOANH"); // someone registers after me: the field's queue grows
    await staff("/counters/12/open");
    await staff("/counters/12/call-next"); // me
    await staff("/counters/12/start");
    await staff("/counters/12/complete");
    await live.waitFor(6);
    const kinds = live.messages.slice(1).map((m) => (m.type === "delta" ? m.event?.kind : m.type));
    expect(kinds).toEqual(["issued", "counter", "called", "started", "served"]);
    const { view } = follow(live.messages);
    expect(view).toMatchObject({ ticket: { status: "served", counterNumber: 12 }, field: { code: "KINHDOANH", waiting: 1 } });
    // The view built from deltas equals a fresh snapshot.
    live.ws.send(JSON.stringify({ type: "resync" }));
    await live.waitFor(7);
    const fresh = live.messages[6]!;
    expect(fresh.type === "snapshot" && fresh.view).toEqual(view);
    live.ws.close();
  });

  it("cannot subscribe to someone else's ticket, nor with a forged or missing token", async () => {
    const mine = await bookOne("XAYDUNG");
    const theirs = await bookOne("XAYDUNG");
    const myToken = await ticketLiveToken(env, mine.id);
    for (const url of [
      `/api/v1/live/tickets/${theirs.id}?token=${myToken}`,
      `/api/v1/live/tickets/${theirs.id}?token=${myToken.slice(0, -4)}AAAA`,
      `/api/v1/live/tickets/${theirs.id}`,
    ]) {
      const res = await SELF.fetch(`http://sothutu.test${url}`, { headers: { Upgrade: "websocket" } });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("can poll the same view without a socket", async () => {
    const mine = await bookOne("TUPHAP");
    const res = await SELF.fetch(`http://sothutu.test/api/v1/live/tickets/${mine.id}?token=${await ticketLiveToken(env, mine.id)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, audience: "citizen", view: { ticket: { id: mine.id } } });
  });
});

describe("hibernation and resync", () => {
  it("sockets keep receiving updates after the object is evicted with its sockets hibernating", async () => {
    const mine = await bookOne("NONGNGHIEP");
    const live = await openLive(`/api/v1/live/tickets/${mine.id}?token=${await ticketLiveToken(env, mine.id)}`);
    await live.next();
    const day = branchDay(env, BRANCH, MONDAY);
    await evictDurableObject(day, { webSockets: "hibernate" });
    await staff("/counters/11/open", { fieldCodes: ["NONGNGHIEP"] });
    await staff("/counters/11/call-next");
    await live.waitFor(3);
    const { view } = follow(live.messages);
    expect(view).toMatchObject({ ticket: { status: "called", counterNumber: 11 } });
    await staff("/counters/11/complete");
    expect(await day.watcherCount()).toBeGreaterThanOrEqual(1);
    live.ws.close();
  });

  it("heartbeats are answered without a protocol message", async () => {
    const mine = await bookOne("DATDAI");
    const live = await openLive(`/api/v1/live/tickets/${mine.id}?token=${await ticketLiveToken(env, mine.id)}`);
    await live.next();
    const pong = new Promise((resolve) => live.ws.addEventListener("message", (e) => e.data === "pong" && resolve(e.data)));
    live.ws.send("ping");
    expect(await pong).toBe("pong");
    live.ws.close();
  });
});

describe("staff and hall display views", () => {
  it("a counter tablet and reception follow the queue through staff live tokens", async () => {
    const counterToken = (await staff("/live-tokens", { audience: "counter", counter: 3 })).token as string;
    const receptionToken = (await staff("/live-tokens", { audience: "reception" })).token as string;
    const counter = await openLive(`/api/v1/live/branches/${BRANCH}/staff?token=${counterToken}`);
    const reception = await openLive(`/api/v1/live/branches/${BRANCH}/staff?token=${receptionToken}`);
    expect(await counter.next()).toMatchObject({ type: "snapshot", audience: "counter", view: { counter: { number: 3 } } });
    expect(await reception.next()).toMatchObject({ type: "snapshot", audience: "reception" });
    const t = await bookOne("DATDAI");
    await reception.waitFor(2);
    expect(follow(reception.messages).view).toMatchObject({ tickets: expect.arrayContaining([expect.objectContaining({ id: t.id })]) });
    await staff("/counters/3/open");
    await counter.waitFor(3);
    expect(follow(counter.messages).view).toMatchObject({ counter: { status: "open" } });
    // A token for another branch opens nothing here.
    const res = await SELF.fetch(`http://sothutu.test/api/v1/live/branches/hn-cn02/staff?token=${counterToken}`);
    expect(res.status).toBe(403);
    counter.ws.close();
    reception.ws.close();
  });

  it("the display shows calls by counter, and a revoked display token disconnects the screen", async () => {
    const issued = await staff("/display-tokens", { label: "Sảnh tầng 1" });
    const display = await openLive(`/api/v1/live/branches/${BRANCH}/display?token=${issued.token as string}`);
    const snap = await display.next();
    expect(snap).toMatchObject({ type: "snapshot", audience: "display" });
    expect(JSON.stringify(snap)).not.toMatch(/\*\*\*/); // no masked ID numbers on a public screen
    await bookOne("DATDAI");
    await staff("/counters/2/open");
    const called = await staff("/counters/2/call-next");
    const label = (called.ticket as { label: string }).label;
    await display.waitFor(4);
    const { view } = follow(display.messages);
    expect(view).toMatchObject({ recentCalls: expect.arrayContaining([expect.objectContaining({ label, counter: 2 })]) });
    expect(display.messages.some((m) => m.type === "delta" && m.event?.kind === "called" && m.event.label === label)).toBe(true);

    const revoke = await SELF.fetch(`http://sothutu.test/api/v1/staff/branches/${BRANCH}/display-tokens/${issued.id as string}`, { method: "DELETE", headers: await staffHeaders() });
    expect(await revoke.json()).toMatchObject({ disconnected: 1 });
    expect((await display.closed).code).toBe(4001);
    const again = await SELF.fetch(`http://sothutu.test/api/v1/live/branches/${BRANCH}/display?token=${issued.token as string}`, { headers: { Upgrade: "websocket" } });
    expect(again.status).toBe(403);
  });
});

describe("fan-out", () => {
  it("1,000 sockets on one branch-day all receive a call event", { timeout: 120_000 }, async () => {
    const issued = await staff("/display-tokens", { label: "load" });
    const url = `/api/v1/live/branches/${BRANCH}/display?token=${issued.token as string}`;
    const sockets = [];
    for (let i = 0; i < 1000; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => openLive(url)))));
    await Promise.all(sockets.map((s) => s.next()));
    await bookOne("DATDAI");
    await staff("/counters/4/open", { fieldCodes: ["TUPHAP"] }).catch(() => undefined);
    await staff("/counters/1/open");
    const called = await staff("/counters/1/call-next");
    const label = (called.ticket as { label: string }).label;
    await Promise.all(
      sockets.map(async (s) => {
        for (let i = 0; i < 200; i++) {
          if (s.messages.some((m) => m.type === "delta" && m.event?.kind === "called" && m.event.label === label)) return;
          await s.waitFor(s.messages.length + 1, 10_000);
        }
      }),
    );
    const received = sockets.filter((s) => s.messages.some((m) => m.type === "delta" && m.event?.kind === "called" && m.event.label === label)).length;
    expect(received).toBe(1000);
    for (const s of sockets) s.ws.close();
  });

  it("with hundreds of watchers, changes that call nobody travel together; every view stays exact and calls go out at once", { timeout: 120_000 }, async () => {
    const issued = await staff("/display-tokens", { label: "rush" });
    const url = `/api/v1/live/branches/${BRANCH}/display?token=${issued.token as string}`;
    const sockets: LiveSocket[] = [];
    for (let i = 0; i < 250; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => openLive(url)))));
    await Promise.all(sockets.map((s) => s.next()));
    // A rush: numbers issued back to back while 250 screens watch (above COALESCE_MIN_SOCKETS).
    for (let i = 0; i < 6; i++) await bookOne("TUPHAP");
    await staff("/counters/10/open", { fieldCodes: ["TUPHAP"] });
    const called = await staff("/counters/10/call-next");
    const label = (called.ticket as { label: string }).label;
    const hasCall = (s: LiveSocket) => s.messages.some((m) => m.type === "delta" && m.event?.kind === "called" && m.event.label === label);
    await Promise.all(
      sockets.map(async (s) => {
        for (let i = 0; i < 50 && !hasCall(s); i++) await s.waitFor(s.messages.length + 1, 10_000);
      }),
    );
    expect(sockets.filter(hasCall).length).toBe(250);
    // Following the (fewer) deltas gives exactly the view a fresh snapshot shows.
    const fresh = await (await SELF.fetch(`http://sothutu.test${url}`)).json<{ view: AudienceView }>();
    for (const s of sockets) expect(follow(s.messages).view).toEqual(fresh.view);
    // Never more than one delta per change (6 issues, an opening, a call); gathered, often fewer.
    const deltas = sockets[0]!.messages.filter((m) => m.type === "delta").length;
    expect(deltas).toBeLessThanOrEqual(8);
    for (const s of sockets) s.ws.close();
  });
});
