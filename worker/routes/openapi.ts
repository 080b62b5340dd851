/**
 * The API contract (issue 6): `GET /api/v1/openapi.json` (built from the registry in
 * worker/openapi/, the same zod schemas that validate requests) and `GET /api/v1/docs`, a
 * self-contained page that renders it (no CDN: service centers' networks may be closed).
 */
import { Hono } from "hono";
import { openApiDocument } from "../openapi/document";
import { DOCS_PAGE } from "../openapi/docs-page";

export const openapiRoutes = new Hono<{ Bindings: Env }>();

openapiRoutes.get("/openapi.json", (c) => {
  return c.json(openApiDocument());
});

openapiRoutes.get("/docs", (c) => {
  c.header("content-security-policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'");
  return c.html(DOCS_PAGE);
});
