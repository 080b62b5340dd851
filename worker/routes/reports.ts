/**
 * History and reports (issue 6): per branch, field, day, hour or counter — issued, served,
 * no-show, expired, cancelled; wait and service percentiles; ratings; as JSON or CSV.
 *
 * - Staff (branch managers at their branches, administrators everywhere):
 *   GET /api/v1/staff/branches/:branchId/reports[.csv]?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=field|hour|counter|day
 * - The city platform's dashboards (a platform client with the `read_status` scope):
 *   GET /api/v1/platform/reports[.csv]?from&to&groupBy=branch|field|hour|counter|day&branchId=a,b
 *
 * Definitions and limits: shared/report-schemas.ts. Reads use a D1 session (read replicas).
 */
import { Hono, type Context } from "hono";
import { branchReportQuery, cityReportQuery, type ReportResponse } from "../../shared/report-schemas";
import { validate } from "../http/body";
import { languageOf } from "../http/problem";
import { requirePlatformScope } from "../platform/auth";
import { reportCsv, reportFileName } from "../reports/csv";
import { buildReport } from "../reports/report";
import { allow, type StaffEnv } from "../staff/authorize";
import { requireBranch } from "./public";

export const reportRoutes = new Hono<StaffEnv>();

function csvResponse(c: Context, scope: string, report: ReportResponse): Response {
  return new Response(reportCsv(report, languageOf(c)), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${reportFileName(scope, report)}"`,
    },
  });
}

async function branchReport(c: Context<StaffEnv>): Promise<ReportResponse> {
  const query = validate(branchReportQuery, c.req.query());
  const branch = await requireBranch(c.env, c.req.param("branchId")!);
  return buildReport(c.env, { branchIds: [branch.id], from: query.from, to: query.to, groupBy: query.groupBy });
}

reportRoutes.get("/staff/branches/:branchId/reports", allow("manager", "admin"), async (c) => c.json(await branchReport(c)));

reportRoutes.get("/staff/branches/:branchId/reports.csv", allow("manager", "admin"), async (c) => {
  const report = await branchReport(c);
  return csvResponse(c, report.branchIds[0]!, report);
});

async function cityReport(c: Context<StaffEnv>): Promise<ReportResponse> {
  await requirePlatformScope(c, "read_status");
  const query = validate(cityReportQuery, c.req.query());
  return buildReport(c.env, { branchIds: query.branchId, from: query.from, to: query.to, groupBy: query.groupBy });
}

reportRoutes.get("/platform/reports", async (c) => c.json(await cityReport(c)));

reportRoutes.get("/platform/reports.csv", async (c) => csvResponse(c, "thanh-pho", await cityReport(c)));
