import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { demoSeedStatements } from "../../seed/demo-center";
import { type TicketHistoryRow, upsertTicketHistory } from "../../worker/db/history";
import { HISTORY_SAMPLES_PER_FIELD, loadServiceTimeHistory, sameWeekdayDates } from "../../worker/db/service-history";
import { epochAt, VN_TIME_ZONE } from "../../shared/time";

// D1 storage is isolated per test file, not per test: each test starts from an empty archive.
beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM ticket_history"),
    env.DB.prepare("DELETE FROM citizens"),
    ...demoSeedStatements().map((s) => env.DB.prepare(s)),
  ]);
});

const MIN = 60_000;
/** The day whose estimates need history: a Monday. */
const TODAY = "2026-03-30";
const LAST_MONDAY = "2026-03-23";

let seqs = 0;
/** A served ticket on `date` that took `minutes` at the counter, ending `endOffsetMin` after 08:00. */
function served(date: string, fieldCode: string, minutes: number, over: Partial<TicketHistoryRow> = {}, endOffsetMin = 60): TicketHistoryRow {
  const seq = ++seqs;
  const ended = epochAt(date, "08:00", VN_TIME_ZONE) + endOffsetMin * MIN;
  const branchId = over.branchId ?? "hn-cn01";
  return {
    id: `${branchId}:${date}:${seq}`,
    branchId,
    serviceDate: date,
    seq,
    fieldCode,
    originalFieldCode: null,
    number: seq,
    label: `A${String(seq).padStart(3, "0")}`,
    channel: "online",
    priority: null,
    citizenKey: `citizen-${seq}`,
    citizenMasked: "001******345",
    status: "served",
    registeredAt: ended - (minutes + 30) * MIN,
    arrivedAt: null,
    verifiedBy: null,
    calledAt: ended - (minutes + 1) * MIN,
    counterNumber: 1,
    callCount: 1,
    startedAt: ended - minutes * MIN,
    endedAt: ended,
    version: 3,
    ...over,
  };
}

const minutesOf = (xs: number[] | undefined) => (xs ?? []).map((ms) => ms / MIN).sort((a, b) => a - b);

describe("service times of the same weekday in earlier weeks", () => {
  it("reads the same weekday of the previous four weeks, not today, other weekdays, older weeks or other branches", async () => {
    await upsertTicketHistory(
      env.DB,
      [
        served("2026-03-23", "DATDAI", 8),
        served("2026-03-16", "DATDAI", 9),
        served("2026-03-09", "DATDAI", 10),
        served("2026-03-02", "DATDAI", 11),
        served("2026-02-23", "DATDAI", 99), // five weeks back
        served("2026-03-30", "DATDAI", 98), // today itself
        served("2026-03-27", "DATDAI", 97), // last Friday
        served("2026-03-24", "DATDAI", 96), // last Tuesday
        served("2026-03-23", "DATDAI", 95, { branchId: "hn-cn02" }), // another branch
      ],
      Date.now(),
    );
    const history = await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY);
    expect(Object.keys(history)).toEqual(["DATDAI"]);
    expect(minutesOf(history.DATDAI)).toEqual([8, 9, 10, 11]);

    expect(minutesOf((await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY, 1)).DATDAI)).toEqual([8]);
    expect(minutesOf((await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY, 5)).DATDAI)).toEqual([8, 9, 10, 11, 99]);
    expect(minutesOf((await loadServiceTimeHistory(env.DB, "hn-cn02", TODAY)).DATDAI)).toEqual([95]);
  });

  it("counts only tickets actually served, with both times, per field", async () => {
    await upsertTicketHistory(
      env.DB,
      [
        served(LAST_MONDAY, "DATDAI", 12),
        served(LAST_MONDAY, "TUPHAP", 5),
        served(LAST_MONDAY, "TUPHAP", 7),
        // Completed straight from "called": service began at the call (the engine records that).
        served(LAST_MONDAY, "XAYDUNG", 20),
        served(LAST_MONDAY, "DATDAI", 30, { status: "no_show", startedAt: null }),
        served(LAST_MONDAY, "DATDAI", 31, { status: "expired", startedAt: null }),
        served(LAST_MONDAY, "DATDAI", 32, { status: "cancelled", calledAt: null, startedAt: null }),
        served(LAST_MONDAY, "DATDAI", 33, { status: "served", startedAt: null }),
        served(LAST_MONDAY, "DATDAI", 34, { status: "served", endedAt: null }),
        // A clock that went backwards is no sample.
        served(LAST_MONDAY, "DATDAI", -3),
        // Transferred to justice and served there: a justice service time.
        served(LAST_MONDAY, "TUPHAP", 6, { originalFieldCode: "DATDAI" }),
      ],
      Date.now(),
    );
    const history = await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY);
    expect(Object.fromEntries(Object.entries(history).map(([f, xs]) => [f, minutesOf(xs)]))).toEqual({
      DATDAI: [12],
      TUPHAP: [5, 6, 7],
      XAYDUNG: [20],
    });
  });

  it(`keeps the newest ${HISTORY_SAMPLES_PER_FIELD} samples of a busy field, newest first`, async () => {
    const rows: TicketHistoryRow[] = [];
    // 320 land dossiers over two Mondays, each ending a minute after the one before.
    for (let i = 0; i < 320; i++) rows.push(served(i < 160 ? "2026-03-16" : LAST_MONDAY, "DATDAI", 5 + (i % 10), {}, i % 160));
    rows.push(served(LAST_MONDAY, "TUPHAP", 4));
    await upsertTicketHistory(env.DB, rows, Date.now());

    const history = await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY);
    expect(history.DATDAI).toHaveLength(HISTORY_SAMPLES_PER_FIELD);
    expect(history.TUPHAP).toHaveLength(1);
    // The newest: last Monday's 160, then the latest 140 of the Monday before.
    const expected = rows
      .filter((r) => r.fieldCode === "DATDAI")
      .sort((a, b) => b.endedAt! - a.endedAt!)
      .slice(0, HISTORY_SAMPLES_PER_FIELD)
      .map((r) => r.endedAt! - r.startedAt!);
    expect(history.DATDAI).toEqual(expected);

    expect((await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY, 4, 10)).DATDAI).toEqual(expected.slice(0, 10));
  });

  it("is empty for a branch or day without history", async () => {
    expect(await loadServiceTimeHistory(env.DB, "hn-cn01", TODAY)).toEqual({});
    expect(await loadServiceTimeHistory(env.DB, "no-such-branch", TODAY)).toEqual({});
  });

  it("refuses a malformed date or number of weeks instead of querying nonsense", async () => {
    await expect(loadServiceTimeHistory(env.DB, "hn-cn01", "2026-02-30")).rejects.toThrow(RangeError);
    await expect(loadServiceTimeHistory(env.DB, "hn-cn01", TODAY, 0)).rejects.toThrow(RangeError);
    expect(sameWeekdayDates(TODAY, 4)).toEqual(["2026-03-23", "2026-03-16", "2026-03-09", "2026-03-02"]);
    // Across a year end.
    expect(sameWeekdayDates("2027-01-04", 2)).toEqual(["2026-12-28", "2026-12-21"]);
  });
});
