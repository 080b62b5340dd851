/**
 * The Hono application: versioned JSON API under /api/v1. Every error leaves as one RFC 9457
 * problem shape; nothing a client sends can produce a stack trace or an unexplained 500.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { configureClock, now } from "../shared/clock";
import { devIdp } from "./dev/idp";
import { idempotency } from "./http/idempotency";
import { problem, ProblemError } from "./http/problem";
import { authRoutes } from "./routes/auth";
import { oidcRoutes } from "./routes/auth-oidc";
import { authOtpRoutes } from "./routes/auth-otp";
import { citizenRoutes } from "./routes/citizen";
import { liveRoutes } from "./routes/live";
import { meRoutes } from "./routes/me";
import { publicRoutes } from "./routes/public";
import { staffRoutes } from "./routes/staff";
import { staffAccountRoutes } from "./routes/staff-accounts";
import { staffAuthRoutes } from "./routes/staff-auth";
import { staffLiveRoutes } from "./routes/staff-live";
import { fairnessRoutes } from "./routes/fairness";
import { openapiRoutes } from "./routes/openapi";
import { platformRoutes } from "./routes/platform";
import { ratingRoutes } from "./routes/ratings";
import { reconcileRoutes } from "./routes/reconcile";
import { reportRoutes } from "./routes/reports";
import { staffAdminRoutes } from "./routes/staff-admin";

export const app = new Hono<{ Bindings: Env }>();

app.use("*", async (c, next) => {
  configureClock(c.env);
  await next();
  // A 101 WebSocket answer comes from the branch-day with immutable headers: leave it alone.
  if (c.res.status === 101) return;
  c.header("cache-control", c.res.headers.get("cache-control") ?? "no-store");
  c.header("x-content-type-options", "nosniff");
});
// Idempotency-Key on state-changing calls: stored first answers replayed (worker/http/idempotency.ts).
app.use("/api/v1/*", idempotency);

const api = new Hono<{ Bindings: Env }>();
api.route("/", publicRoutes);
api.route("/", citizenRoutes);
api.route("/auth", authRoutes);
api.route("/auth/oidc", oidcRoutes);
api.route("/auth/otp", authOtpRoutes);
api.route("/staff/auth", staffAuthRoutes);
// Before the staff routes: POST …/counters/:counter/rating would otherwise be taken by …/counters/:counter/:action.
api.route("/", ratingRoutes);
api.route("/staff", staffAccountRoutes);
api.route("/staff", staffRoutes);
api.route("/staff", staffLiveRoutes);
api.route("/live", liveRoutes);
api.route("/me", meRoutes);
// These modules declare their full paths (under /staff, /platform, /fairness, …).
api.route("/", staffAdminRoutes);
api.route("/", reportRoutes);
api.route("/", reconcileRoutes);
api.route("/", platformRoutes);
api.route("/", fairnessRoutes);
api.route("/", openapiRoutes);
app.route("/api/v1", api);
// The stand-in identity provider: answers only where DEV_STAND_INS is "1" (checked per request
// inside devIdp); a production deploy has "0" and gets 404 here.
app.route("/", devIdp);

// `now` is the service clock (ms): screens that show the time (hall display, kiosk) follow it
// rather than a device clock that may be wrong (or, in the local demo, deliberately shifted).
app.get("/api/v1", (c) => c.json({ service: "sothutu", version: "v1", now: now() }));

app.notFound((c) => problem(c, "not_found"));

app.onError((err, c) => {
  if (err instanceof ProblemError) return problem(c, err.code, err.facts, err.detail);
  if (err instanceof HTTPException) {
    if (err.status === 413) return problem(c, "payload_too_large");
    if (err.status === 405) return problem(c, "method_not_allowed");
    return problem(c, err.status === 401 ? "unauthorized" : "invalid_request");
  }
  // Durable Objects shed load with "overloaded" errors that are safe to retry.
  const message = err instanceof Error ? err.message : String(err);
  if (/overloaded/i.test(message)) return problem(c, "overloaded", { retryAfterSeconds: 1 });
  console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, message);
  return problem(c, "internal");
});
