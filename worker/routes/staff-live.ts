/**
 * Staff hand out access to live views: a live token for a counter tablet or reception screen,
 * and revocable tokens for the branch's hall displays.
 *
 * Managers and administrators issue any of them at their branches; a clerk may get a counter's
 * view and reception the reception view (their own screens), nothing else.
 */
import { Hono } from "hono";
import { z } from "zod";
import { now } from "../../shared/clock";
import { branchDay } from "../booking";
import { issueDisplayToken, listDisplayTokens, revokeDisplayToken } from "../db/display-tokens";
import { readJson, validate } from "../http/body";
import { pageInMemory, pageQuery } from "../http/pagination";
import { ProblemError } from "../http/problem";
import { staffLiveClaimsSchema, staffLiveToken } from "../identity/live-tokens";
import { audit } from "../staff/audit";
import { allow, authenticateStaff, staffOf, type StaffEnv } from "../staff/authorize";
import { requireBranch, todayAt } from "./public";

export const staffLiveRoutes = new Hono<StaffEnv>();
staffLiveRoutes.use("/branches/*", authenticateStaff);

/** A token for `/api/v1/live/branches/:branchId/staff` (a counter's or reception's view). */
staffLiveRoutes.post("/branches/:branchId/live-tokens", allow("clerk", "reception", "manager", "admin"), async (c) => {
  const staff = await staffOf(c);
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const claims = await readJson(c, staffLiveClaimsSchema);
  if ((staff.role === "clerk" && claims.audience !== "counter") || (staff.role === "reception" && claims.audience !== "reception")) {
    throw new ProblemError("forbidden");
  }
  if (claims.audience === "counter" && !branch.counters.some((k) => k.number === claims.counter)) throw new ProblemError("counter_not_found");
  const token = await staffLiveToken(c.env, branch.id, claims);
  audit(c, { action: "live_token.issue", branchId: branch.id, counterNumber: claims.audience === "counter" ? claims.counter : null, detail: { audience: claims.audience } });
  return c.json({ token, url: `/api/v1/live/branches/${branch.id}/staff?token=${encodeURIComponent(token)}` }, 201);
});

export const displayLabelBody = z.strictObject({ label: z.string().trim().min(1).max(80) });

/** Issues a display token; the clear token is in this response only. */
staffLiveRoutes.post("/branches/:branchId/display-tokens", allow("manager", "admin"), async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const { label } = await readJson(c, displayLabelBody);
  const issued = await issueDisplayToken(c.env.DB, branch.id, label, now());
  audit(c, { action: "display_token.issue", branchId: branch.id, detail: { displayToken: issued.id, label } });
  return c.json({ ...issued, url: `/api/v1/live/branches/${branch.id}/display?token=${encodeURIComponent(issued.token)}` }, 201);
});

staffLiveRoutes.get("/branches/:branchId/display-tokens", allow("manager", "admin"), async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  // Cursor-paginated by creation (`{items, nextCursor}`); `displayTokens` repeats the page for older clients.
  const q = validate(pageQuery, c.req.query());
  const page = pageInMemory(await listDisplayTokens(c.env.DB, branch.id), q, (t) => `${String(t.createdAt).padStart(15, "0")}:${t.id}`);
  return c.json({ ...page, displayTokens: page.items });
});

/** Revokes a display token and disconnects the screens using it today. */
staffLiveRoutes.delete("/branches/:branchId/display-tokens/:tokenId", allow("manager", "admin"), async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const tokenId = validate(z.uuid(), c.req.param("tokenId"));
  if (!(await revokeDisplayToken(c.env.DB, branch.id, tokenId, now()))) throw new ProblemError("not_found");
  const disconnected = await branchDay(c.env, branch.id, todayAt(branch)).closeDisplays(tokenId);
  audit(c, { action: "display_token.revoke", branchId: branch.id, detail: { displayToken: tokenId, disconnected } });
  return c.json({ revoked: tokenId, disconnected });
});
