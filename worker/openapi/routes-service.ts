/**
 * The contract of reports (worker/routes/reports.ts), ratings (worker/routes/ratings.ts) and
 * verifiable fairness (worker/routes/fairness.ts), with the schemas those modules validate with.
 */
import { z } from "zod";
import { branchIdSchema, counterNumberSchema } from "../../shared/api-schemas";
import { fairnessReceiptSchema } from "../../shared/fairness";
import { ratingBody } from "../../shared/api-schemas";
import { RATING_REASON_CODES } from "../../shared/ratings";
import { branchReportQuery, cityReportQuery, reportResponse } from "../../shared/report-schemas";
import { chainPageQuery, chainPageSchema, fairnessDayParams, headsPageSchema, headsQuery, verifyAnswerSchema } from "../routes/fairness";
import type { RouteDoc } from "./registry";
import { ticketIdParam } from "./routes-core";

const V1 = "/api/v1";
const branchParams = z.object({ branchId: branchIdSchema });
const report = reportResponse.meta({ id: "Report" });
const PLATFORM_PROBLEMS = ["unauthorized", "invalid_token", "platform_scope_missing", "platform_keys_unavailable"] as const;
const RANGE = { from: "2026-11-01", to: "2026-11-23" };

const ratingView = z
  .object({
    ticketId: z.string(),
    label: z.string(),
    score: z.number().int().min(1).max(5),
    reason: z.enum(RATING_REASON_CODES).nullable(),
    source: z.enum(["citizen", "counter"]),
    createdAt: z.number(),
  })
  .meta({ id: "Rating" });

