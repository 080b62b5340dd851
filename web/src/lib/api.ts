/**
 * Calls to the sothutu API from the pages. Every refusal arrives as an RFC 9457 problem with a
 * stable `code`; pages show the problem's title in the user's language (from shared/problems.ts,
 * the server's own list) and may switch on `code`.
 */
import { createApiClient, type ApiClient } from "@shared/api-client";
import { PROBLEMS, type ProblemCode } from "@shared/problems";
import { lang } from "./i18n";

/**
 * The typed client of the API (shared/api-client.ts: openapi-fetch over types generated from the
 * OpenAPI document): `api.GET("/api/v1/branches/{branchId}", { params: { path: { branchId } } })`
 * checks paths, parameters, bodies and answers at compile time. `apiFetch` below goes through it.
 */
export const api: ApiClient = createApiClient({ lang: () => lang.value });
export { ApiProblem, newIdempotencyKey, unwrap } from "@shared/api-client";

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  [fact: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title ?? problem.code);
  }
  get code(): string {
    return this.problem.code;
  }
  get status(): number {
    return this.problem.status;
  }
}

/** The message to show for a problem, in the current language. */
export function problemMessage(problem: Problem): string {
  const spec = PROBLEMS[problem.code as ProblemCode];
  const title = spec ? spec[lang.value] : (problem.title ?? problem.code);
  return problem.detail && problem.detail !== title ? `${title} ${problem.detail}` : title;
}

export interface RequestOptions {
  body?: unknown;
  /** Staff pages send their bearer token; citizen pages use the session cookie. */
  token?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** JSON request to /api/v1…; resolves with the JSON body, rejects with ApiError. */
export async function apiFetch<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", "accept-language": lang.value, ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  let text: string;
  try {
    // Through the typed client (its JSON body serializer sets the content type); paths here are
    // built at run time, so the call is untyped and the answer is read as text below.
    const url = path.startsWith("/api/") ? path : `/api/v1${path}`;
    const init = { body: options.body, headers, credentials: "same-origin", signal: options.signal, parseAs: "text" };
    const out = await (api.request as (m: string, u: string, i: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>)(method.toLowerCase(), url, init);
    res = out.response;
    const raw = res.ok ? out.data : out.error;
    text = typeof raw === "string" ? raw : raw === undefined ? "" : JSON.stringify(raw);
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError({ status: 0, code: "network_error", title: lang.value === "vi" ? "Mất kết nối mạng; vui lòng thử lại." : "Network connection lost; please try again." });
  }
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const p = (body && typeof body === "object" ? body : {}) as Partial<Problem>;
    throw new ApiError({ ...p, status: res.status, code: typeof p.code === "string" ? p.code : "internal" });
  }
  return body as T;
}
