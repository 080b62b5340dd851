/**
 * A report end to end: range check, the branches in scope, the reads (one D1 session), the
 * assembly. Routes (worker/routes/reports.ts) only authorize and render JSON or CSV.
 */
import { now } from "../../shared/clock";
import type { ReportGroupBy, ReportResponse } from "../../shared/report-schemas";
import { orProblem, ProblemError } from "../http/problem";
import { assembleReport } from "./assemble";
import { loadReportBranches, readReport, reportSession } from "./query";
import { checkReportRange } from "./range";

export interface ReportRequest {
  /** The branches to cover; undefined: every branch (the city platform). */
  branchIds?: readonly string[];
  from: string;
  to: string;
  groupBy: ReportGroupBy;
}

/**
 * Builds a report. 422 `report_range_invalid` for a reversed or too long range; 404
 * `branch_not_found` when a named branch does not exist.
 */
export async function buildReport(env: Env, req: ReportRequest): Promise<ReportResponse> {
  orProblem(checkReportRange(req.from, req.to));
  const session = reportSession(env.DB);
  const branches = await loadReportBranches(session, req.branchIds);
  if (req.branchIds && branches.length !== new Set(req.branchIds).size) throw new ProblemError("branch_not_found");
  const reads = await readReport(session, branches, req.from, req.to, req.groupBy);
  return assembleReport({ reads, branches, from: req.from, to: req.to, groupBy: req.groupBy, generatedAt: now() });
}
