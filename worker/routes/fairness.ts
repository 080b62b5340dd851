/**
 * Verifiable fairness (issue 6), public: anyone can read a branch-day's hash chain and its
 * published head, and check a ticket receipt against it. No sign-in, no personal data (a citizen
 * appears only as a per-day keyed tag). The chain itself and the verifier are shared/fairness.ts;
 * the same verifier runs in scripts/verify-fairness.ts and on the web page, so nobody has to
 * trust this server's "ok".
 *
 * Rate-limit friendly: a whole day is read in a few large pages (a position cursor), a receipt
 * is checked in one call, and nothing here touches the booking path's ledgers or D1 writes.
 */
import { Hono } from "hono";
import { z } from "zod";
import { branchIdSchema, isoDateSchema } from "../../shared/api-schemas";
import { now } from "../../shared/clock";
import {
  CHAIN_PROBLEMS,
  chainEntrySchema,
  chainHeadSchema,
  checkReceipt,
  FAIRNESS_FORMAT,
  fairnessReceiptSchema,
  genesisHash,
  verifyChain,
  type ChainEntry,
  type ChainHead,
} from "../../shared/fairness";
import { branchDay, isLiveServiceDate } from "../booking";
import { publishedHead, publishedHeads, type PublishedHead } from "../db/fairness-heads";
import { readJson, validate } from "../http/body";
import { afterCursor, cursorSchema, encodeCursor } from "../http/pagination";
import { ProblemError } from "../http/problem";
import { requireBranch } from "./public";

export const fairnessRoutes = new Hono<{ Bindings: Env }>();

/** Entries per page: a busy day has a few thousand tickets and about four entries each. */
export const MAX_ENTRIES_PAGE = 1_000;

export const fairnessDayParams = z.object({ branchId: branchIdSchema, date: isoDateSchema });
export const chainPageQuery = z.object({
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ENTRIES_PAGE).default(MAX_ENTRIES_PAGE).meta({ description: `Entries per page, 1–${MAX_ENTRIES_PAGE} (default ${MAX_ENTRIES_PAGE}).` }),
});
export const headsQuery = z.object({
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const publishedHeadSchema = z.object({ length: z.number().int(), hash: z.string(), publishedAt: z.number().int() });
export const chainPageSchema = z
  .object({
    format: z.literal(FAIRNESS_FORMAT),
    branchId: z.string(),
    serviceDate: z.string(),
    /** The live head: every entry so far. */
    head: chainHeadSchema,
    /** The head written to D1 when the day ended (null until then). */
    published: publishedHeadSchema.nullable(),
    dayEnded: z.boolean(),
    items: z.array(chainEntrySchema),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "FairnessChainPage" });
export const headsPageSchema = z.object({
  items: z.array(z.object({ serviceDate: z.string(), length: z.number().int(), hash: z.string(), publishedAt: z.number().int() })),
  nextCursor: z.string().nullable(),
});
export const verifyAnswerSchema = z
  .object({
    ok: z.boolean(),
    receipt: z.object({ ok: z.boolean(), code: z.string().nullable(), message: z.object({ vi: z.string(), en: z.string() }).nullable() }),
    entry: chainEntrySchema.nullable(),
    chain: z.looseObject({ ok: z.boolean(), head: chainHeadSchema }),
    published: publishedHeadSchema.nullable(),
  })
  .meta({ id: "FairnessVerification" });

interface DayChain {
  head: ChainHead;
  dayEnded: boolean;
  published: PublishedHead | null;
  entries: ChainEntry[];
}

/**
 * The day's chain from `from` on. Wakes the branch-day only for a day that may have one: a live
 * day (a week back to two weeks ahead, as elsewhere) or one whose head was published; nobody can
 * make the service create objects for arbitrary days.
 */
async function readChain(env: Env, branchId: string, date: string, from: number, limit: number): Promise<DayChain> {
  await requireBranch(env, branchId);
  const published = await publishedHead(env.DB, branchId, date);
  if (!published && !isLiveServiceDate(date, now())) throw new ProblemError("fairness_chain_not_found");
  const chain = await branchDay(env, branchId, date).fairnessChain(from, limit);
  // A live day nothing happened in yet: the empty chain, whose head is the day's genesis hash.
  const head = chain.head ?? { length: 0, hash: genesisHash(branchId, date) };
  return { head, dayEnded: chain.dayEnded, published, entries: chain.entries };
}

function publishedView(p: PublishedHead | null) {
  return p ? { length: p.length, hash: p.hash, publishedAt: p.publishedAt } : null;
}

/** The day's head and a page of its entries, in chain order (`?cursor=&limit=`). */
fairnessRoutes.get("/fairness/branches/:branchId/days/:date", async (c) => {
  const { branchId, date } = validate(fairnessDayParams, c.req.param());
  const q = validate(chainPageQuery, c.req.query());
  const after = afterCursor(q.cursor, z.object({ position: z.number().int().min(0) }));
  const from = after === null ? 0 : after.position + 1;
  const chain = await readChain(c.env, branchId, date, from, q.limit);
  const last = chain.entries[chain.entries.length - 1];
  const more = last !== undefined && last.position + 1 < chain.head.length;
  return c.json({
    format: FAIRNESS_FORMAT,
    branchId,
    serviceDate: date,
    head: chain.head,
    published: publishedView(chain.published),
    dayEnded: chain.dayEnded,
    items: chain.entries,
    nextCursor: more ? encodeCursor({ position: last.position }) : null,
  });
});

/** A branch's published heads, newest day first. */
fairnessRoutes.get("/fairness/branches/:branchId/heads", async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const q = validate(headsQuery, c.req.query());
  const after = afterCursor(q.cursor, z.object({ serviceDate: isoDateSchema }));
  const rows = await publishedHeads(c.env.DB, branch.id, after?.serviceDate ?? null, q.limit + 1);
  const items = rows.slice(0, q.limit).map((h) => ({ serviceDate: h.serviceDate, length: h.length, hash: h.hash, publishedAt: h.publishedAt }));
  return c.json({ items, nextCursor: rows.length > q.limit ? encodeCursor({ serviceDate: items[items.length - 1]!.serviceDate }) : null });
});

/**
 * Checks a receipt: its entry is in the day's chain, the chain's links and hashes hold up to the
 * head (and the published head), and every call followed registration order or a recorded reason.
 * Always 200 when the check ran: `ok` is the answer. Read-only, so a retry is harmless.
 */
fairnessRoutes.post("/fairness/verify", async (c) => {
  const receipt = await readJson(c, fairnessReceiptSchema);
  const first = await readChain(c.env, receipt.branchId, receipt.serviceDate, 0, MAX_ENTRIES_PAGE);
  const entries: ChainEntry[] = [...first.entries];
  let head = first.head;
  while (entries.length < head.length) {
    const next = await branchDay(c.env, receipt.branchId, receipt.serviceDate).fairnessChain(entries.length, MAX_ENTRIES_PAGE);
    if (next.entries.length === 0) break;
    entries.push(...next.entries);
    head = next.head ?? head;
  }
  const published = first.published ? { length: first.published.length, hash: first.published.hash } : undefined;
  const report = verifyChain(receipt.branchId, receipt.serviceDate, entries, published);
  const check = checkReceipt(receipt, entries, report);
  return c.json({
    ok: check.ok,
    receipt: { ok: check.ok, code: check.code, message: check.code ? CHAIN_PROBLEMS[check.code] : null },
    entry: check.entry,
    chain: report,
    published: publishedView(first.published),
  });
});
