import { beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_NEAR_THRESHOLDS,
  dueNotifications,
  notificationKey,
  notificationText,
  type DueNotification,
  type NotifiableTicket,
} from "../../durable/engine/notifications";
import { createState } from "../../durable/engine/state";
import type { DayState, Ticket } from "../../durable/engine/types";
import { openCountersFor, ticketsAhead } from "../../durable/engine/views";
import { buildNotification } from "../../worker/notify/index";
import { act, issued, walkIn } from "../support/engine";
import { hanoi, makePlan, MONDAY } from "../support/plans";

// The engine's Ticket must satisfy the rules' ticket shape (compile-time check).
const _ticketIsNotifiable = (t: Ticket): NotifiableTicket => t;
void _ticketIsNotifiable;

type T = NotifiableTicket & { ahead: number | null; high: number | null };

function waiting(seq: number, ahead: number | null, high: number | null = null, fieldCode = "DATDAI"): T {
  return { seq, status: "waiting", fieldCode, label: `A${String(seq).padStart(3, "0")}`, counterNumber: null, ahead, high };
}
function called(seq: number, counterNumber = 3): T {
  return { seq, status: "called", fieldCode: "DATDAI", label: `A${String(seq).padStart(3, "0")}`, counterNumber, ahead: null, high: null };
}
const due = (tickets: T[], sent: Set<string> = new Set(), thresholds = { positions: 5, minutes: 15 }, serving?: (f: string) => boolean) =>
  dueNotifications(tickets, sent, thresholds, (t) => t.ahead, (t) => t.high, serving);

describe("dueNotifications: thresholds", () => {
  it("by position: at most `positions` tickets ahead is near, one more is not", () => {
    const out = due([waiting(1, 0), waiting(2, 5), waiting(3, 6), waiting(4, 40)]);
    expect(out).toEqual([
      { ticketSeq: 1, kind: "near" },
      { ticketSeq: 2, kind: "near" },
    ]);
  });

  it("by minutes: a far position whose pessimistic estimate is within the limit is near", () => {
    const out = due([waiting(1, 12, 15), waiting(2, 12, 16), waiting(3, 12, null)]);
    expect(out).toEqual([{ ticketSeq: 1, kind: "near" }]);
  });

  it("either rule can be turned off with a negative value", () => {
    const tickets = [waiting(1, 2, 60), waiting(2, 30, 10)];
    expect(due(tickets, new Set(), { positions: -1, minutes: 15 })).toEqual([{ ticketSeq: 2, kind: "near" }]);
    expect(due(tickets, new Set(), { positions: 5, minutes: -1 })).toEqual([{ ticketSeq: 1, kind: "near" }]);
    expect(due(tickets, new Set(), { positions: -1, minutes: Number.NaN })).toEqual([]);
  });

  it("has a documented default of 5 positions or 15 minutes", () => {
    expect(DEFAULT_NEAR_THRESHOLDS).toEqual({ positions: 5, minutes: 15 });
  });

  it("skips tickets in a final state or already serving", () => {
    const statuses = ["serving", "served", "no_show", "cancelled", "expired"] as const;
    const tickets = statuses.map((status, i): T => ({ ...waiting(i + 1, 0, 0), status }));
    expect(due(tickets)).toEqual([]);
  });

  it("sends no 'near' while the field is not being served (e.g. a day booked in advance)", () => {
    const tickets = [waiting(1, 0, null, "DATDAI"), waiting(2, 0, null, "TUPHAP")];
    expect(due(tickets, new Set(), undefined, (f) => f === "TUPHAP")).toEqual([{ ticketSeq: 2, kind: "near" }]);
  });
});

describe("dueNotifications: at most once per ticket and kind", () => {
  it("a called ticket is due 'called' once; keys in `sent` are skipped", () => {
    const sent = new Set<string>();
    const first = due([called(7), waiting(8, 0)], sent);
    expect(first).toEqual([
      { ticketSeq: 7, kind: "called" },
      { ticketSeq: 8, kind: "near" },
    ]);
    for (const d of first) sent.add(notificationKey(d.ticketSeq, d.kind));
    // Recomputed after the next change (a recall, another call): nothing new.
    expect(due([called(7), waiting(8, 0)], sent)).toEqual([]);
    expect(notificationKey(7, "called")).toBe("7:called");
  });

  it("a ticket called without having been near gets only 'called'", () => {
    expect(due([called(1)])).toEqual([{ ticketSeq: 1, kind: "called" }]);
    // Transferred to another field after its call, it waits again: still no 'near'.
    expect(due([waiting(1, 0)], new Set(["1:called"]))).toEqual([]);
  });

  it("a near ticket later called gets 'called' too", () => {
    expect(due([called(1)], new Set(["1:near"]))).toEqual([{ ticketSeq: 1, kind: "called" }]);
  });
});

