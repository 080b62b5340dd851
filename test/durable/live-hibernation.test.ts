/**
 * Live sockets across hibernation: after a wake every socket must continue from exactly the
 * version it holds (the hub keeps it in each socket's attachment). These tests evict the object
 * (its sockets hibernating) between changes, while groups of sockets grow, shrink and resync,
 * and check that every socket's chain of deltas has no gap and ends at the view a fresh
 * snapshot shows.
 */
import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { applyPatch, type AudienceView, type ServerMessage } from "../../shared/live-protocol";
import { branchDay, parseTicketId } from "../../worker/booking";
import { ticketLiveToken } from "../../worker/identity/live-tokens";
import { COALESCE_MIN_SOCKETS } from "../../durable/live-hub";
import { liveDay, openLive, type LiveSocket } from "../support/live";
import { MONDAY } from "../support/plans";
import { demoPlan, freezeAt, seedDemoCenter } from "../support/world";

const BRANCH = "hn-cn01";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(MONDAY, "09:00");
});
afterAll(() => testClock.release());


const { bookOne, staff } = liveDay(BRANCH, MONDAY, 5_000);

const day = () => branchDay(env, BRANCH, MONDAY);
const hibernate = () => evictDurableObject(day(), { webSockets: "hibernate" });

/**
 * Follows a socket's messages like a client: a snapshot sets the view, each delta must start at
 * the version the socket holds (a gap fails the test: the client would have had to resync).
 */
function follow(messages: ServerMessage[]): { view: AudienceView; version: number; snapshots: number } {
  let view: AudienceView | null = null;
  let version = -1;
  let snapshots = 0;
  for (const m of messages) {
    if (m.type === "snapshot") {
      view = m.view;
      version = m.v;
      snapshots++;
    } else if (m.type === "delta") {
      if (!view) throw new Error("delta before any snapshot");
      expect(m.from, `delta ${m.from}→${m.v} to a socket at ${version}`).toBe(version);
      view = applyPatch(view, m.patch);
      version = m.v;
    } else throw new Error(`unexpected ${m.type}`);
  }
  if (!view) throw new Error("no snapshot");
  return { view, version, snapshots };
}

/** Waits until every socket has heard of `version` (or later). */
async function settle(sockets: LiveSocket[], version: number): Promise<void> {
  for (const s of sockets) {
    for (let i = 0; i < 100; i++) {
      const last = s.messages.at(-1);
      if (last && last.type !== "error" && last.v >= version) break;
      await s.waitFor(s.messages.length + 1, 5_000);
    }
  }
}

async function dayVersion(): Promise<number> {
  return (await day().prepare(await demoPlan(BRANCH, MONDAY))).version;
}

async function fresh(url: string): Promise<{ v: number; view: AudienceView }> {
  return (await SELF.fetch(`http://sothutu.test${url}`)).json<{ v: number; view: AudienceView }>();
}

