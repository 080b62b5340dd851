/**
 * Staff at a branch today: counters (open, call next, complete…), reception (walk-in and
 * priority numbers after an identity check, check-in of booked numbers), the day's overview.
 * Staff act on today's branch-day in the branch's time zone.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  callSpecificBody,
  checkInBody,
  counterNumberSchema,
  emptyBody,
  openCounterBody,
  ticketLabelSchema,
  transferBody,
  walkInBody,
} from "../../shared/api-schemas";
import type { CounterCommand } from "../../durable/engine/commands";
import { book, branchDay, parseTicketId } from "../booking";
import { readJson, validate } from "../http/body";
import { orProblem, ProblemError } from "../http/problem";
import { identityFromIdNumber, idNumberFromCccdQr } from "../identity/id-number";
import { requireStaff } from "../identity/interim-auth";
import { idempotencyKeyOf, liveAccess } from "./citizen";
import { requireBranch, requirePlan, todayAt } from "./public";

export const staffRoutes = new Hono<{ Bindings: Env }>();
staffRoutes.use("*", requireStaff);

async function today(env: Env, rawBranchId: string) {
  const branch = await requireBranch(env, rawBranchId);
  const plan = await requirePlan(env, branch.id, todayAt(branch));
  return { plan, day: branchDay(env, branch.id, plan.date) };
}

/** URL action → command. Each action's body is validated by its own schema. */
const COUNTER_ACTION_PATHS = {
  open: "open",
  pause: "pause",
  resume: "resume",
  close: "close",
  "call-next": "call_next",
  call: "call_specific",
  recall: "recall",
  "no-show": "no_show",
  start: "start",
  complete: "complete",
  transfer: "transfer",
} as const;
const counterActionSchema = z.enum(Object.keys(COUNTER_ACTION_PATHS) as [keyof typeof COUNTER_ACTION_PATHS]);

staffRoutes.get("/branches/:branchId/today", async (c) => {
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  return c.json(await day.overview(plan));
});

staffRoutes.post("/branches/:branchId/counters/:counter/:action", async (c) => {
  const counter = validate(counterNumberSchema, c.req.param("counter"));
  const action = COUNTER_ACTION_PATHS[validate(counterActionSchema, c.req.param("action"))];
  let cmd: CounterCommand;
  if (action === "open") cmd = { action, counter, ...(await readJson(c, openCounterBody)) };
  else if (action === "call_specific") cmd = { action, counter, label: (await readJson(c, callSpecificBody)).label };
  else if (action === "transfer") cmd = { action, counter, toFieldCode: (await readJson(c, transferBody)).toFieldCode };
  else {
    await readJson(c, emptyBody);
    cmd = { action, counter };
  }
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  const done = orProblem(await day.counter(plan, cmd));
  return c.json({ counter: done.counter, ticket: done.ticket });
});

/** Walk-in or priority number, issued after reception or the kiosk checked identity. */
staffRoutes.post("/branches/:branchId/tickets", async (c) => {
  const body = await readJson(c, walkInBody);
  const idNumber = body.cccdQr !== undefined ? idNumberFromCccdQr(body.cccdQr) : body.idNumber!;
  const citizen = await identityFromIdNumber(c.env, idNumber, { acceptUnknownProvince: body.acceptUnknownProvince });
  const { plan } = await today(c.env, c.req.param("branchId"));
  const booked = orProblem(
    await book(c.env, {
      citizen,
      plan,
      fieldCode: body.fieldCode,
      channel: body.channel,
      priority: body.priority,
      verifiedBy: body.identityCheck,
      idempotencyKey: idempotencyKeyOf(c),
    }),
  );
  return c.json({ ticket: booked.ticket, replay: booked.replay, live: await liveAccess(c.env, booked.ticket.id) }, booked.replay ? 200 : 201);
});

/** Reception: does this person hold this number today? Marks it arrived and verified. */
staffRoutes.post("/branches/:branchId/check-in", async (c) => {
  const body = await readJson(c, checkInBody);
  const idNumber = body.cccdQr !== undefined ? idNumberFromCccdQr(body.cccdQr) : body.idNumber!;
  const citizen = await identityFromIdNumber(c.env, idNumber, { acceptUnknownProvince: true });
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  const asId = parseTicketId(body.ticket);
  if (asId && (asId.branchId !== plan.branch.id || asId.date !== plan.date)) throw new ProblemError("ticket_not_found");
  const ref = asId ? { seq: asId.seq } : { label: body.ticket };
  const checked = orProblem(await day.checkIn(plan, ref, citizen.key, body.identityCheck));
  return c.json({ ticket: checked.ticket });
});

/** Reception looks a number up (label as printed, e.g. A015). */
staffRoutes.get("/branches/:branchId/tickets/:label", async (c) => {
  const label = validate(ticketLabelSchema, c.req.param("label"));
  const { day } = await today(c.env, c.req.param("branchId"));
  return c.json({ ticket: orProblem(await day.findTicket({ label })).ticket });
});
