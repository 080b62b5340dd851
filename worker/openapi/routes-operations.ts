/**
 * The contract of the operations routes (worker/routes/reconcile.ts): the reconciliation check
 * the service runs on itself after a crash. (Its `/api/v1/dev/bench/…` benchmark routes are dev
 * stand-ins, absent in production, and not part of the contract.)
 */
import { z } from "zod";
import { branchIdSchema, isoDateSchema } from "../../shared/api-schemas";
import { pageSchema as reconciliationPageQuery } from "../routes/reconcile";
import type { RouteDoc } from "./registry";

export const operationsRouteDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/v1/staff/branches/:branchId/days/:date/reconciliation",
    operationId: "reconcileBranchDay",
    summary: { vi: "Đối soát ngày phục vụ", en: "Reconcile a branch-day" },
    description:
      "Does the branch-day agree with the citizens' ledgers (reservations, daily limits) and with D1's history? Numbers never issued twice. Ledgers are checked a page of tickets at a time (`from`, `limit`; `page.next` names the next page).",
    tags: ["administration"],
    auth: ["staff"],
    roles: ["manager", "admin"],
    params: z.object({ branchId: branchIdSchema, date: isoDateSchema }),
    query: reconciliationPageQuery,
    responses: {
      200: {
        description: "`ok`, the problems found (at most 200 listed), ledger and history counts, the page's numbers.",
        schema: z.looseObject({ branchId: z.string(), date: z.string(), ok: z.boolean(), problemCount: z.number().int(), page: z.looseObject({ next: z.number().int().nullable() }) }),
      },
    },
    problems: ["unauthorized", "forbidden", "branch_not_found"],
    examples: [{ summary: "today at the demo branch", params: { branchId: "hn-cn01", date: "2026-11-23" }, query: { limit: "100" } }],
  },
];
