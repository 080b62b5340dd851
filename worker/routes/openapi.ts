/** The API contract (issue 6): /openapi.json and a readable docs page. */
import { Hono } from "hono";

export const openapiRoutes = new Hono<{ Bindings: Env }>();
