/**
 * Staff at a branch today: counters (open, call next, complete…), reception (walk-in and
 * priority numbers after an identity check, check-in of booked numbers), the day's overview.
 * Staff act on today's branch-day in the branch's time zone.
 *
 * Every route names the roles it allows (`allow`, worker/staff/authorize.ts), which also checks
 * the account works at `:branchId`; every change is written to the audit log.
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
import { citizenKeys } from "../identity/citizen-key";
import { identityFromIdNumber, idNumberFromCccdQr } from "../identity/id-number";
import { audit } from "../staff/audit";
import { actsForAnyCounter, allow, authenticateStaff, staffOf, type StaffEnv } from "../staff/authorize";
import { idempotencyKeyOf, liveAccess } from "./citizen";
import { requireBranch, requirePlan, todayAt } from "./public";

export const staffRoutes = new Hono<StaffEnv>();
// Signed in for anything under /branches; each route then says which roles it allows.
staffRoutes.use("/branches/*", authenticateStaff);

async function today(env: Env, rawBranchId: string) {
  const branch = await requireBranch(env, rawBranchId);
  const plan = await requirePlan(env, branch.id, todayAt(branch));
  return { plan, day: branchDay(env, branch.id, plan.date) };
}

/** URL action → command. Each action's body is validated by its own schema. */
export const COUNTER_ACTION_PATHS = {
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
export const counterActionSchema = z.enum(Object.keys(COUNTER_ACTION_PATHS) as [keyof typeof COUNTER_ACTION_PATHS]);

staffRoutes.get("/branches/:branchId/today", allow("manager", "admin"), async (c) => {
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  return c.json(await day.overview(plan));
});

/**
 * A counter command. Clerks act only at a counter they opened (the branch-day checks `openedBy`
 * in the same step as the command: 403 counter_opened_by_other); managers and administrators
 * at any counter of their branch.
 */
staffRoutes.post("/branches/:branchId/counters/:counter/:action", allow("clerk", "manager", "admin"), async (c) => {
  const staff = await staffOf(c);
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
  cmd.by = { staffId: staff.id, anyCounter: actsForAnyCounter(staff) };
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  const done = orProblem(await day.counter(plan, cmd));
  audit(c, {
    action: `counter.${action}`,
    branchId: plan.branch.id,
    ticketId: done.ticket?.id ?? null,
    counterNumber: counter,
    detail: {
      ...(done.ticket ? { label: done.ticket.label, fieldCode: done.ticket.fieldCode } : {}),
      ...(cmd.action === "open" ? { fieldCodes: done.counter.fieldCodes } : {}),
      ...(cmd.action === "transfer" ? { toFieldCode: cmd.toFieldCode } : {}),
    },
  });
  return c.json({ counter: done.counter, ticket: done.ticket });
});

/** Walk-in or priority number, issued after reception or the kiosk checked identity. */
staffRoutes.post("/branches/:branchId/tickets", allow("reception", "manager", "admin"), async (c) => {
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
  if (!booked.replay) {
    // How identity was checked is on record with who issued the number; the ID number is not.
    audit(c, {
      action: "ticket.issue",
      branchId: plan.branch.id,
      ticketId: booked.ticket.id,
      detail: { label: booked.ticket.label, fieldCode: booked.ticket.fieldCode, channel: body.channel, priority: body.priority, identityCheck: body.identityCheck },
    });
  }
  return c.json({ ticket: booked.ticket, replay: booked.replay, live: await liveAccess(c.env, booked.ticket.id) }, booked.replay ? 200 : 201);
});

/** Reception: does this person hold this number today? Marks it arrived and verified. */
staffRoutes.post("/branches/:branchId/check-in", allow("reception", "manager", "admin"), async (c) => {
  const body = await readJson(c, checkInBody);
  const idNumber = body.cccdQr !== undefined ? idNumberFromCccdQr(body.cccdQr) : body.idNumber!;
  const citizen = await identityFromIdNumber(c.env, idNumber, { acceptUnknownProvince: true });
  const { plan, day } = await today(c.env, c.req.param("branchId"));
  const asId = parseTicketId(body.ticket);
  if (asId && (asId.branchId !== plan.branch.id || asId.date !== plan.date)) throw new ProblemError("ticket_not_found");
  const ref = asId ? { seq: asId.seq } : { label: body.ticket };
  // Any of the person's keys: a number booked before a key rotation is under a previous one.
  const checked = orProblem(await day.checkIn(plan, ref, citizenKeys(citizen), body.identityCheck));
  audit(c, { action: "ticket.check_in", branchId: plan.branch.id, ticketId: checked.ticket.id, detail: { label: checked.ticket.label, identityCheck: body.identityCheck } });
  return c.json({ ticket: checked.ticket });
});

/** Reception looks a number up (label as printed, e.g. A015). */
staffRoutes.get("/branches/:branchId/tickets/:label", allow("reception", "manager", "admin"), async (c) => {
  const label = validate(ticketLabelSchema, c.req.param("label"));
  const { day } = await today(c.env, c.req.param("branchId"));
  return c.json({ ticket: orProblem(await day.findTicket({ label })).ticket });
});