export const serviceRouteDocs: RouteDoc[] = [
  // ---- Reports -----------------------------------------------------------------------------------
  {
    method: "get",
    path: `${V1}/staff/branches/:branchId/reports`,
    operationId: "branchReport",
    summary: { vi: "Báo cáo của chi nhánh", en: "A branch's report" },
    description: "Issued, served, no-show, expired, cancelled; wait and service time percentiles (50/90); ratings; grouped by field, hour, counter or day. At most 92 days.",
    tags: ["reports"],
    auth: ["staff"],
    roles: ["manager", "admin"],
    params: branchParams,
    query: branchReportQuery,
    responses: { 200: { description: "The report.", schema: report } },
    problems: ["unauthorized", "forbidden", "branch_not_found", "report_range_invalid"],
    examples: [{ summary: "November by field", params: { branchId: "hn-cn01" }, query: { ...RANGE, groupBy: "field" } }],
  },
  {
    method: "get",
    path: `${V1}/staff/branches/:branchId/reports.csv`,
    operationId: "branchReportCsv",
    summary: { vi: "Báo cáo của chi nhánh (CSV)", en: "A branch's report as CSV" },
    tags: ["reports"],
    auth: ["staff"],
    roles: ["manager", "admin"],
    params: branchParams,
    query: branchReportQuery,
    responses: { 200: { description: "The same figures as CSV (UTF-8), one row per group.", contentType: "text/csv" } },
    problems: ["unauthorized", "forbidden", "branch_not_found", "report_range_invalid"],
  },
  {
    method: "get",
    path: `${V1}/platform/reports`,
    operationId: "cityReport",
    summary: { vi: "Báo cáo toàn thành phố (nền tảng)", en: "City-wide report (platform)" },
    description: "For the city platform's dashboards (scope `read_status`); `branchId=a,b` narrows it.",
    tags: ["reports", "platform"],
    auth: ["platform"],
    query: cityReportQuery,
    responses: { 200: { description: "The report.", schema: report } },
    problems: [...PLATFORM_PROBLEMS, "report_range_invalid"],
    examples: [{ summary: "by branch", query: { ...RANGE, groupBy: "branch" } }],
  },
  {
    method: "get",
    path: `${V1}/platform/reports.csv`,
    operationId: "cityReportCsv",
    summary: { vi: "Báo cáo toàn thành phố (CSV)", en: "City-wide report as CSV" },
    tags: ["reports", "platform"],
    auth: ["platform"],
    query: cityReportQuery,
    responses: { 200: { description: "CSV (UTF-8).", contentType: "text/csv" } },
    problems: [...PLATFORM_PROBLEMS, "report_range_invalid"],
  },
  // ---- Ratings -----------------------------------------------------------------------------------
  {
    method: "get",
    path: `${V1}/tickets/:ticketId/rating`,
    operationId: "getMyTicketRating",
    summary: { vi: "Đánh giá của tôi cho số thứ tự", en: "My rating of a ticket" },
    tags: ["ratings", "citizen"],
    auth: ["citizen", "platform"],
    params: ticketIdParam,
    responses: { 200: { description: "The rating (null if none) and whether it can be given now.", schema: z.object({ rating: ratingView.nullable(), canRate: z.boolean() }) } },
    problems: ["unauthorized", "invalid_token", "ticket_not_found"],
    examples: [{ summary: "a ticket", params: { ticketId: "hn-cn01:2026-11-23:1" } }],
  },
  {
    method: "post",
    path: `${V1}/tickets/:ticketId/rating`,
    operationId: "rateMyTicket",
    summary: { vi: "Đánh giá dịch vụ", en: "Rate the service" },
    description: "Once per ticket, after it was served: 1–5 and an optional reason code.",
    tags: ["ratings", "citizen"],
    auth: ["citizen", "platform"],
    params: ticketIdParam,
    body: ratingBody,
    responses: { 201: { description: "The rating.", schema: z.object({ rating: ratingView }) } },
    problems: ["unauthorized", "invalid_token", "ticket_not_found", "rating_not_open", "rating_already_given"],
    idempotency: "middleware",
    examples: [{ summary: "five stars", params: { ticketId: "hn-cn01:2026-11-23:1" }, body: { score: 5 } }],
  },
  {
    method: "post",
    path: `${V1}/staff/branches/:branchId/counters/:counter/rating`,
    operationId: "rateAtCounter",
    summary: { vi: "Đánh giá tại màn hình quầy", en: "Rate on the counter-facing screen" },
    description: "Rates the ticket this counter completed last (within 10 minutes, before the next call).",
    tags: ["ratings", "staff"],
    auth: ["staff"],
    roles: ["clerk", "manager", "admin"],
    params: z.object({ branchId: branchIdSchema, counter: counterNumberSchema }),
    body: ratingBody,
    responses: { 201: { description: "The rating.", schema: z.object({ rating: ratingView }) } },
    problems: ["unauthorized", "forbidden", "branch_not_found", "counter_not_found", "counter_opened_by_other", "rating_nothing_to_rate", "rating_already_given"],
    idempotency: "middleware",
    examples: [{ summary: "four stars at counter 1", params: { branchId: "hn-cn01", counter: "1" }, body: { score: 4 } }],
  },
  // ---- Fairness ----------------------------------------------------------------------------------
  {
    method: "get",
    path: `${V1}/fairness/branches/:branchId/days/:date`,
    operationId: "fairnessChain",
    summary: { vi: "Chuỗi kiểm chứng công bằng của một ngày", en: "A branch-day's fairness chain" },
    description: "The hash chain of issuance and call events: the live head, the published head once the day ended, and a page of entries in chain order.",
    tags: ["fairness"],
    auth: ["public"],
    params: fairnessDayParams,
    query: chainPageQuery,
    paginated: true,
    responses: { 200: { description: "The head and a page of entries.", schema: chainPageSchema } },
    problems: ["branch_not_found", "fairness_chain_not_found"],
    examples: [{ summary: "today", params: { branchId: "hn-cn01", date: "2026-11-23" }, query: { limit: "10" } }],
  },
  {
    method: "get",
    path: `${V1}/fairness/branches/:branchId/heads`,
    operationId: "fairnessHeads",
    summary: { vi: "Các đầu chuỗi đã công bố", en: "Published chain heads" },
    tags: ["fairness"],
    auth: ["public"],
    params: branchParams,
    query: headsQuery,
    paginated: true,
    responses: { 200: { description: "Newest day first.", schema: headsPageSchema } },
    problems: ["branch_not_found"],
    examples: [{ summary: "the demo branch", params: { branchId: "hn-cn01" } }],
  },
  {
    method: "post",
    path: `${V1}/fairness/verify`,
    operationId: "verifyFairnessReceipt",
    summary: { vi: "Kiểm tra biên nhận", en: "Verify a ticket receipt" },
    description: "Checks that the receipt is in the chain, the chain holds up to its head, and calls followed registration order except for recorded reasons. Read-only.",
    tags: ["fairness"],
    auth: ["public"],
    body: fairnessReceiptSchema,
    responses: { 200: { description: "`ok` is the answer.", schema: verifyAnswerSchema } },
    problems: ["branch_not_found", "fairness_chain_not_found"],
    idempotency: "none",
    examples: [{ summary: "a receipt", body: { branchId: "hn-cn01", serviceDate: "2026-11-23", position: 0, entryHash: "0".repeat(64) } }],
  },
];
