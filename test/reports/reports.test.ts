/**
 * Reports (issue 6) over two simulated days at branches 1 and 2, played through the real Worker,
 * objects and D1 (test/sim/service-port.ts): every figure of every grouping equals the one
 * computed ticket by ticket from the simulation's own ledger (sim/expected.ts), the CSV says
 * what the JSON says, only the branch's managers and administrators (and the city platform)
 * read them, and bad parameters get problem codes.
 */
import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_BRANCHES } from "../../seed/demo-center";
import { reportResponse, type ReportResponse } from "../../shared/report-schemas";
import { epochAt, VN_TIME_ZONE } from "../../shared/time";
import { drawScenario } from "../../sim/model";
import { runDay, type SimTicket } from "../../sim/run";
import { reportStatements, type ReportBranch } from "../../worker/reports/query";
import { api, closeService, expectOk, expectProblem, ORIGIN, openService } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";
import { adminBearer, bearerFor, seedStaff } from "../support/staff";
import { checkerContext, expectDayConsistent, expectReportMatches } from "../sim/checks";
import { httpServicePort } from "../sim/service-port";

const DAY1 = "2026-11-24";
const DAY2 = "2026-11-25";
const BRANCHES = DEMO_BRANCHES;
const ctx = checkerContext(BRANCHES);
const midnightOf = (date: string) => epochAt(date, "00:00", VN_TIME_ZONE);

let tickets: SimTicket[] = [];
let manager1: string;
let manager2: string;
let clerk1: string;

function report(path: string, token?: string, platform?: Record<string, string>) {
  return api("GET", path, token ? { staff: token } : platform ? { headers: platform } : {});
}

async function staffReport(branchId: string, query: string): Promise<ReportResponse> {
  const body = expectOk(await report(`/api/v1/staff/branches/${branchId}/reports?${query}`, await adminBearer()));
  return reportResponse.parse(body);
}

beforeAll(async () => {
  await openService(hanoi("2026-11-23", "07:00"));
  const port = httpServicePort();
  // Day 1 with numbers booked the day before; day 2 follows it (no advance bookings, so the
  // service clock only moves forward).
  const day1 = drawScenario({ date: DAY1, dayBefore: "2026-11-23", branches: BRANCHES, visitsPerBranch: 10, seed: 61, midnightOf });
  const out1 = await runDay(day1, port, { midnight: midnightOf(DAY1) });
  await expectDayConsistent(DAY1, BRANCHES, out1);
  const day2 = drawScenario({ date: DAY2, dayBefore: DAY1, branches: BRANCHES, visitsPerBranch: 6, seed: 62, midnightOf, advanceBookings: false, firstCitizen: 500 });
  const out2 = await runDay(day2, port, { midnight: midnightOf(DAY2) });
  await expectDayConsistent(DAY2, BRANCHES, out2);
  tickets = [...out1.tickets, ...out2.tickets];
  // Sessions are minted at the service clock: after the days have run.
  manager1 = await bearerFor(await seedStaff({ username: "report.manager1", role: "manager", branchIds: ["hn-cn01"] }));
  manager2 = await bearerFor(await seedStaff({ username: "report.manager2", role: "manager", branchIds: ["hn-cn02"] }));
  clerk1 = await bearerFor(await seedStaff({ username: "report.clerk1", role: "clerk", branchIds: ["hn-cn01"] }));
}, 180_000);
afterAll(closeService);

