/**
 * Builds the OpenAPI 3.1 document from the registry (worker/openapi/routes.ts) with zod 4's own
 * JSON Schema conversion (`z.toJSONSchema`, draft 2020-12, which is OpenAPI 3.1's dialect): no
 * second schema library, and the converter is the one that ships with the validator we run, so
 * it works in workerd and in Node alike. Named schemas (`.meta({ id })`) become
 * `#/components/schemas/<id>`; requests are converted as input (defaults optional, coercions as
 * their wire types), answers as output.
 */
import { z } from "zod";
import { isoDateSchema } from "../../shared/api-schemas";
import { PROBLEMS, type ProblemCode } from "../../shared/problems";
import { BODY_PROBLEMS, COMMON_PROBLEMS, IDEMPOTENCY_PROBLEMS, problemSchema } from "./common";
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_REPLAYED_HEADER } from "../http/idempotency";
import { openApiPath, type AuthKind, type RouteDoc } from "./registry";
import { documentedRoutes } from "./routes";

type Json = Record<string, unknown>;

export const API_VERSION = "1.0.0";

const SECURITY: Record<Exclude<AuthKind, "public">, Json[]> = {
  citizen: [{ citizenCookie: [] }, { citizenBearer: [] }],
  platform: [{ platformJwt: [] }],
  staff: [{ staffCookie: [] }, { staffBearer: [] }],
  liveToken: [{ liveToken: [] }],
  displayToken: [{ displayToken: [] }],
};

const SECURITY_SCHEMES: Json = {
  citizenCookie: { type: "apiKey", in: "cookie", name: "__Host-sothutu_citizen", description: "Citizen session cookie from sign-in (OIDC or OTP), 12 hours." },
  citizenBearer: { type: "http", scheme: "bearer", description: "The citizen session token as `Authorization: Bearer`." },
  platformJwt: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A city platform's signed JWT (asymmetric algorithms only, at most 10 minutes, consent claim) acting for one citizen.",
  },
  staffCookie: { type: "apiKey", in: "cookie", name: "__Host-sothutu_staff", description: "Staff session cookie set by `POST /api/v1/staff/auth/login`, 10 hours." },
  staffBearer: { type: "http", scheme: "bearer", description: "The staff session token (`token` of the login answer) as `Authorization: Bearer`." },
  liveToken: { type: "apiKey", in: "query", name: "token", description: "A signed live-view token: returned with each ticket, or issued to staff screens." },
  displayToken: { type: "apiKey", in: "query", name: "token", description: "A revocable hall-display token issued by a manager." },
};

const SAFE_INT = 9007199254740991;

/** Converts one zod schema, lifting named sub-schemas into `components`. */
class SchemaSink {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: "input" | "output"): Json {
    const json = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io,
      unrepresentable: "any",
      override: (ctx) => {
        const js = ctx.jsonSchema as Json;
        // A refinement is invisible to JSON Schema: say what the date refinement checks.
        if (ctx.zodSchema === isoDateSchema) js.format = "date";
        // zod writes the safe-integer range on every int: noise for readers and generators.
        if (js.minimum === -SAFE_INT) delete js.minimum;
        if (js.maximum === SAFE_INT) delete js.maximum;
      },
    }) as Json;
    const suffix = io === "input" ? "Input" : "";
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    delete json.$schema;
    const rename = (id: string) => (id.endsWith(suffix) || suffix === "" ? id : `${id}${suffix}`);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === "object") {
        const out: Json = {};
        for (const [k, v] of Object.entries(value)) {
          if (k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) out[k] = `#/components/schemas/${rename(v.slice(8))}`;
          else if (k === "id" && typeof v === "string") continue;
          else out[k] = rewrite(v);
        }
        return out;
      }
      return value;
    };
    for (const [id, def] of Object.entries(defs)) this.components[rename(id)] = rewrite(def) as Json;
    // A named schema at the root: keep it as a component and refer to it.
    const rootId = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    const root = rewrite(json) as Json;
    if (rootId) {
      const ref = `#/components/schemas/${rename(rootId)}`;
      // zod may answer a named root as a $ref into its own $defs (already lifted above).
      if (root.$ref !== ref) this.components[rename(rootId)] = root;
      return { $ref: `#/components/schemas/${rename(rootId)}` };
    }
    return root;
  }
}

