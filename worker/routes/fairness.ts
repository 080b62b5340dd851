/** Verifiable fairness (issue 6): chain heads, receipts, public verification. */
import { Hono } from "hono";

export const fairnessRoutes = new Hono<{ Bindings: Env }>();
