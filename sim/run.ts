/**
 * Plays a drawn day (model.ts) against the service through a port (the test gives one that
 * calls the real Worker and objects), with the service clock moved event by event: a day of
 * 08:00–17:00 runs in seconds. Keeps its own ledger of every ticket — the times are the
 * simulation's own (the clock it set), not read back from the service — for the checks.
 *
 * Clerks: every counter opens around 08:00, even-numbered ones take lunch 11:45–13:15, each
 * calls the next number whenever idle (sleeping while nobody it serves waits) until 16:30.
 * A called citizen who does not come is recalled after 90 s and marked no-show after 3 min;
 * one who comes is at the counter in a minute, served for their service time (or transferred
 * half-way when the visit says so). At 17:00 the day ends: what still waits expires.
 */
import type { DemoBranch } from "../seed/demo-center";
import type { DayScenario, Visit } from "./model";

const MINUTE_MS = 60_000;

/** What the port reports of a ticket (only its identity is taken from it). */
export interface SeenTicket {
  id: string;
  label: string;
  fieldCode: string;
}

export type PortResult = { ok: true; ticket: SeenTicket | null } | { ok: false; code: string };

/** The service as the simulation drives it. */
export interface ServicePort {
  setTime(ms: number): void;
  book(v: Visit, serviceDate: string): Promise<PortResult>;
  cancel(v: Visit, ticketId: string): Promise<PortResult>;
  checkIn(v: Visit, ticketId: string): Promise<PortResult>;
  counter(branchId: string, counter: number, action: string, body?: unknown): Promise<PortResult>;
  /** Runs the branch-days' end-of-day and history flush, at `atMs`. */
  endOfDay(serviceDate: string, branchIds: string[], atMs: number): Promise<void>;
  /** Records citizens' ratings of served tickets. */
  rate(ratings: Array<{ ticket: SimTicket; score: number }>): Promise<void>;
}

export type SimStatus = "waiting" | "called" | "serving" | "served" | "no_show" | "cancelled" | "expired";

/** The simulation's own record of a ticket. */
export interface SimTicket {
  id: string;
  label: string;
  branchId: string;
  serviceDate: string;
  visitNo: number;
  citizen: number;
  fieldCode: string;
  originalFieldCode: string | null;
  status: SimStatus;
  registeredAt: number;
  arrivedAt: number | null;
  calledAt: number | null;
  counterNumber: number | null;
  startedAt: number | null;
  endedAt: number | null;
  rating: number | null;
}

export interface DayOutcome {
  tickets: SimTicket[];
  /** Bookings refused, with when (the rules decide from what was held at that moment). */
  refusals: Array<{ visit: Visit; code: string; at: number }>;
  /** The day's visits by number. */
  visits: Map<number, Visit>;
  /** Counter commands the service refused although the simulation expected them to work. */
  surprises: string[];
  events: number;
  /** Wall-clock ms spent per kind of event (where the time goes; never asserted). */
  msByKind: Record<string, { n: number; ms: number }>;
}

type Event =
  | { kind: "book" | "arrive" | "cancel"; at: number; visit: Visit }
  | { kind: "open" | "idle" | "pause" | "resume"; at: number; branchId: string; counter: number }
  | { kind: "recall" | "no_show" | "start" | "complete" | "transfer"; at: number; branchId: string; counter: number; ticketId: string };