function problemCodesOf(route: RouteDoc): ProblemCode[] {
  const codes = new Set<ProblemCode>([...COMMON_PROBLEMS, ...(route.problems ?? [])]);
  if (route.body) for (const c of BODY_PROBLEMS) codes.add(c);
  if (route.idempotency === "middleware") for (const c of IDEMPOTENCY_PROBLEMS) codes.add(c);
  return [...codes];
}

/** The problem codes a route documents (used by the tests to check refusals). */
export function documentedProblemCodes(route: RouteDoc): Set<ProblemCode> {
  return new Set(problemCodesOf(route));
}

function parametersOf(route: RouteDoc, sink: SchemaSink): Json[] {
  const out: Json[] = [];
  const add = (where: "path" | "query", obj: z.ZodObject | undefined) => {
    if (!obj) return;
    const json = sink.convert(obj, "input");
    const props = (json.properties ?? {}) as Record<string, Json>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: where,
        required: where === "path" ? true : required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  };
  add("path", route.params);
  add("query", route.query);
  if (route.idempotency === "middleware" || route.idempotency === "own") {
    out.push({
      name: IDEMPOTENCY_HEADER,
      in: "header",
      required: false,
      description:
        route.idempotency === "own"
          ? "Makes a retry safe: the same key and request answer the original ticket (200); the same key with another request is 422 idempotency_key_reused. Kept by the citizen ledger."
          : "Makes a retry safe: the first successful answer is stored 24 hours and replayed (header `Idempotent-Replayed: true`); the same key with another request is 422 idempotency_key_reused; while the first is running, 409 idempotency_in_progress.",
      schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$" },
    });
  }
  return out;
}

function responsesOf(route: RouteDoc, sink: SchemaSink): Json {
  const out: Json = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const entry: Json = { description: doc.description };
    if (doc.headers) entry.headers = Object.fromEntries(Object.entries(doc.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }]));
    if (doc.schema) entry.content = { [doc.contentType ?? "application/json"]: { schema: sink.convert(doc.schema, "output") } };
    else if (doc.contentType) entry.content = { [doc.contentType]: { schema: { type: "string" } } };
    if (route.idempotency === "middleware" && Number(status) < 300) {
      entry.headers = { ...((entry.headers as Json) ?? {}), [IDEMPOTENCY_REPLAYED_HEADER]: { description: "`true` when this is a stored answer replayed for a retry.", schema: { type: "string", enum: ["true"] } } };
    }
    out[status] = entry;
  }
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of problemCodesOf(route)) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: `Problem: ${codes.map((c) => `\`${c}\``).join(", ")}.`,
      "x-problem-codes": codes,
      content: {
        "application/problem+json": {
          schema: { $ref: "#/components/schemas/Problem" },
          examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${code}` }])),
        },
      },
    };
  }
  out.default = {
    description: "Any other error: `internal` (500, never expected) — every error is RFC 9457 problem+json.",
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  };
  return out;
}

function securityOf(route: RouteDoc): Json[] {
  const req: Json[] = [];
  for (const kind of route.auth) {
    if (kind === "public") req.push({});
    else req.push(...SECURITY[kind]);
  }
  return req;
}

function operationOf(route: RouteDoc, sink: SchemaSink): Json {
  const op: Json = {
    operationId: route.operationId,
    summary: route.summary.en,
    description: [
      `**${route.summary.vi}**`,
      route.description ?? "",
      route.roles ? `Staff roles: ${route.roles.join(", ")} (at their own branches; admin everywhere).` : "",
      route.paginated ? "Cursor-paginated: `?limit=` (1–100) and `?cursor=` (the previous page's `nextCursor`); answers `{items, nextCursor}`." : "",
      route.websocket ? "Also answers a WebSocket upgrade (`Upgrade: websocket`)." : "",
    ]
      .filter((s) => s !== "")
      .join("\n\n"),
    tags: route.tags,
    "x-summary-vi": route.summary.vi,
    security: securityOf(route),
    parameters: parametersOf(route, sink),
    responses: responsesOf(route, sink),
  };
  if (route.roles) op["x-staff-roles"] = route.roles;
  if (route.idempotency) op["x-idempotency"] = route.idempotency;
  if (route.body) {
    const examples = (route.examples ?? []).filter((e) => e.body !== undefined);
    op.requestBody = {
      required: false,
      content: {
        "application/json": {
          schema: sink.convert(route.body, "input"),
          ...(examples.length > 0 ? { examples: Object.fromEntries(examples.map((e, i) => [`example${i + 1}`, { summary: e.summary, value: e.body }])) } : {}),
        },
      },
    };
  }
  if ((op.parameters as Json[]).length === 0) delete op.parameters;
  return op;
}

