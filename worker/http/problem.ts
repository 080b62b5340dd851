/**
 * RFC 9457 problem details: the one JSON shape of every error this API returns. The code is
 * stable for machines; title and detail are in the caller's language (Vietnamese first).
 */
import type { Context } from "hono";
import { PROBLEMS, type ProblemCode, type Refusal, type RefusalFacts } from "../../shared/problems";

export type Lang = "vi" | "en";

/** Vietnamese unless the caller asks for English (?lang=en or Accept-Language preferring en). */
export function languageOf(c: Context): Lang {
  const q = c.req.query("lang");
  if (q === "en" || q === "vi") return q;
  const accept = (c.req.header("accept-language") ?? "").toLowerCase();
  const first = accept.split(",")[0]?.trim() ?? "";
  return first.startsWith("en") ? "en" : "vi";
}

/** Thrown inside handlers to stop with a problem; the app's error handler renders it. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly facts?: RefusalFacts,
    readonly detail?: { vi: string; en: string },
  ) {
    super(code);
  }
  static from(refusal: Refusal): ProblemError {
    return new ProblemError(refusal.code, refusal.facts, refusal.detail);
  }
}

/** Renders a problem response. */
export function problem(c: Context, code: ProblemCode, facts?: RefusalFacts, detail?: { vi: string; en: string }): Response {
  const spec = PROBLEMS[code];
  const lang = languageOf(c);
  const body = {
    type: `/problems/${code}`,
    title: spec[lang],
    status: spec.status,
    detail: detail ? detail[lang] : spec[lang],
    code,
    instance: new URL(c.req.url).pathname,
    ...facts,
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json; charset=utf-8", "content-language": lang };
  if (facts?.retryAfterSeconds !== undefined) headers["retry-after"] = String(facts.retryAfterSeconds);
  return new Response(JSON.stringify(body), { status: spec.status, headers });
}

/** Unwraps an outcome or throws its refusal as a problem. */
export function orProblem<O extends { ok: true } | Refusal>(outcome: O): Exclude<O, { ok: false }> {
  if (!outcome.ok) throw ProblemError.from(outcome as Refusal);
  return outcome as Exclude<O, { ok: false }>;
}
