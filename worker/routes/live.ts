/**
 * Live views: each URL answers a WebSocket upgrade (snapshot, then deltas) or, for clients that
 * cannot keep a socket, a plain GET with the current snapshot. The Worker authorizes; the
 * branch-day object hosts the sockets.
 *   /api/v1/live/tickets/:ticketId?token=…          a citizen's own ticket (token from booking)
 *   /api/v1/live/branches/:branchId/staff?token=…   a counter or reception (staff live token)
 *   /api/v1/live/branches/:branchId/display?token=… the hall display (display token)
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { SUBSCRIPTION_HEADER } from "../../durable/branch-day";
import type { Subscription } from "../../durable/live-hub";
import { branchDay, parseTicketId } from "../booking";
import { checkDisplayToken } from "../db/display-tokens";
import { validate } from "../http/body";
import { orProblem, ProblemError } from "../http/problem";
import { verifyStaffLiveToken, verifyTicketLiveToken } from "../identity/live-tokens";
import { requireBranch, requirePlan, todayAt } from "./public";

export const liveRoutes = new Hono<{ Bindings: Env }>();

export const liveTokenSchema = z.string().min(1).max(2048);

function tokenOf(c: Context): string {
  return validate(liveTokenSchema, c.req.query("token") ?? "");
}

/** Hands the request to the branch-day as a socket, or answers with a snapshot. */
async function serve(c: Context<{ Bindings: Env }>, branchId: string, date: string, sub: Subscription): Promise<Response> {
  const plan = await requirePlan(c.env, branchId, date);
  const day = branchDay(c.env, branchId, date);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json(orProblem(await day.snapshot(plan, sub)));
  }
  await day.prepare(plan);
  const headers = new Headers(c.req.raw.headers);
  headers.set(SUBSCRIPTION_HEADER, JSON.stringify(sub));
  return day.fetch(new Request(c.req.url, { headers }));
}

liveRoutes.get("/tickets/:ticketId", async (c) => {
  const ticketId = c.req.param("ticketId");
  const ref = parseTicketId(ticketId);
  // Someone else's ticket and a bad token look the same: nothing to learn by probing.
  if (!ref || !(await verifyTicketLiveToken(c.env, tokenOf(c), ticketId))) throw new ProblemError("ticket_not_found");
  return serve(c, ref.branchId, ref.date, { audience: "citizen", ticketSeq: ref.seq });
});

liveRoutes.get("/branches/:branchId/staff", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const claims = await verifyStaffLiveToken(c.env, tokenOf(c), branch.id);
  if (!claims) throw new ProblemError("forbidden");
  const sub: Subscription = claims.audience === "counter" ? { audience: "counter", counter: claims.counter } : { audience: "reception" };
  return serve(c, branch.id, todayAt(branch), sub);
});

liveRoutes.get("/branches/:branchId/display", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const tokenId = await checkDisplayToken(c.env.DB, branch.id, tokenOf(c));
  if (!tokenId) throw new ProblemError("forbidden");
  return serve(c, branch.id, todayAt(branch), { audience: "display", tokenId });
});
