/** City platform clients and webhooks (issue 6). */
import { Hono } from "hono";

export const platformRoutes = new Hono<{ Bindings: Env }>();