/** A binary heap of events by time, then by insertion (deterministic order). */
class EventQueue {
  private heap: Array<{ e: Event; n: number }> = [];
  private n = 0;
  constructor(private readonly tickMs: number) {}
  /** Time of the next event, if any. */
  peekAt(): number | undefined {
    return this.heap[0]?.e.at;
  }
  push(event: Event): void {
    // Every event happens on a tick, so events of different branches can share a clock reading.
    const e = { ...event, at: Math.ceil(event.at / this.tickMs) * this.tickMs };
    const h = this.heap;
    h.push({ e, n: this.n++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top?.e;
  }
  private less(a: { e: Event; n: number }, b: { e: Event; n: number }): boolean {
    return a.e.at < b.e.at || (a.e.at === b.e.at && a.n < b.n);
  }
}

export interface RunOptions {
  /** Epoch ms at 00:00 local of the service date. */
  midnight: number;
  /**
   * Events are rounded up to ticks of this length (default 5 s); the events of one tick run
   * branch by branch concurrently (each branch's in order), with the clock at the tick.
   */
  tickMs?: number;
}

/** Plays the day; returns the simulation's ledger. */
export async function runDay(scenario: DayScenario, port: ServicePort, o: RunOptions): Promise<DayOutcome> {
  const at = (hh: number, mm = 0) => o.midnight + (hh * 60 + mm) * MINUTE_MS;
  const lastCall = at(16, 30);
  const tickMs = o.tickMs ?? 5_000;
  const q = new EventQueue(tickMs);
  const tickets = new Map<string, SimTicket>();
  const byVisit = new Map<number, SimTicket>();
  const visitOf = new Map<string, Visit>();
  const refusals: DayOutcome["refusals"] = [];
  const surprises: string[] = [];
  const paused = new Set<string>();
  let events = 0;
  // Counters with nobody to call sleep until a number they serve may have become callable (a
  // booking, a check-in, a transfer) rather than polling every minute: far fewer calls.
  const fieldsOf = new Map<string, string[]>();
  for (const b of scenario.branches) {
    const offered = new Set(b.fields.filter((f) => f.enabled).map((f) => f.code));
    for (const c of b.counters) fieldsOf.set(`${b.id}:${c.number}`, c.fieldCodes.filter((f) => offered.has(f)));
  }
  const sleeping = new Map<string, { branchId: string; counter: number }>();
  const wake = (branchId: string, fieldCode: string, now: number) => {
    for (const [key, c] of sleeping) {
      if (c.branchId !== branchId || paused.has(key) || !fieldsOf.get(key)!.includes(fieldCode)) continue;
      // One clerk picks the new number up; the others sleep on.
      sleeping.delete(key);
      q.push({ kind: "idle", at: now + 20_000, ...c });
      return;
    }
  };

  for (const v of scenario.visits) {
    q.push({ kind: "book", at: v.bookAt, visit: v });
    if (v.cancelAt !== null) q.push({ kind: "cancel", at: v.cancelAt, visit: v });
    // Reception checks people in until 16:55 (the simulation's clock only moves forward).
    if (v.checksIn) q.push({ kind: "arrive", at: Math.min(Math.max(v.arriveAt, v.bookAt + 1), at(16, 55)), visit: v });
  }
  for (const b of scenario.branches) {
    for (const c of b.counters) {
      q.push({ kind: "open", at: at(8) + (c.number % 5) * MINUTE_MS, branchId: b.id, counter: c.number });
      if (c.number % 2 === 0) {
        q.push({ kind: "pause", at: at(11, 45), branchId: b.id, counter: c.number });
        q.push({ kind: "resume", at: at(13, 15), branchId: b.id, counter: c.number });
      }
    }
  }

  const command = async (e: Extract<Event, { branchId: string }>, action: string, body?: unknown) => {
    const r = await port.counter(e.branchId, e.counter, action, body);
    if (!r.ok) surprises.push(`${e.branchId} counter ${e.counter} ${action}: ${r.code}`);
    return r;
  };

  const msByKind: DayOutcome["msByKind"] = {};
  const branchOf = (e: Event) => ("visit" in e ? e.visit.branchId : e.branchId);
  for (let first = q.pop(); first; first = q.pop()) {
    const tick = [first];
    while (q.peekAt() === first.at) tick.push(q.pop()!);
    port.setTime(first.at);
    const byBranch = new Map<string, Event[]>();
    for (const e of tick) (byBranch.get(branchOf(e)) ?? byBranch.set(branchOf(e), []).get(branchOf(e))!).push(e);
    // Every delay the day schedules is at least one tick, so nothing lands in the tick being played.
    await Promise.all(
      [...byBranch.values()].map(async (list) => {
        for (const e of list) {
          events++;
          const wallStart = Date.now();
          await play(e);
          const k = (msByKind[e.kind] ??= { n: 0, ms: 0 });
          k.n++;
          k.ms += Date.now() - wallStart;
        }
      }),
    );
  }

  async function play(e: Event): Promise<void> {
    switch (e.kind) {
      case "book": {
        const v = e.visit;
        const r = await port.book(v, scenario.date);
        if (!r.ok || !r.ticket) {
          refusals.push({ visit: v, code: r.ok ? "no_ticket" : r.code, at: e.at });
          break;
        }
        const walkIn = v.channel === "walk_in" || v.channel === "priority";
        const t: SimTicket = {
          id: r.ticket.id,
          label: r.ticket.label,
          branchId: v.branchId,
          serviceDate: scenario.date,
          visitNo: v.no,
          citizen: v.citizen,
          fieldCode: v.fieldCode,
          originalFieldCode: null,
          status: "waiting",
          registeredAt: e.at,
          arrivedAt: walkIn ? e.at : null,
          calledAt: null,
          counterNumber: null,
          startedAt: null,
          endedAt: null,
          rating: null,
        };
        tickets.set(t.id, t);
        byVisit.set(v.no, t);
        visitOf.set(t.id, v);
        wake(v.branchId, v.fieldCode, e.at);
        break;
      }
      case "arrive": {
        const t = byVisit.get(e.visit.no);
        if (!t || (t.status !== "waiting" && t.status !== "called")) break;
        const r = await port.checkIn(e.visit, t.id);
        if (!r.ok) surprises.push(`check-in ${t.id}: ${r.code}`);
        else t.arrivedAt ??= e.at;
        wake(t.branchId, t.fieldCode, e.at);
        break;
      }
      case "cancel": {
        const t = byVisit.get(e.visit.no);
        if (!t || t.status !== "waiting") break;
        const r = await port.cancel(e.visit, t.id);
        if (!r.ok) surprises.push(`cancel ${t.id}: ${r.code}`);
        else {
          t.status = "cancelled";
          t.endedAt = e.at;
        }
        break;
      }
      case "open":
        if ((await command(e, "open")).ok) q.push({ ...e, kind: "idle" });
        break;
      case "pause":
        paused.add(`${e.branchId}:${e.counter}`);
        break;
      case "resume": {
        const key = `${e.branchId}:${e.counter}`;
        paused.delete(key);
        // Back from lunch: look at the queue at once (numbers may have waited meanwhile).
        if (sleeping.delete(key)) q.push({ kind: "idle", at: e.at + 5_000, branchId: e.branchId, counter: e.counter });
        break;
      }
      case "idle": {
        if (e.at > lastCall) break;
        if (paused.has(`${e.branchId}:${e.counter}`)) {
          q.push({ ...e, at: at(13, 15) + 1 });
          break;
        }
        const r = await port.counter(e.branchId, e.counter, "call-next");
        if (!r.ok) {
          if (r.code !== "queue_empty") surprises.push(`${e.branchId} counter ${e.counter} call-next: ${r.code}`);
          sleeping.set(`${e.branchId}:${e.counter}`, { branchId: e.branchId, counter: e.counter });
          break;
        }
        const t = tickets.get(r.ticket!.id);
        const v = t && visitOf.get(t.id);
        if (!t || !v) {
          surprises.push(`called an unknown ticket ${r.ticket!.id}`);
          break;
        }
        t.status = "called";
        t.calledAt = e.at;
        t.counterNumber = e.counter;
        const next = { branchId: e.branchId, counter: e.counter, ticketId: t.id };
        if (v.noShow) {
          q.push({ kind: "recall", at: e.at + 90_000, ...next });
          q.push({ kind: "no_show", at: e.at + 180_000, ...next });
        } else {
          q.push({ kind: "start", at: e.at + MINUTE_MS, ...next });
        }
        break;
      }
      case "recall":
        await command(e, "recall");
        break;
      case "no_show": {
        const t = tickets.get(e.ticketId)!;
        if ((await command(e, "no-show")).ok) {
          t.status = "no_show";
          t.endedAt = e.at;
        }
        q.push({ kind: "idle", at: e.at + 5_000, branchId: e.branchId, counter: e.counter });
        break;
      }
      case "start": {
        const t = tickets.get(e.ticketId)!;
        const v = visitOf.get(t.id)!;
        if ((await command(e, "start")).ok) {
          t.status = "serving";
          t.startedAt = e.at;
        }
        // Transferred once at most: a ticket already transferred is served where it landed.
        if (v.transferTo !== null && t.originalFieldCode === null && v.transferTo !== t.fieldCode) {
          q.push({ ...e, kind: "transfer", at: e.at + Math.round(v.serviceMs / 2) });
        } else {
          q.push({ ...e, kind: "complete", at: e.at + v.serviceMs });
        }
        break;
      }
      case "transfer": {
        const t = tickets.get(e.ticketId)!;
        const v = visitOf.get(t.id)!;
        if ((await command(e, "transfer", { toFieldCode: v.transferTo })).ok) {
          t.originalFieldCode = t.fieldCode;
          t.fieldCode = v.transferTo!;
          t.status = "waiting";
          t.calledAt = null;
          t.counterNumber = null;
          t.startedAt = null;
          wake(t.branchId, t.fieldCode, e.at);
        }
        q.push({ kind: "idle", at: e.at + 5_000, branchId: e.branchId, counter: e.counter });
        break;
      }
      case "complete": {
        const t = tickets.get(e.ticketId)!;
        if ((await command(e, "complete")).ok) {
          t.status = "served";
          t.startedAt ??= t.calledAt;
          t.endedAt = e.at;
          t.rating = visitOf.get(t.id)!.rating;
        }
        q.push({ kind: "idle", at: e.at + 5_000, branchId: e.branchId, counter: e.counter });
        break;
      }
    }
  }

  // 17:00: the day ends; whatever still waits (or was called and never came back) expires.
  const endAt = at(17);
  port.setTime(endAt);
  await port.endOfDay(scenario.date, scenario.branches.map((b: DemoBranch) => b.id), endAt);
  for (const t of tickets.values()) {
    if (t.status === "waiting" || t.status === "called") {
      t.status = "expired";
      t.endedAt = endAt;
    }
  }
  const served = [...tickets.values()].filter((t) => t.status === "served" && t.rating !== null);
  await port.rate(served.map((t) => ({ ticket: t, score: t.rating! })));
  return { tickets: [...tickets.values()], visits: new Map(scenario.visits.map((v) => [v.no, v])), refusals, surprises, events, msByKind };
}
