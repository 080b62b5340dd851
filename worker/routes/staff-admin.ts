/** Administration API (issue 6): branches, fields, caps, counters, hours, calendar. */
import { Hono } from "hono";

export const staffAdminRoutes = new Hono<{ Bindings: Env }>();
