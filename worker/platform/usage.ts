/**
 * Usage per platform client, per service day (Asia/Ho_Chi_Minh) and kind (D1 `platform_usage`):
 * one counter row per (client, day, kind), incremented by an upsert.
 *
 * A usage statistic (what an administrator reads, and a city may bill by), not a limit: nothing
 * is ever refused because of it. So the Worker does not write it on every call. Each isolate
 * adds its calls up in memory per (client, day, kind) and writes the sums with one statement
 * (`flushPlatformUsage`), at the latest FLUSH_AFTER_MS after the first unwritten call or once
 * FLUSH_AFTER_CALLS calls are waiting, from a request's `waitUntil` (so no reply waits for it and
 * the runtime keeps the isolate alive until it is written). The day is the day of the call, not
 * of the write. If an isolate dies before writing, at most its unwritten window is lost (under
 * FLUSH_AFTER_MS of calls, at most FLUSH_AFTER_CALLS of them); a failed write puts its counts back
 * for the next one. Reading usage (`usageOf`) first writes this isolate's waiting counts; other
 * isolates' counts appear within their window.
 */
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { platformUsage } from "../db/schema";

/** What a client used: a scope it called with, or a delivery made to it. */
export type UsageKind = "book" | "read_status" | "events" | "webhook_delivery";

/** Counts wait at most this long in memory… */
export const FLUSH_AFTER_MS = 3_000;
/** …or until this many calls are waiting, whichever comes first. */
export const FLUSH_AFTER_CALLS = 200;
/** D1 binds at most 100 parameters per statement: 4 per row. */
const ROWS_PER_STATEMENT = 25;

const UPSERT_HEAD = "INSERT INTO platform_usage (client_id, day, kind, count) VALUES ";
const UPSERT_TAIL = " ON CONFLICT (client_id, day, kind) DO UPDATE SET count = count + excluded.count";

interface Pending {
  clientId: string;
  day: string;
  kind: UsageKind;
  count: number;
}

// This isolate's unwritten counts, by "client\nday\nkind".
let pending = new Map<string, Pending>();
let pendingCalls = 0;
/** When the oldest unwritten count was added (Date.now()), null when none waits. */
let oldestAt: number | null = null;
/** When a timed flush was armed in some request's waitUntil, null when none is. */
let armedAt: number | null = null;

function add(clientId: string, day: string, kind: UsageKind, by: number): void {
  const id = `${clientId}\n${day}\n${kind}`;
  const row = pending.get(id);
  if (row) row.count += by;
  else pending.set(id, { clientId, day, kind, count: by });
  pendingCalls += by;
  oldestAt ??= Date.now();
}

/** Writes started and not yet finished (a flush also waits for those before it). */
const writing = new Set<Promise<void>>();

/**
 * Writes this isolate's waiting counts now (one statement per 25 rows, one round trip) and
 * resolves once everything this isolate counted before the call is written (including writes
 * other requests started). Never rejects: a failed write is logged and its counts wait for the
 * next flush. Tests call it to see counts at once; `usageOf` calls it before reading.
 */
export async function flushPlatformUsage(d1: D1Database): Promise<void> {
  const earlier = [...writing];
  if (pending.size > 0) {
    const write = writeWaiting(d1);
    writing.add(write);
    void write.finally(() => writing.delete(write));
    earlier.push(write);
  }
  await Promise.all(earlier);
}

async function writeWaiting(d1: D1Database): Promise<void> {
  const rows = [...pending.values()];
  pending = new Map();
  pendingCalls = 0;
  oldestAt = null;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const values = chunk.map((_, j) => `(?${4 * j + 1}, ?${4 * j + 2}, ?${4 * j + 3}, ?${4 * j + 4})`).join(", ");
    statements.push(d1.prepare(UPSERT_HEAD + values + UPSERT_TAIL).bind(...chunk.flatMap((r) => [r.clientId, r.day, r.kind, r.count])));
  }
  try {
    if (statements.length === 1) await statements[0]!.run();
    else await d1.batch(statements);
  } catch (err) {
    // Kept for the next flush rather than lost; say what failed, nothing personal.
    for (const r of rows) add(r.clientId, r.day, r.kind, r.count);
    console.error("platform usage write failed", rows.length, err instanceof Error ? err.message : String(err));
  }
}

/** How many counted calls this isolate has not written yet (for tests). */
export function waitingUsageCalls(): number {
  return pendingCalls;
}

/** Counts `by` uses now, written with the next flush (the webhook consumer, once per delivery). */
export function incrementUsage(d1: D1Database, clientId: string, kind: UsageKind, by = 1): Promise<void> {
  add(clientId, localDateOf(now(), VN_TIME_ZONE), kind, by);
  return flushPlatformUsage(d1);
}

/**
 * Counts one use of a platform call (after the response). Written in a batch (see above): a
 * flush is armed in this request's waitUntil when none is, or run at once when enough calls wait.
 */
export function countUsage<E extends { Bindings: Env }>(c: Context<E>, clientId: string, kind: UsageKind): void {
  add(clientId, localDateOf(now(), VN_TIME_ZONE), kind, 1);
  const d1 = c.env.DB;
  let waitUntil: (work: Promise<unknown>) => void;
  try {
    const ctx = c.executionCtx;
    waitUntil = (work) => ctx.waitUntil(work);
  } catch {
    // app.fetch without an execution context (some tests): the write just runs.
    void flushPlatformUsage(d1);
    return;
  }
  const at = Date.now();
  if (pendingCalls >= FLUSH_AFTER_CALLS || (oldestAt !== null && at - oldestAt >= FLUSH_AFTER_MS)) {
    waitUntil(flushPlatformUsage(d1));
  } else if (armedAt === null || at - armedAt > 2 * FLUSH_AFTER_MS) {
    // The tail of a burst: nothing else may come to write it. (A timer older than twice the
    // window belongs to a request the runtime cancelled: armed again rather than trusted.)
    armedAt = at;
    waitUntil(
      new Promise((resolve) => setTimeout(resolve, FLUSH_AFTER_MS)).then(() => {
        armedAt = null;
        return flushPlatformUsage(d1);
      }),
    );
  }
}

export interface UsageRow {
  day: string;
  kind: string;
  count: number;
}

export async function usageOf(d1: D1Database, clientId: string, from?: string, to?: string): Promise<UsageRow[]> {
  await flushPlatformUsage(d1);
  const where: SQL[] = [eq(platformUsage.clientId, clientId)];
  if (from) where.push(gte(platformUsage.day, from));
  if (to) where.push(lte(platformUsage.day, to));
  return drizzle(d1)
    .select({ day: platformUsage.day, kind: platformUsage.kind, count: platformUsage.count })
    .from(platformUsage)
    .where(and(...where))
    .orderBy(asc(platformUsage.day), asc(platformUsage.kind));
}
