/**
 * OpenAPI document → TypeScript types, in the shape openapi-typescript writes (`paths`,
 * `operations`, `components`), which openapi-fetch (shared/api-client.ts) reads. Written by
 * scripts/openapi-types.ts into shared/api-types.ts; test/contract/types.test.ts checks that
 * file is current.
 *
 * Why not openapi-typescript itself: it needs the TypeScript 5 compiler API, and this project
 * compiles with TypeScript 7 (no JS API). The document uses a small JSON Schema subset (what
 * zod's converter writes), so a converter for that subset is a page of code.
 */
type Json = Record<string, unknown>;
type Schema = Json | boolean;


const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k: string) => (IDENT.test(k) ? k : JSON.stringify(k));
const pad = (n: number) => "  ".repeat(n);

function doc1(s: Json, indent: number): string {
  const d = typeof s.description === "string" ? s.description : null;
  return d ? `${pad(indent)}/** ${d.replace(/\*\//g, "*\\/").replace(/\n+/g, " ")} */\n` : "";
}

/** A JSON Schema (our subset) as a TypeScript type. */
function ts(schema: Schema | undefined, indent: number): string {
  if (schema === undefined || schema === true) return "unknown";
  if (schema === false) return "never";
  const s = schema;
  if (typeof s.$ref === "string") return `components["schemas"][${JSON.stringify(s.$ref.split("/").pop())}]`;
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(union)) return union.map((u) => wrap(ts(u, indent))).join(" | ");
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).map((u) => wrap(ts(u, indent))).join(" & ");
  if (Array.isArray(s.type)) return (s.type as string[]).map((t) => ts({ ...s, type: t }, indent)).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      if (Array.isArray(s.prefixItems)) return `[${(s.prefixItems as Schema[]).map((i) => ts(i, indent)).join(", ")}]`;
      return `${wrap(ts(s.items as Schema | undefined, indent))}[]`;
    }
    case "object":
      return object(s, indent);
    default:
      return s.properties ? object(s, indent) : "unknown";
  }
}

function wrap(t: string): string {
  return /[|&]/.test(t) && !t.startsWith("{") ? `(${t})` : t;
}

function object(s: Json, indent: number): string {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  const lines: string[] = [];
  for (const [name, p] of Object.entries(props)) {
    lines.push(`${doc1(p, indent + 1)}${pad(indent + 1)}${key(name)}${required.has(name) ? "" : "?"}: ${ts(p, indent + 1)};`);
  }
  const extra = s.additionalProperties;
  if (extra !== undefined && extra !== false) lines.push(`${pad(indent + 1)}[key: string]: ${extra === true || Object.keys(extra as Json).length === 0 ? "unknown" : ts(extra as Schema, indent + 1)};`);
  if (lines.length === 0) return extra === false ? "Record<string, never>" : "Record<string, unknown>";
  return `{\n${lines.join("\n")}\n${pad(indent)}}`;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function parameters(op: Json, indent: number): string {
  const params = (op.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema?: Json }>;
  const parts: string[] = [];
  for (const where of ["query", "header", "path", "cookie"]) {
    const mine = params.filter((p) => p.in === where);
    if (mine.length === 0) {
      parts.push(`${pad(indent + 1)}${where}?: never;`);
      continue;
    }
    const allOptional = mine.every((p) => !p.required);
    const fields = mine.map((p) => `${pad(indent + 2)}${key(p.name)}${p.required ? "" : "?"}: ${where === "path" || where === "query" ? queryType(p.schema, indent + 2) : ts(p.schema, indent + 2)};`);
    parts.push(`${pad(indent + 1)}${where}${allOptional ? "?" : ""}: {\n${fields.join("\n")}\n${pad(indent + 1)}};`);
  }
  return `{\n${parts.join("\n")}\n${pad(indent)}}`;
}

/** Path and query values travel as text; numbers may be given as numbers (the client formats them). */
function queryType(schema: Json | undefined, indent: number): string {
  const t = ts(schema, indent);
  return t === "number" ? "number | string" : t;
}

function content(c: Json | undefined, indent: number): string {
  if (!c) return "never";
  const entries = Object.entries(c).map(([media, m]) => `${pad(indent + 1)}${JSON.stringify(media)}: ${ts((m as Json).schema as Schema | undefined, indent + 1)};`);
  return `{\n${entries.join("\n")}\n${pad(indent)}}`;
}

function operation(op: Json, indent: number): string {
  const lines: string[] = [];
  lines.push(`${pad(indent + 1)}parameters: ${parameters(op, indent + 1)};`);
  const body = op.requestBody as Json | undefined;
  lines.push(body ? `${pad(indent + 1)}requestBody?: {\n${pad(indent + 2)}content: ${content(body.content as Json, indent + 2)};\n${pad(indent + 1)}};` : `${pad(indent + 1)}requestBody?: never;`);
  const responses = Object.entries(op.responses as Record<string, Json>).map(
    ([status, r]) =>
      `${pad(indent + 2)}${/^\d+$/.test(status) ? status : JSON.stringify(status)}: {\n${pad(indent + 3)}headers: {\n${pad(indent + 4)}[name: string]: unknown;\n${pad(indent + 3)}};\n${pad(indent + 3)}content${r.content ? "" : "?"}: ${content(r.content as Json | undefined, indent + 3)};\n${pad(indent + 2)}};`,
  );
  lines.push(`${pad(indent + 1)}responses: {\n${responses.join("\n")}\n${pad(indent + 1)}};`);
  return `{\n${lines.join("\n")}\n${pad(indent)}}`;
}

interface Document {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

/** The TypeScript types of an OpenAPI document built by worker/openapi/document.ts. */
export function openApiTypeScript(document: Json): string {
  const doc = document as unknown as Document;
  const out: string[] = [
    "/**",
    " * GENERATED by scripts/openapi-types.ts from the OpenAPI document (worker/openapi/): do not edit.",
    " * Regenerate: bash scripts/with-node.sh npx tsx scripts/openapi-types.ts",
    " * Shape: openapi-typescript's (`paths`, `operations`, `components`), read by openapi-fetch.",
    " */",
    "/* eslint-disable */",
    "",
    "export interface paths {",
  ];
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    out.push(`  ${JSON.stringify(path)}: {`);
    out.push("    parameters: {\n      query?: never;\n      header?: never;\n      path?: never;\n      cookie?: never;\n    };");
    for (const m of METHODS) {
      const op = item[m] as Json | undefined;
      if (!op) {
        out.push(`    ${m}?: never;`);
        continue;
      }
      const id = op.operationId as string;
      out.push(`${doc1({ description: op.summary }, 2)}    ${m}: operations[${JSON.stringify(id)}];`);
      ops.push(`${doc1({ description: `${String(op.summary)} — ${String(op["x-summary-vi"] ?? "")}` }, 1)}  ${key(id)}: ${operation(op, 1)};`);
    }
    out.push("  };");
  }
  out.push("}", "", "export type webhooks = Record<string, never>;", "", "export interface components {", "  schemas: {");
  for (const [name, s] of Object.entries(doc.components.schemas)) out.push(`${doc1(s, 2)}    ${key(name)}: ${ts(s, 2)};`);
  out.push("  };", "  responses: never;", "  parameters: never;", "  requestBodies: never;", "  headers: never;", "  pathItems: never;", "}", "", "export type $defs = Record<string, never>;", "", "export interface operations {");
  out.push(...ops, "}", "");
  out.push('/** A named schema of the API, e.g. `Schema<"TicketView">`. */', 'export type Schema<N extends keyof components["schemas"]> = components["schemas"][N];', "");
  return out.join("\n");
}