const TAGS: Array<{ name: string; description: string }> = [
  { name: "meta", description: "The service and this contract." },
  { name: "public", description: "Branches and bookable days; no sign-in." },
  { name: "citizen", description: "A citizen's own numbers (session or city platform token)." },
  { name: "auth", description: "Citizen sign-in: national SSO (OIDC) or ID number + SMS code." },
  { name: "personal data", description: "The citizen's rights under Law 91/2025: access, consent, deletion." },
  { name: "staff auth", description: "Staff sign-in." },
  { name: "staff", description: "Staff at a branch today: counters, reception." },
  { name: "live", description: "Live views: WebSocket or polling." },
  { name: "administration", description: "Branches, accounts, tokens, clients; every change audited." },
  { name: "platform", description: "City platform clients and webhooks." },
  { name: "reports", description: "History and reports." },
  { name: "ratings", description: "Citizens rate the service." },
  { name: "fairness", description: "Verifiable fairness: the hash chain of each branch-day." },
];

function problemTable(): string {
  const rows = (Object.entries(PROBLEMS) as Array<[ProblemCode, (typeof PROBLEMS)[ProblemCode]]>).map(([code, p]) => `| \`${code}\` | ${p.status} | ${p.en} | ${p.vi} |`);
  return ["| code | status | English | Tiếng Việt |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** One example problem per code, referred to by every response that can give it. */
function problemExamples(used: Set<ProblemCode>): Json {
  return Object.fromEntries(
    [...used].sort().map((code) => {
      const p = PROBLEMS[code];
      return [code, { summary: p.en, value: { type: `/problems/${code}`, title: p.vi, status: p.status, detail: p.vi, code, instance: "/api/v1/…" } }];
    }),
  );
}

const DESCRIPTION = `Real-time queue numbers (số thứ tự) for Vietnamese public administrative service centers.

Versioned paths: everything is under \`/api/v1\`; a breaking change gets \`/api/v2\`.

**Authentication.** Citizens: the session cookie set at sign-in, or the same token as \`Authorization: Bearer\`; a city platform sends its own signed JWT (acting for one citizen who consented) as the bearer. Staff: the staff session cookie or its token as a bearer. Live views take a signed \`?token=\`; hall displays a revocable display token.

**Errors.** Every error is an RFC 9457 problem (\`application/problem+json\`) with a stable \`code\`; titles are Vietnamese by default, English with \`?lang=en\` or \`Accept-Language: en\`. Codes:

${"__PROBLEMS__"}

**Idempotency.** Every state-changing call (POST, PUT, PATCH, DELETE) accepts an \`Idempotency-Key\` header (1–128 printable ASCII characters): the first successful answer is kept 24 hours per caller and replayed for a retry with the same request (\`Idempotent-Replayed: true\`); the same key with a different request is 422 \`idempotency_key_reused\`; a retry while the first is still running is 409 \`idempotency_in_progress\`. Booking (\`POST /api/v1/tickets\`, walk-in numbers) keeps its own keys in the citizen's ledger. Sign-in, sign-out and calls whose answer carries a new credential (tokens, generated passwords) do not store answers (\`x-idempotency: none\`).

**Pagination.** Lists that grow are cursor-paginated: \`?limit=\` (1–100, default 50) and \`?cursor=\` (opaque: the \`nextCursor\` of the previous page); answers \`{ items, nextCursor }\`, \`nextCursor\` null on the last page.`;

/** The OpenAPI 3.1 document of the API. */
export function buildOpenApiDocument(routes: RouteDoc[] = documentedRoutes): Json {
  const sink = new SchemaSink();
  sink.convert(problemSchema, "output");
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const p = openApiPath(route.path);
    paths[p] ??= {};
    paths[p][route.method] = operationOf(route, sink);
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "sothutu — Số thứ tự API",
      version: API_VERSION,
      summary: "Queue numbers for public administrative service centers.",
      description: DESCRIPTION.replace("__PROBLEMS__", problemTable()),
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      contact: { name: "sothutu operators" },
    },
    servers: [{ url: "/", description: "This deployment" }],
    tags: TAGS,
    paths,
    components: { schemas: sink.components, examples: problemExamples(new Set(routes.flatMap(problemCodesOf))), securitySchemes: SECURITY_SCHEMES },
  };
}

let cached: Json | null = null;

/** Built once per isolate: the registry does not change while it runs. */
export function openApiDocument(): Json {
  cached ??= buildOpenApiDocument();
  return cached;
}