describe("report figures", () => {
  it("the simulated days cover what a report must count", () => {
    const statuses = new Set(tickets.map((t) => t.status));
    for (const s of ["served", "no_show", "expired", "cancelled"]) expect(statuses, s).toContain(s);
    expect(tickets.some((t) => t.originalFieldCode !== null), "a transfer").toBe(true);
    expect(tickets.some((t) => t.arrivedAt !== null && t.arrivedAt > t.registeredAt), "a check-in").toBe(true);
    expect(tickets.some((t) => t.registeredAt < midnightOf(t.serviceDate)), "a number booked the day before").toBe(true);
    expect(tickets.some((t) => t.rating !== null), "a rating").toBe(true);
  });

  for (const groupBy of ["field", "hour", "counter", "day"] as const) {
    it(`a branch's report by ${groupBy} equals the figures computed ticket by ticket`, async () => {
      for (const b of BRANCHES) {
        const got = await staffReport(b.id, `from=${DAY1}&to=${DAY2}&groupBy=${groupBy}`);
        expect(got).toMatchObject({ branchIds: [b.id], from: DAY1, to: DAY2, groupBy, timeZone: VN_TIME_ZONE });
        expectReportMatches(got, tickets.filter((t) => t.branchId === b.id), groupBy, ctx);
      }
    });
  }

  it("one day's report counts only that day", async () => {
    const got = await staffReport("hn-cn01", `from=${DAY2}&to=${DAY2}&groupBy=field`);
    expectReportMatches(got, tickets.filter((t) => t.branchId === "hn-cn01" && t.serviceDate === DAY2), "field", ctx);
  });

  it("a range without tickets is an empty report, not an error", async () => {
    const got = await staffReport("hn-cn01", "from=2026-10-01&to=2026-10-31&groupBy=day");
    expect(got.rows).toEqual([]);
    expect(got.total).toMatchObject({ issued: 0, waitMs: { count: 0, p50: null, p90: null }, ratings: { count: 0, average: null } });
  });

  it("the city platform gets the same figures, city-wide by branch and for chosen branches", async () => {
    const platform = (await asPlatform(idNumber(90_001))).headers;
    const city = reportResponse.parse(expectOk(await report(`/api/v1/platform/reports?from=${DAY1}&to=${DAY2}&groupBy=branch`, undefined, platform)));
    expect(city.branchIds).toEqual(["hn-cn01", "hn-cn02"]);
    expectReportMatches(city, tickets, "branch", ctx);
    const two = reportResponse.parse(expectOk(await report(`/api/v1/platform/reports?from=${DAY1}&to=${DAY2}&groupBy=hour&branchId=hn-cn02`, undefined, platform)));
    expectReportMatches(two, tickets.filter((t) => t.branchId === "hn-cn02"), "hour", ctx);
    const staffSide = await staffReport("hn-cn02", `from=${DAY1}&to=${DAY2}&groupBy=hour`);
    expect(two.rows).toEqual(staffSide.rows);
  });
});

describe("CSV export", () => {
  async function csv(path: string, token: string): Promise<Response> {
    return exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers: { authorization: `Bearer ${token}` } }));
  }

  function parseCsv(text: string): string[][] {
    // Our CSV quotes only fields with a comma, quote or line break; the test data has none of them inside numbers.
    const rows: string[][] = [];
    for (const line of text.split("\r\n")) {
      if (line === "") continue;
      const cells: string[] = [];
      let cur = "";
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
          else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ",") cells.push(cur), (cur = "");
        else cur += ch;
      }
      cells.push(cur);
      rows.push(cells);
    }
    return rows;
  }

  const secs = (ms: number | null) => (ms === null ? "" : String(Math.round(ms / 1000)));

  it("is UTF-8 with a BOM for Excel, CRLF lines, Vietnamese headers, and the JSON's figures", async () => {
    for (const groupBy of ["field", "hour", "counter", "day"] as const) {
      const query = `from=${DAY1}&to=${DAY2}&groupBy=${groupBy}`;
      const json = await staffReport("hn-cn01", query);
      const res = await csv(`/api/v1/staff/branches/hn-cn01/reports.csv?${query}`, await adminBearer());
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="bao-cao_hn-cn01_${DAY1}_${DAY2}_${groupBy}.csv"`);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes).slice(1);
      expect(text.endsWith("\r\n")).toBe(true);
      expect(text.replaceAll("\r\n", "")).not.toContain("\n");
      const [header, ...lines] = parseCsv(text);
      expect(header!.slice(0, 5)).toEqual(["Từ ngày", "Đến ngày", { field: "Lĩnh vực", hour: "Giờ", counter: "Quầy", day: "Ngày" }[groupBy], "Tên", "Số đã cấp"]);
      expect(lines).toHaveLength(json.rows.length + 1);
      const asCells = (key: string, name: string, f: ReportResponse["total"]) => [
        DAY1,
        DAY2,
        key,
        name,
        ...[f.issued, f.served, f.noShow, f.expired, f.cancelled, f.unresolved, f.waitMs.count].map(String),
        secs(f.waitMs.p50),
        secs(f.waitMs.p90),
        String(f.serviceMs.count),
        secs(f.serviceMs.p50),
        secs(f.serviceMs.p90),
        secs(f.busyMs),
        String(f.ratings.count),
        f.ratings.average === null ? "" : f.ratings.average.toFixed(2),
      ];
      json.rows.forEach((r, i) => expect(lines[i], `${groupBy} row ${r.key}`).toEqual(asCells(r.key ?? "", r.name?.vi ?? "", r)));
      expect(lines.at(-1)).toEqual(asCells("Tổng cộng", "", json.total));
    }
  });

  it("speaks English when asked, for the city platform too", async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/v1/platform/reports.csv?from=${DAY1}&to=${DAY2}&lang=en`, { headers: (await asPlatform(idNumber(90_002))).headers }),
    );
    expect(res.status).toBe(200);
    const text = (await res.text()).replace(/^\uFEFF/, "");
    expect(text.split("\r\n")[0]).toMatch(/^From,To,Branch,Name,Issued,Served,No-show,Expired,Cancelled/);
    expect(text).toContain("\r\nTotal,".replace("Total", `${DAY1},${DAY2},Total`));
  });
});

