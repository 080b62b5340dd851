/**
 * Service ratings (issue 5): after service the citizen rates it 1–5 with an optional reason code,
 * either on their phone (as the ticket's holder) or by tapping the counter-facing screen of the
 * clerk who served them. One rating per ticket, whichever comes first; stored in D1
 * `ticket_ratings` (no personal data: ticket id, branch, day, field, counter, score, reason code),
 * where the manager's reports join them to the ticket history.
 */
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono, type Context } from "hono";
import { now } from "../../shared/clock";
import { counterNumberSchema, ratingBody, type RatingBody } from "../../shared/api-schemas";
import { COUNTER_RATING_WINDOW_MS, type RatingReason, type RatingSource, type RatingView } from "../../shared/ratings";
import { epochAt } from "../../shared/time";
import type { TicketView } from "../../durable/engine/views";
import { citizenOf } from "../auth/citizen";
import { branchDay, parseTicketId } from "../booking";
import { staffAuditLog, ticketRatings } from "../db/schema";
import { readJson, validate } from "../http/body";
import { orProblem, ProblemError } from "../http/problem";
import { citizenKeys } from "../identity/citizen-key";
import { actsForAnyCounter, allow, staffOf, type StaffEnv } from "../staff/authorize";
import { requireBranch, requirePlan, todayAt } from "./public";

export const ratingRoutes = new Hono<StaffEnv>();

type RatingRow = typeof ticketRatings.$inferSelect;

function viewOf(row: RatingRow, label: string): RatingView {
  return { ticketId: row.ticketId, label, score: row.score, reason: (row.reason as RatingReason | null) ?? null, source: row.source as RatingSource, createdAt: row.createdAt };
}

/**
 * Stores the rating unless the ticket has one. The primary key on ticket_id decides atomically
 * which of two simultaneous ratings (phone and counter screen) wins; the other is told so.
 */
async function storeRating(env: Env, ticket: TicketView, body: RatingBody, source: RatingSource): Promise<RatingView> {
  const row: RatingRow = {
    ticketId: ticket.id,
    branchId: ticket.branchId,
    serviceDate: ticket.serviceDate,
    fieldCode: ticket.fieldCode,
    counterNumber: ticket.counterNumber,
    score: body.score,
    reason: body.reason ?? null,
    source,
    createdAt: now(),
  };
  const result = await drizzle(env.DB).insert(ticketRatings).values(row).onConflictDoNothing({ target: ticketRatings.ticketId }).run();
  if (result.meta.changes === 0) throw new ProblemError("rating_already_given", { ticketId: ticket.id });
  return viewOf(row, ticket.label);
}

async function ratingOf(env: Env, ticketId: string): Promise<RatingRow | null> {
  const rows = await drizzle(env.DB).select().from(ticketRatings).where(eq(ticketRatings.ticketId, ticketId)).limit(1);
  return rows[0] ?? null;
}

/** The holder's own ticket (anyone else's is "not found", as on every ticket route). */
async function holdersTicket(c: Context<StaffEnv>): Promise<TicketView> {
  const citizen = await citizenOf(c);
  const ref = parseTicketId(c.req.param("ticketId") ?? "");
  if (!ref) throw new ProblemError("ticket_not_found");
  return orProblem(await branchDay(c.env, ref.branchId, ref.date).citizenTicket(ref.seq, citizenKeys(citizen))).ticket;
}

/** The holder's rating of their ticket, if any (the citizen page shows "thank you" instead of the form). */
ratingRoutes.get("/tickets/:ticketId/rating", async (c) => {
  const ticket = await holdersTicket(c);
  const row = await ratingOf(c.env, ticket.id);
  return c.json({ rating: row ? viewOf(row, ticket.label) : null, canRate: row === null && ticket.status === "served" });
});

/** The holder rates their ticket, once, after it was served. */
ratingRoutes.post("/tickets/:ticketId/rating", async (c) => {
  const ticket = await holdersTicket(c);
  const body = await readJson(c, ratingBody);
  if (ticket.status !== "served") throw new ProblemError("rating_not_open", { ticketId: ticket.id });
  return c.json({ rating: await storeRating(c.env, ticket, body, "citizen") }, 201);
});

/**
 * Is this clerk the one who opened the counter (and has not closed it since)? The branch-day
 * keeps the opener but does not expose it; the audit log records every open and close in order.
 * The first `counter.open` after the last `counter.close` today names the opener (later opens
 * by a clerk are refused by the branch-day unless they are that opener; a manager's re-open
 * keeps the opener).
 */
async function openedCounter(env: Env, staffId: string, branchId: string, counter: number, date: string, timeZone: string): Promise<boolean> {
  const rows = await drizzle(env.DB)
    .select({ action: staffAuditLog.action, staffId: staffAuditLog.staffId })
    .from(staffAuditLog)
    .where(
      and(
        eq(staffAuditLog.branchId, branchId),
        eq(staffAuditLog.counterNumber, counter),
        inArray(staffAuditLog.action, ["counter.open", "counter.close"]),
        gte(staffAuditLog.at, epochAt(date, "00:00", timeZone)),
      ),
    )
    .orderBy(desc(staffAuditLog.id))
    .limit(200);
  let opener: string | null = null;
  for (const row of rows) {
    if (row.action === "counter.close") break;
    opener = row.staffId;
  }
  return opener === staffId;
}

/**
 * The counter-facing screen: the citizen just served at this counter taps a score. It rates the
 * ticket this counter completed last, within COUNTER_RATING_WINDOW_MS, and only while the counter
 * has not called anyone since. A clerk may do this only at a counter they opened (as for every
 * counter command); managers and administrators at any counter of their branch.
 */
ratingRoutes.post("/staff/branches/:branchId/counters/:counter/rating", allow("clerk", "manager", "admin"), async (c) => {
  const staff = await staffOf(c);
  const counter = validate(counterNumberSchema, c.req.param("counter"));
  const body = await readJson(c, ratingBody);
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const plan = await requirePlan(c.env, branch.id, todayAt(branch));
  if (!plan.branch.counters.some((k) => k.number === counter)) throw new ProblemError("counter_not_found");
  if (!actsForAnyCounter(staff) && !(await openedCounter(c.env, staff.id, branch.id, counter, plan.date, branch.timeZone))) {
    throw new ProblemError("counter_opened_by_other");
  }
  const day = branchDay(c.env, branch.id, plan.date);
  const [overview, tickets] = await Promise.all([day.overview(plan), day.tickets()]);
  if (overview.counters.find((k) => k.number === counter)?.current) throw new ProblemError("rating_nothing_to_rate");
  let last: TicketView | null = null;
  for (const t of tickets) {
    if (t.counterNumber !== counter || t.endedAt === null) continue;
    if (!last || t.endedAt >= last.endedAt!) last = t;
  }
  // The counter's last finished ticket must be a service (not a no-show) and recent.
  if (!last || last.status !== "served" || now() - last.endedAt! > COUNTER_RATING_WINDOW_MS) throw new ProblemError("rating_nothing_to_rate");
  return c.json({ rating: await storeRating(c.env, last, body, "counter") }, 201);
});
