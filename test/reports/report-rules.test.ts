/**
 * The report's rules on small hand-made histories: nearest-rank percentiles exactly as defined,
 * where a wait starts (check-in, registration, never before booking opens), the range limits,
 * and CSV fields that Excel reads safely.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_REPORT_DAYS } from "../../shared/report-schemas";
import { csvField, csvSeconds, reportCsv } from "../../worker/reports/csv";
import { checkReportRange } from "../../worker/reports/range";
import { buildReport } from "../../worker/reports/report";
import { hanoi } from "../support/plans";
import { seedDemoCenter } from "../support/world";

const DATE = "2026-11-16";
const MIN = 60_000;
let seq = 0;

/** A history row as a branch-day would flush it (only what reports read matters here). */
async function ticket(t: { field?: string; status: string; registeredAt: number; arrivedAt?: number | null; calledAt?: number | null; startedAt?: number | null; endedAt?: number | null; counter?: number | null }) {
  const n = ++seq;
  await env.DB.prepare(
    `INSERT INTO ticket_history (id, branch_id, service_date, seq, field_code, number, label, channel, citizen_key, status, registered_at, arrived_at, called_at, counter_number, call_count, started_at, ended_at, version, flushed_at)
     VALUES (?, 'hn-cn02', ?, ?, ?, ?, ?, 'online', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)`,
  )
    .bind(`hn-cn02:${DATE}:${n}`, DATE, n, t.field ?? "TUPHAP", n, `T${n}`, `key-${n}`, t.status, t.registeredAt, t.arrivedAt ?? null, t.calledAt ?? null, t.counter ?? null, t.calledAt ? 1 : 0, t.startedAt ?? null, t.endedAt ?? null)
    .run();
}

beforeAll(async () => {
  await seedDemoCenter();
  const at = (hhmm: string) => hanoi(DATE, hhmm);
  // Ten served land tickets registered at 09:00, called after 1…10 minutes, served for 1…10 minutes.
  for (let i = 1; i <= 10; i++) {
    await ticket({ field: "DATDAI", status: "served", registeredAt: at("09:00"), calledAt: at("09:00") + i * MIN, startedAt: at("09:00") + i * MIN, endedAt: at("09:00") + 2 * i * MIN, counter: 1 });
  }
  // Justice: booked the evening before (waits from 08:00), checked in at 10:00 (waits from then),
  // checked in after being called (wait 0), never called (cancelled), still waiting (unresolved).
  await ticket({ status: "no_show", registeredAt: hanoi("2026-11-13", "15:00"), calledAt: at("08:30"), endedAt: at("08:33"), counter: 4 });
  await ticket({ status: "served", registeredAt: at("08:05"), arrivedAt: at("10:00"), calledAt: at("10:07"), startedAt: at("10:08"), endedAt: at("10:20"), counter: 4 });
  await ticket({ status: "expired", registeredAt: at("11:00"), arrivedAt: at("11:30"), calledAt: at("11:20"), endedAt: at("17:00"), counter: 4 });
  await ticket({ status: "cancelled", registeredAt: at("12:00"), endedAt: at("12:05") });
  await ticket({ status: "waiting", registeredAt: at("15:00") });
});

describe("figures", () => {
  it("percentiles are nearest-rank: of 1…10 minutes, p50 is the 5th and p90 the 9th", async () => {
    const r = await buildReport(env, { branchIds: ["hn-cn02"], from: DATE, to: DATE, groupBy: "field" });
    const land = r.rows.find((row) => row.key === "DATDAI")!;
    expect(land.waitMs).toEqual({ count: 10, p50: 5 * MIN, p90: 9 * MIN });
    expect(land.serviceMs).toEqual({ count: 10, p50: 5 * MIN, p90: 9 * MIN });
    expect(land.busyMs).toBe(55 * MIN);
  });

  it("a wait starts at check-in, else at registration, never before booking opens; late check-in waits 0", async () => {
    const r = await buildReport(env, { branchIds: ["hn-cn02"], from: DATE, to: DATE, groupBy: "field" });
    const justice = r.rows.find((row) => row.key === "TUPHAP")!;
    // Waits: 30 min (from 08:00, not from the evening before), 7 min (from check-in), 0 (checked in after the call).
    expect(justice.waitMs).toEqual({ count: 3, p50: 7 * MIN, p90: 30 * MIN });
    expect(justice).toMatchObject({ issued: 5, served: 1, noShow: 1, expired: 1, cancelled: 1, unresolved: 1, serviceMs: { count: 1, p50: 12 * MIN, p90: 12 * MIN } });
    // The total's percentiles are over every wait (0, 1…10, 7, 30: rank 7 and rank 12 of 13), not a percentile of percentiles.
    expect(r.total.waitMs).toEqual({ count: 13, p50: 6 * MIN, p90: 10 * MIN });
  });

  it("by hour, a ticket counts in the hour its wait started", async () => {
    const r = await buildReport(env, { branchIds: ["hn-cn02"], from: DATE, to: DATE, groupBy: "hour" });
    expect(Object.fromEntries(r.rows.map((row) => [row.key, row.issued]))).toEqual({ "08:00": 1, "09:00": 10, "10:00": 1, "11:00": 1, "12:00": 1, "15:00": 1 });
  });
});

describe("rules", () => {
  it(`ranges: ordered, at most ${MAX_REPORT_DAYS} days`, () => {
    expect(checkReportRange("2026-11-01", "2026-11-01")).toEqual({ ok: true, days: 1 });
    expect(checkReportRange("2026-01-01", "2026-04-02")).toEqual({ ok: true, days: 92 });
    expect(checkReportRange("2026-01-01", "2026-04-03")).toMatchObject({ ok: false, code: "report_range_invalid" });
    expect(checkReportRange("2026-11-02", "2026-11-01")).toMatchObject({ ok: false, code: "report_range_invalid" });
  });

  it("CSV fields: quoted when needed, formulas defused, seconds rounded", () => {
    expect(csvField("Tư pháp – Hộ tịch")).toBe("Tư pháp – Hộ tịch");
    expect(csvField('Chi nhánh "số 1", Tây Hồ')).toBe('"Chi nhánh ""số 1"", Tây Hồ"');
    expect(csvField("=HYPERLINK(\"x\")")).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField("+84")).toBe("'+84");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(null)).toBe("");
    expect([csvSeconds(1499), csvSeconds(1500), csvSeconds(null)]).toEqual(["1", "2", ""]);
  });

  it("an empty report is a header and a zero total", async () => {
    const r = await buildReport(env, { branchIds: ["hn-cn01"], from: DATE, to: DATE, groupBy: "counter" });
    const text = reportCsv(r, "en");
    expect(text.startsWith("\uFEFFFrom,To,Counter,Name,Issued")).toBe(true);
    expect(text.split("\r\n")).toEqual([expect.any(String), `${DATE},${DATE},Total,,0,0,0,0,0,0,0,,,0,,,0,0,`, ""]);
  });
});