describe("who may read reports", () => {
  const path = (b: string) => `/api/v1/staff/branches/${b}/reports?from=${DAY1}&to=${DAY2}`;

  it("a branch's manager reads their branch, not another's; a clerk reads none", async () => {
    expectOk(await report(path("hn-cn01"), manager1));
    expectProblem(await report(path("hn-cn01"), manager2), 403, "forbidden");
    expectProblem(await report(`/api/v1/staff/branches/hn-cn01/reports.csv?from=${DAY1}&to=${DAY2}`, manager2), 403, "forbidden");
    expectProblem(await report(path("hn-cn01"), clerk1), 403, "forbidden");
    expectProblem(await report(path("hn-cn01")), 401, "unauthorized");
  });

  it("an administrator reads any branch and learns an unknown one does not exist", async () => {
    expectOk(await report(path("hn-cn02"), await adminBearer()));
    expectProblem(await report(path("hn-cn77"), await adminBearer()), 404, "branch_not_found");
  });

  it("the platform route needs a platform token: none, a staff session or a citizen session is refused", async () => {
    const p = `/api/v1/platform/reports?from=${DAY1}&to=${DAY2}`;
    expectProblem(await api("GET", p), 401, "unauthorized");
    expect((await api("GET", p, { staff: await adminBearer() })).status).toBe(401);
    expect((await api("GET", p, { citizen: idNumber(90_003) })).status).toBe(401);
    expectProblem(await report(`${p}&branchId=hn-cn77`, undefined, (await asPlatform(idNumber(90_004))).headers), 404, "branch_not_found");
  });
});

describe("bad parameters", () => {
  const bad: Array<[string, number, string]> = [
    ["", 400, "invalid_request"],
    [`from=${DAY1}`, 400, "invalid_request"],
    [`from=2026-02-30&to=2026-03-01`, 400, "invalid_request"],
    [`from=24/11/2026&to=${DAY2}`, 400, "invalid_request"],
    [`from=0001-01-01&to=0001-01-05`, 400, "invalid_request"],
    [`from=${DAY1}&to=${DAY2}&groupBy=branch`, 400, "invalid_request"],
    [`from=${DAY1}&to=${DAY2}&groupBy=citizen`, 400, "invalid_request"],
    [`from=${DAY1}&to=${DAY2}&extra=1`, 400, "invalid_request"],
    [`from=${DAY2}&to=${DAY1}`, 422, "report_range_invalid"],
    [`from=2026-01-01&to=2026-04-03`, 422, "report_range_invalid"],
  ];
  for (const [query, status, code] of bad) {
    it(`?${query || "(nothing)"} → ${status} ${code}`, async () => {
      expectProblem(await report(`/api/v1/staff/branches/hn-cn01/reports?${query}`, await adminBearer()), status, code);
    });
  }

  it("92 days is the longest range, and the platform has the same limits", async () => {
    expectOk(await report("/api/v1/staff/branches/hn-cn01/reports?from=2026-01-01&to=2026-04-02", await adminBearer()));
    const platform = (await asPlatform(idNumber(90_005))).headers;
    expectProblem(await report("/api/v1/platform/reports?from=2026-01-01&to=2026-04-03", undefined, platform), 422, "report_range_invalid");
    expectProblem(await report(`/api/v1/platform/reports?from=${DAY1}&to=${DAY2}&branchId=HN_CN01`, undefined, platform), 400, "invalid_request");
  });
});

describe("reads stay off the booking path", () => {
  it("each report statement starts from the (branch, day) index of the history, never a full scan", async () => {
    const branches: ReportBranch[] = BRANCHES.map((b) => ({ id: b.id, nameVi: b.name, timeZone: b.timeZone, bookingFrom: b.bookingFrom }));
    for (const groupBy of ["branch", "field", "hour", "counter", "day"] as const) {
      const sql = reportStatements(branches, DAY1, groupBy);
      for (const statement of [sql.counts, sql.percentiles]) {
        const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement}`).bind(DAY1, DAY2).all<{ detail: string }>();
        const details = plan.results.map((r) => r.detail);
        expect(details.some((d) => /ticket_history_branch_date/.test(d)), details.join(" | ")).toBe(true);
        expect(details.filter((d) => /^SCAN (h|ticket_history)\b/.test(d)), details.join(" | ")).toEqual([]);
      }
    }
  });

  it("a D1 session (read replicas when enabled) answers in the local runtime too", async () => {
    const session = env.DB.withSession("first-unconstrained");
    expect(await session.prepare("SELECT count(*) AS n FROM ticket_history").first<number>("n")).toBe(tickets.length);
    expect(typeof (session.getBookmark() ?? "")).toBe("string");
  });
});
