/** Service ratings (issue 5): the citizen rates the service on their phone or at the counter. */
import { Hono } from "hono";

export const ratingRoutes = new Hono<{ Bindings: Env }>();