describe("a socket continues from the version it holds, across hibernation", () => {
  it("displays (one group), a lone phone and a pair of phones, evicted between every change", { timeout: 60_000 }, async () => {
    const displayUrl = `/api/v1/live/branches/${BRANCH}/display?token=${(await staff("/display-tokens", { label: "hibernation" })).token as string}`;
    const mine = await bookOne("XAYDUNG");
    const shared = await bookOne("XAYDUNG");
    const mineUrl = `/api/v1/live/tickets/${mine.id}?token=${await ticketLiveToken(env, mine.id)}`;
    const sharedUrl = `/api/v1/live/tickets/${shared.id}?token=${await ticketLiveToken(env, shared.id)}`;
    const displays = await Promise.all([1, 2, 3].map(() => openLive(displayUrl)));
    const phone = await openLive(mineUrl);
    const pair = await Promise.all([openLive(sharedUrl), openLive(sharedUrl)]);
    const all = () => [...displays, phone, ...pair];
    await Promise.all(all().map((s) => s.next()));

    // Each step changes the day, then the object is evicted with its sockets hibernating.
    const steps: Array<() => Promise<unknown>> = [
      () => bookOne("XAYDUNG"),
      () => staff("/counters/11/open", { fieldCodes: ["XAYDUNG"] }),
      async () => {
        // A display asks for a snapshot: it now holds a newer version than its group's last delta.
        displays[0]!.ws.send(JSON.stringify({ type: "resync" }));
        await displays[0]!.waitFor(displays[0]!.messages.length + 1);
      },
      () => bookOne("XAYDUNG"),
      async () => {
        // A new display joins (snapshot), then the group moves on together.
        const late = await openLive(displayUrl);
        await late.next();
        displays.push(late);
      },
      () => staff("/counters/11/call-next"), // calls `mine`
      async () => {
        // One of the pair leaves: the other is now alone in its group (its attachment records).
        pair[1]!.ws.close();
        await pair[1]!.closed;
      },
      () => bookOne("XAYDUNG"),
      () => staff("/counters/11/complete"),
      () => staff("/counters/11/call-next"), // calls `shared`
      () => bookOne("DATDAI"), // no XAYDUNG phone's view changes; displays' does
      () => staff("/counters/11/start"),
    ];
    for (const step of steps) {
      // A second between steps: calls at the very same millisecond would come back from storage in
      // either order (recentCalls is rebuilt from the tickets' call times after a wake).
      testClock.advance(1_000);
      await step();
      // Every step changes the displays' view (or none's): once they have it, so have the phones
      // whose view changed (one send loop, one turn).
      await settle(displays, await dayVersion());
      await new Promise((r) => setTimeout(r, 50));
      await hibernate();
    }
    const v = await dayVersion();
    const watching = all().filter((s) => s !== pair[1]);

    const expected = { display: await fresh(displayUrl), mine: await fresh(mineUrl), shared: await fresh(sharedUrl) };
    for (const s of displays) {
      const f = follow(s.messages);
      expect(f.view).toEqual(expected.display.view);
      expect(f.version).toBe(v);
      expect(f.snapshots).toBe(s === displays[0] ? 2 : 1); // only the one asked for
    }
    const p = follow(phone.messages);
    expect(p.view).toEqual(expected.mine.view);
    expect(p.view).toMatchObject({ ticket: { status: "served" } });
    expect(p.snapshots).toBe(1);
    const q = follow(pair[0]!.messages);
    expect(q.view).toEqual(expected.shared.view);
    expect(q.view).toMatchObject({ ticket: { status: "serving" } });
    expect(q.snapshots).toBe(1);
    follow(pair[1]!.messages); // no gap before it left either
    for (const s of watching) s.ws.close();
  });

  it("changes gathered for a coalesced delta are not lost when the object is evicted right after them", { timeout: 120_000 }, async () => {
    const displayUrl = `/api/v1/live/branches/${BRANCH}/display?token=${(await staff("/display-tokens", { label: "coalesced" })).token as string}`;
    const sockets: LiveSocket[] = [];
    for (let i = 0; i < COALESCE_MIN_SOCKETS; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => openLive(displayUrl)))));
    await Promise.all(sockets.map((s) => s.next()));
    // A booking in one field is gathered (no call: it waits up to COALESCE_MS), the object is
    // evicted at once, then a call in another field follows: had the booking been lost, a delta
    // with only the call would leave every display's NONGNGHIEP counts behind.
    await bookOne("NONGNGHIEP");
    await hibernate();
    await staff("/counters/12/open", { fieldCodes: ["KINHDOANH"] });
    await bookOne("KINHDOANH");
    await staff("/counters/12/call-next");
    const v = await dayVersion();
    await settle(sockets, v);
    const expected = await fresh(displayUrl);
    for (const s of sockets) {
      const f = follow(s.messages);
      expect(f.version).toBe(v);
      expect(f.view).toEqual(expected.view);
    }
    for (const s of sockets) s.ws.close();
  });
});
