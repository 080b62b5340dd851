/**
 * Staff hand out access to live views: a live token for a counter tablet or reception screen,
 * and revocable tokens for the branch's hall displays.
 */
import { Hono } from "hono";
import { z } from "zod";
import { now } from "../../shared/clock";
import { branchDay } from "../booking";
import { issueDisplayToken, listDisplayTokens, revokeDisplayToken } from "../db/display-tokens";
import { readJson, validate } from "../http/body";
import { ProblemError } from "../http/problem";
import { requireStaff } from "../identity/interim-auth";
import { staffLiveClaimsSchema, staffLiveToken } from "../identity/live-tokens";
import { requireBranch, todayAt } from "./public";

export const staffLiveRoutes = new Hono<{ Bindings: Env }>();
staffLiveRoutes.use("*", requireStaff);

/** A token for `/api/v1/live/branches/:branchId/staff` (a counter's or reception's view). */
staffLiveRoutes.post("/branches/:branchId/live-tokens", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const claims = await readJson(c, staffLiveClaimsSchema);
  if (claims.audience === "counter" && !branch.counters.some((k) => k.number === claims.counter)) throw new ProblemError("counter_not_found");
  const token = await staffLiveToken(c.env, branch.id, claims);
  return c.json({ token, url: `/api/v1/live/branches/${branch.id}/staff?token=${encodeURIComponent(token)}` }, 201);
});

const displayLabelBody = z.strictObject({ label: z.string().trim().min(1).max(80) });

/** Issues a display token; the clear token is in this response only. */
staffLiveRoutes.post("/branches/:branchId/display-tokens", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const { label } = await readJson(c, displayLabelBody);
  const issued = await issueDisplayToken(c.env.DB, branch.id, label, now());
  return c.json({ ...issued, url: `/api/v1/live/branches/${branch.id}/display?token=${encodeURIComponent(issued.token)}` }, 201);
});

staffLiveRoutes.get("/branches/:branchId/display-tokens", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  return c.json({ displayTokens: await listDisplayTokens(c.env.DB, branch.id) });
});

/** Revokes a display token and disconnects the screens using it today. */
staffLiveRoutes.delete("/branches/:branchId/display-tokens/:tokenId", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const tokenId = validate(z.uuid(), c.req.param("tokenId"));
  if (!(await revokeDisplayToken(c.env.DB, branch.id, tokenId, now()))) throw new ProblemError("not_found");
  const disconnected = await branchDay(c.env, branch.id, todayAt(branch)).closeDisplays(tokenId);
  return c.json({ revoked: tokenId, disconnected });
});
