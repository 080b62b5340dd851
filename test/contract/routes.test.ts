/**
 * The contract matches the running service: every route the Hono app really has is in the
 * OpenAPI document and every documented route exists; the served document is the generated one;
 * each documented request example is valid for the handler's own schemas and, sent to the
 * running route, is either accepted (with an answer that fits the documented response schema)
 * or refused with a problem the route documents.
 */
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { buildOpenApiDocument, documentedProblemCodes } from "../../worker/openapi/document";
import { fillPath, openApiPath, type RouteDoc } from "../../worker/openapi/registry";
import { documentedRoutes } from "../../worker/openapi/routes";
import { api, closeService, openService, type CallOptions } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { asPlatform } from "../support/platform";

/** Stand-ins that exist only with DEV_STAND_INS=1 are not part of the contract. */
function isDevStandIn(path: string): boolean {
  return path.split("/").includes("dev");
}

function appRouteKeys(): string[] {
  const keys = app.routes
    .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1") && !isDevStandIn(r.path))
    .map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)].sort();
}

function documentedKeys(): string[] {
  return documentedRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
}

beforeAll(() => openService(hanoi(MONDAY, "09:00")));
afterAll(closeService);

describe("the document and the running routes", () => {
  it("documents every route of the app", () => {
    const documented = new Set(documentedKeys());
    expect(appRouteKeys().filter((k) => !documented.has(k)), "routes in app.routes missing from worker/openapi/").toEqual([]);
  });

  it("documents no route the app does not have", () => {
    const running = new Set(appRouteKeys());
    expect(documentedKeys().filter((k) => !running.has(k)), "documented routes that do not exist").toEqual([]);
  });

  it("names each route once, with a unique operationId", () => {
    const keys = documentedKeys();
    expect(keys.length).toBe(new Set(keys).size);
    const ids = documentedRoutes.map((r) => r.operationId);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it("serves the generated OpenAPI 3.1 document at /api/v1/openapi.json", async () => {
    const res = await api("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths).every((p: string) => p.startsWith("/api/v1"))).toBe(true);
  });

  it("answers every error of every operation with the RFC 9457 problem schema", () => {
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; security?: unknown[] }>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.security, `${method} ${path} declares who may call it`).toBeDefined();
        const errors = Object.entries(op.responses).filter(([s]) => s === "default" || Number(s) >= 400);
        expect(errors.length, `${method} ${path} has error answers`).toBeGreaterThan(1);
        for (const [status, r] of errors) {
          expect(r.content?.["application/problem+json"]?.schema, `${method} ${path} ${status}`).toEqual({ $ref: "#/components/schemas/Problem" });
        }
      }
    }
  });

  it("renders a self-contained docs page (no CDN)", async () => {
    const res = await exports.default.fetch(new Request("http://sothutu.test/api/v1/docs"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("./openapi.json");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
  });

  it("documents path parameters that match the path", () => {
    for (const route of documentedRoutes) {
      const inPath = [...openApiPath(route.path).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = Object.keys(route.params?.shape ?? {}).sort();
      expect(declared, `${route.method} ${route.path}`).toEqual(inPath);
    }
  });

  it("documents cursor pagination as ?cursor=&limit= with {items, nextCursor}", () => {
    for (const route of documentedRoutes.filter((r) => r.paginated)) {
      expect(Object.keys(route.query?.shape ?? {}), `${route.method} ${route.path}`).toEqual(expect.arrayContaining(["cursor", "limit"]));
      const ok = route.responses[200]?.schema;
      expect(ok, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys((ok as unknown as { shape: Record<string, unknown> }).shape)).toEqual(expect.arrayContaining(["items", "nextCursor"]));
    }
  });
});

let citizenN = 9000;

async function authFor(route: RouteDoc): Promise<CallOptions> {
  if (route.auth.includes("staff")) return { staff: true };
  if (route.auth.includes("citizen")) return { citizen: idNumber(++citizenN) };
  if (route.auth.includes("platform")) return asPlatform(idNumber(++citizenN));
  return {};
}

describe("request examples", () => {
  const withExamples = documentedRoutes.filter((r) => (r.examples ?? []).length > 0);

  it("has an example for most routes", () => {
    expect(withExamples.length).toBeGreaterThan(documentedRoutes.length / 2);
  });

  it("validate against the handlers' own schemas", () => {
    for (const route of withExamples) {
      for (const ex of route.examples!) {
        const where = `${route.method} ${route.path}: ${ex.summary}`;
        if (route.params) expect(route.params.safeParse(ex.params ?? {}).error, where).toBeUndefined();
        if (route.query) expect(route.query.safeParse(ex.query ?? {}).error, where).toBeUndefined();
        if (route.body && ex.body !== undefined) expect(route.body.safeParse(ex.body).error, where).toBeUndefined();
        if (!route.body) expect(ex.body, `${where}: a body for a route without one`).toBeUndefined();
      }
    }
  });

  it("are accepted by the running routes, or refused with a documented problem", async () => {
    for (const route of withExamples) {
      for (const ex of route.examples!) {
        const where = `${route.method.toUpperCase()} ${route.path}: ${ex.summary}`;
        const query = ex.query ? `?${new URLSearchParams(ex.query)}` : "";
        const res = await api(route.method.toUpperCase(), fillPath(route.path, ex.params) + query, { ...(await authFor(route)), json: ex.body });
        if (res.status < 400) {
          const doc = route.responses[res.status];
          expect(doc, `${where}: status ${res.status} is documented`).toBeDefined();
          if (doc?.schema && (doc.contentType ?? "application/json") === "application/json") {
            const parsed = doc.schema.safeParse(res.body);
            expect(parsed.error?.issues.slice(0, 3), `${where}: the answer fits its documented schema`).toBeUndefined();
          }
        } else {
          expect([...documentedProblemCodes(route)], `${where}: ${res.text.slice(0, 200)}`).toContain(res.body.code);
        }
      }
    }
  });
});