describe("dueNotifications over the real engine", () => {
  const at = (hhmm: string) => hanoi(MONDAY, hhmm);
  let state: DayState;
  const sent = new Set<string>();
  const step = (): DueNotification[] => {
    const out = dueNotifications(
      state.tickets,
      sent,
      { positions: 2, minutes: -1 },
      (t) => ticketsAhead(state, t),
      () => null,
      (f) => openCountersFor(state, f) > 0,
    );
    for (const d of out) sent.add(notificationKey(d.ticketSeq, d.kind));
    return out;
  };

  beforeEach(() => {
    state = createState(makePlan(MONDAY));
    sent.clear();
  });

  it("follows a morning: nothing before the counters open, then near and called once each", () => {
    for (let i = 0; i < 6; i++) issued(state, walkIn("DATDAI"), at(`08:0${i}`));
    expect(step()).toEqual([]); // no counter open yet
    expect(act(state, { action: "open", counter: 1 }, at("08:07")).ok).toBe(true);
    expect(step()).toEqual([1, 2, 3].map((ticketSeq) => ({ ticketSeq, kind: "near" })));
    act(state, { action: "call_next", counter: 1 }, at("08:08"));
    expect(step()).toEqual([
      { ticketSeq: 1, kind: "called" },
      { ticketSeq: 4, kind: "near" },
    ]);
    act(state, { action: "recall", counter: 1 }, at("08:09"));
    expect(step()).toEqual([]);
    act(state, { action: "complete", counter: 1 }, at("08:10"));
    act(state, { action: "call_next", counter: 1 }, at("08:11"));
    expect(step()).toEqual([
      { ticketSeq: 2, kind: "called" },
      { ticketSeq: 5, kind: "near" },
    ]);
  });

  it("builds the 'called' notification with the counter number", () => {
    const t = issued(state, walkIn("DATDAI"), at("08:00"));
    act(state, { action: "open", counter: 2 }, at("08:00"));
    act(state, { action: "call_next", counter: 2 }, at("08:05"));
    const [d] = step().filter((x) => x.kind === "called");
    const ticket = state.tickets[d!.ticketSeq - 1]!;
    const n = buildNotification(ticket, { branchId: state.branchId, serviceDate: state.date }, "called", at("08:05"));
    expect(n).toEqual({
      id: `${t.id}:called`,
      ticketId: t.id,
      branchId: "test-cn01",
      serviceDate: MONDAY,
      kind: "called",
      label: "A001",
      counterNumber: 2,
      textVi: "Mời công dân có số thứ tự A001 đến quầy số 2.",
      textEn: "Number A001, please go to counter 2.",
      at: at("08:05"),
    });
  });
});

describe("notificationText", () => {
  it("speaks like the hall's voice call, Vietnamese first", () => {
    expect(notificationText("near", { label: "A015", counterNumber: null }, "vi")).toBe(
      "Sắp đến lượt số A015 của bạn. Vui lòng có mặt tại khu vực chờ.",
    );
    expect(notificationText("called", { label: "A015", counterNumber: 3 }, "vi")).toBe("Mời công dân có số thứ tự A015 đến quầy số 3.");
    expect(notificationText("near", { label: "2015", counterNumber: null }, "en")).toBe(
      "Your number 2015 will be called soon. Please be in the waiting area.",
    );
    expect(notificationText("called", { label: "A015", counterNumber: 3 }, "en")).toBe("Number A015, please go to counter 3.");
  });

  it("has a 'called' text when the counter is unknown", () => {
    expect(notificationText("called", { label: "A015", counterNumber: null }, "vi")).toContain("A015");
    expect(notificationText("called", { label: "A015", counterNumber: null }, "vi")).not.toContain("null");
  });
});
