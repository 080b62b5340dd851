/**
 * Cursor pagination for every list of the API that can grow (staff accounts, audit log, display
 * tokens, platform clients, webhook deliveries, …): `?limit=` (1–100, default 50) and
 * `?cursor=` (opaque, from the previous page), answered as `{ items, nextCursor }`; `nextCursor`
 * is null on the last page.
 *
 * The cursor is base64url JSON of the sort key of the last item shown. It is not signed on
 * purpose: it only says where to continue in a list the caller may read anyway (authorization
 * is applied on every page), so forging one reveals nothing; it is validated like any input and
 * a malformed one is an `invalid_request` problem, never an exception.
 *
 * Usage in a route (keyset pagination: stable while rows are added, no OFFSET scans):
 *
 *   const q = validate(pageQuery, c.req.query());           // or pageQuery.extend({...filters})
 *   const after = afterCursor(q.cursor, z.object({ id: z.string() }));   // null on page 1
 *   const rows = await … WHERE (id > after.id) ORDER BY id LIMIT q.limit + 1 …;
 *   return c.json(pageOf(rows, q.limit, (r) => ({ id: r.id })));
 *
 * or, for a list already in memory (small tables), `pageInMemory(all, q, keyOf)`.
 * Document the route with `pageQuery` and `pageResponse(itemSchema)` in worker/openapi/.
 */
import { z } from "zod";
import { ProblemError } from "./problem";

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 50;

/** Opaque cursor text: base64url, bounded. */
export const cursorSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,512}$/, "cursor: the nextCursor of a previous page")
  .meta({ description: "Opaque cursor: the `nextCursor` of the previous page. Omit for the first page." });

/** The query of a paginated list (extend it with the list's own filters). */
export const pageQuery = z.object({
  cursor: cursorSchema.optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `Items per page, 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}).` }),
});
export type PageQuery = z.infer<typeof pageQuery>;

/** The answer's schema for a list of `item`: `{ items, nextCursor }`. */
export function pageResponse<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: "Pass as `?cursor=` for the next page; null on the last page." }),
  });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
}

/** The cursor that continues after an item with this sort key. */
export function encodeCursor(key: unknown): string {
  return toBase64Url(JSON.stringify(key));
}

function badCursor(): ProblemError {
  return new ProblemError("invalid_request", { errors: [{ path: "cursor", message: "cursor: not a cursor this list gave out" }] });
}

/** The sort key a cursor carries, checked against the list's key schema; null without a cursor. */
export function afterCursor<S extends z.ZodType>(cursor: string | undefined, keySchema: S): z.infer<S> | null {
  if (cursor === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw badCursor();
  }
  const parsed = keySchema.safeParse(raw);
  if (!parsed.success) throw badCursor();
  return parsed.data;
}

/**
 * A page from rows fetched with `LIMIT limit + 1`: the extra row only tells that there is more.
 * `keyOf` gives the sort key of an item (what the next query continues after).
 */
export function pageOf<T>(rows: T[], limit: number, keyOf: (item: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && items.length > 0;
  return { items, nextCursor: more ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}

/**
 * A page of a list already in memory, sorted by `keyOf` ascending (compared as strings or
 * numbers): for small tables read whole. The cursor carries the last key shown.
 */
export function pageInMemory<T, K extends string | number>(all: T[], q: PageQuery, keyOf: (item: T) => K): Page<T> {
  const after = afterCursor(q.cursor, z.union([z.string(), z.number()]));
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === null ? sorted : sorted.filter((item) => keyOf(item) > (after as K));
  return pageOf(rest.slice(0, q.limit + 1), q.limit, keyOf);
}
