/** History and reports (issue 6): issued/served/no-show/expired/cancelled, wait and service percentiles, CSV. */
import { Hono } from "hono";

export const reportRoutes = new Hono<{ Bindings: Env }>();
