/**
 * Reading client input: every field is hostile until a zod schema says otherwise. Bodies are
 * size-limited, must be JSON, and parse errors become problems, never exceptions.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { ProblemError } from "./problem";

/** No legitimate request to this API comes near this; larger bodies are refused unread. */
export const MAX_BODY_BYTES = 16 * 1024;

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join(".") || "(body)", message: i.message }));
}

/** Validates any value against a schema, or throws an invalid_request problem listing the issues. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProblemError("invalid_request", { errors: issuesOf(result.error) });
  return result.data;
}

/**
 * The body's bytes, or payload_too_large as soon as more than MAX_BODY_BYTES arrive. Fix: the
 * body used to be read whole (`arrayBuffer()`) before its size was checked, so a body streamed
 * without Content-Length (chunked) was buffered in full, megabytes of it, only to be refused.
 */
async function readLimited(c: Context): Promise<Uint8Array> {
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  // With a Content-Length (already checked against the limit) HTTP framing bounds the body: one
  // native read instead of a chunk loop (the usual case: every JSON client sends the length).
  // Checked again after reading, for bodies handed over inside the runtime.
  if (/^\d{1,6}$/.test(c.req.header("content-length") ?? "")) {
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
    if (bytes.byteLength > MAX_BODY_BYTES) throw new ProblemError("payload_too_large");
    return bytes;
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new ProblemError("payload_too_large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Reads and validates a JSON body. An empty body counts as `{}` so schemas decide what is required. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ProblemError("payload_too_large");
  const buffer = await readLimited(c);
  if (buffer.byteLength === 0) return validate(schema, {});
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/json")) throw new ProblemError("unsupported_media_type");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buffer));
  } catch {
    throw new ProblemError("malformed_json");
  }
  return validate(schema, parsed);
}
