/**
 * The central registry of the API contract: every route the Worker serves under /api/v1, named
 * once with the SAME zod schemas its handler validates with (imported from where they live), so
 * the OpenAPI document (worker/openapi/document.ts) cannot drift from what is enforced.
 *
 * Routes are declared in per-area files (worker/openapi/routes-*.ts) rather than inside each
 * route module, so documenting never touches handler code. test/contract/routes.test.ts compares
 * this registry with `app.routes`: an undocumented route, or a documented one that does not
 * exist, fails the build.
 */
import type { z } from "zod";
import type { ProblemCode } from "../../shared/problems";

/**
 * How a caller proves who they are (OpenAPI security schemes, worker/openapi/document.ts):
 * - citizen: the citizen session cookie, or the same token as `Authorization: Bearer`;
 * - platform: a city platform's signed JWT as `Authorization: Bearer` (acts for a citizen);
 * - staff: the staff session cookie, or the same token as `Authorization: Bearer`;
 * - liveToken: a signed live-view token in `?token=` (ticket or staff view);
 * - displayToken: a revocable hall-display token in `?token=`;
 * - public: nobody needs to sign in.
 */
export type AuthKind = "public" | "citizen" | "platform" | "staff" | "liveToken" | "displayToken";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface ResponseDoc {
  description: string;
  /** The answer's JSON (absent: described in words only, e.g. a redirect or a CSV file). */
  schema?: z.ZodType;
  /** Another media type than JSON, e.g. "text/csv" or "text/html". */
  contentType?: string;
  headers?: Record<string, string>;
}

/** One example request, sent by test/contract to the running route. */
export interface RequestExample {
  summary: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export interface RouteDoc {
  method: HttpMethod;
  /** Hono-style full path, e.g. "/api/v1/branches/:branchId". */
  path: string;
  operationId: string;
  summary: { vi: string; en: string };
  description?: string;
  tags: string[];
  /** Any one of these is enough; ["public"] for no sign-in. */
  auth: AuthKind[];
  /** Staff roles allowed (documentation of the `allow(...)` call of the handler). */
  roles?: Array<"clerk" | "reception" | "manager" | "admin">;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Problem codes this route may answer besides the ones every route can give. */
  problems?: ProblemCode[];
  /**
   * Idempotency-Key handling of a state-changing route: "middleware" (worker/http/idempotency.ts
   * stores and replays the first answer), "own" (the route keeps its own, e.g. booking in the
   * citizen ledger), "none" (not honoured: the answer carries a credential; see IDEMPOTENCY_SKIP).
   */
  idempotency?: "middleware" | "own" | "none";
  /** A cursor-paginated list (`?cursor=&limit=`, `{items, nextCursor}`). */
  paginated?: boolean;
  /** Also answers a WebSocket upgrade. */
  websocket?: boolean;
  examples?: RequestExample[];
}

/** `/api/v1/branches/:branchId` → `/api/v1/branches/{branchId}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}

/** Fills a Hono path's parameters. */
export function fillPath(honoPath: string, params: Record<string, string> = {}): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`example lacks path parameter ${name} of ${honoPath}`);
    return encodeURIComponent(value);
  });
}

export function isStateChanging(method: string): boolean {
  const m = method.toUpperCase();
  return m === "POST" || m === "PUT" || m === "PATCH" || m === "DELETE";
}
