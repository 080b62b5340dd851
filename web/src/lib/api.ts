/**
 * Calls to the sothutu API from the pages. Every refusal arrives as an RFC 9457 problem with a
 * stable `code`; pages show the problem's title in the user's language (from shared/problems.ts,
 * the server's own list) and may switch on `code`.
 */
import { PROBLEMS, type ProblemCode } from "@shared/problems";
import { lang } from "./i18n";

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
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let res: Response;
  try {
    res = await fetch(path.startsWith("/api/") ? path : `/api/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError({ status: 0, code: "network_error", title: lang.value === "vi" ? "Mất kết nối mạng; vui lòng thử lại." : "Network connection lost; please try again." });
  }
  const text = await res.text();
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
