/**
 * The typed client of the sothutu API, for the web pages and for city platforms written in
 * TypeScript. Types come from shared/api-types.ts (generated from the OpenAPI document, itself
 * generated from the zod schemas the Worker validates with); the runtime is openapi-fetch
 * (~2 KB gzipped), a thin typed wrapper around `fetch`.
 *
 *   const api = createApiClient({ lang: "vi" });
 *   const { data, error } = await api.GET("/api/v1/branches/{branchId}/days", { params: { path: { branchId: "hn-cn01" } } });
 *   const ticket = await unwrap(api.POST("/api/v1/tickets", {
 *     body: { branchId: "hn-cn01", fieldCode: "DATDAI" },
 *     params: { header: { "Idempotency-Key": newIdempotencyKey() } },
 *   }));
 *
 * Every error body is an RFC 9457 problem with a stable `code` (`ApiProblem` carries it).
 * Retrying a state-changing call after a lost answer: send the SAME Idempotency-Key again.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-types";

export type { components, operations, paths, Schema } from "./api-types";

export type ApiClient = Client<paths>;
export type ProblemBody = components["schemas"]["Problem"];

export interface ApiClientOptions {
  /** Origin of the service; default: the page's own (relative URLs). */
  baseUrl?: string;
  /** Language of problem titles and details (default Vietnamese), or a function read on every call. */
  lang?: "vi" | "en" | (() => "vi" | "en");
  /** A staff bearer token, or a city platform's JWT, read on every call (null: none). */
  bearer?: () => string | null | undefined;
  fetch?: (input: Request) => Promise<Response>;
}

/** A refused call: the problem the API answered with (or a synthesized one when there was none). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(problem.title ?? problem.code);
    this.name = "ApiProblem";
  }
  get code(): ProblemBody["code"] {
    return this.problem.code;
  }
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths>({
    // Browsers send the session cookie to the same origin by default (credentials "same-origin").
    baseUrl: options.baseUrl ?? "",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const headers: Middleware = {
    onRequest({ request }) {
      const lang = typeof options.lang === "function" ? options.lang() : options.lang;
      request.headers.set("accept-language", lang ?? "vi");
      const token = options.bearer?.();
      if (token && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  client.use(headers);
  return client;
}

/** A fresh key for one state-changing call (keep it to retry that same call). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** The data of a call, or throws ApiProblem with the answer's problem. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error && typeof error === "object" ? error : {}) as Partial<ProblemBody>;
  const problem = { ...body, status: response.status, code: (typeof body.code === "string" ? body.code : "internal") as ProblemBody["code"] } as ProblemBody;
  throw new ApiProblem(response.status, problem);
}
