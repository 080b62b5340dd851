/**
 * Reconciliation: does a branch-day agree with the citizens' ledgers and with D1's history?
 * The booking path spans two consistency points (ledger reserve → branch-day issue → ledger
 * confirm) and an outbox to D1; this is the check the service runs on itself after a crash (the
 * crash test, bench/crash-test.ts) or whenever operations doubt a day:
 *
 *   GET /api/v1/staff/branches/:branchId/days/:date/reconciliation?from=1&limit=2000  (manager, admin)
 *
 * - numbers: no ticket id, reservation, or (field, number) twice in the day;
 * - ledgers: every ticket's citizen ledger holds its reservation, confirmed with this ticket's id
 *   and label (cancelled for a cancelled ticket); `pending` ones are counted apart (a request
 *   still in flight, or one that died: the ledger's alarm settles it within a minute or so);
 * - limits: every citizen of the page holds at most 2 active numbers that day and 1 per field,
 *   across all branches, as their ledger counts them;
 * - history: once the outbox is drained, D1 has exactly the day's tickets at their newest version.
 * Ledgers are asked in pages of tickets (`from`, `limit`; `next` names the next page), so one
 * request stays within the runtime's subrequest limits on a busy day.
 *
 * Also, only where DEV_STAND_INS is "1" (local development, tests, the benchmark):
 *   POST /api/v1/dev/bench/noop {branchId}: the benchmark's no-op, a request of the booking route's
 *   shape (JSON body, Worker → branch-day object RPC) that does no work in the object.
 *   POST /api/v1/dev/bench/issue {branchId, fieldCode}: the branch-day's issue alone — a real
 *   ticket for a made-up citizen, without token, throttles or ledger — so the benchmark can
 *   measure what the one serial point per branch and day sustains by itself. Never for a branch
 *   that is reconciled: its tickets have no ledger reservation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { branchIdSchema, isoDateSchema } from "../../shared/api-schemas";
import { MAX_TICKETS_PER_CITIZEN_DAY, MAX_TICKETS_PER_CITIZEN_FIELD_DAY } from "../../shared/citizen-limits";
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { branchDay, citizenLedger, isLiveServiceDate } from "../booking";
import { readJson, validate } from "../http/body";
import { ProblemError } from "../http/problem";
import { allow, type StaffEnv } from "../staff/authorize";
import { requireBranch, requirePlan, todayAt } from "./public";

export const reconcileRoutes = new Hono<StaffEnv>();

export const pageSchema = z.strictObject({
  from: z.coerce.number().int().min(1).max(1_000_000).default(1),
  limit: z.coerce.number().int().min(1).max(5_000).default(2_000),
});

/** Ledgers asked at once (each is one object RPC). */
const LEDGER_CONCURRENCY = 32;

interface Discrepancy {
  kind: string;
  ticketId?: string;
  label?: string;
  detail?: string;
}

reconcileRoutes.get("/staff/branches/:branchId/days/:date/reconciliation", allow("manager", "admin"), async (c) => {
  const branch = await requireBranch(c.env, c.req.param("branchId"));
  const date = validate(isoDateSchema, c.req.param("date"));
  if (!isLiveServiceDate(date, now())) throw new ProblemError("invalid_request", { errors: [{ path: "date", message: "date: within the live service days" }] });
  const page = validate(pageSchema, c.req.query());
  const { tickets, outboxPending } = await branchDay(c.env, branch.id, date).reconciliationEntries();
  const problems: Discrepancy[] = [];

  // Numbers: over the whole day (cheap, no other object).
  const seen = { id: new Set<string>(), reservation: new Set<string>(), number: new Set<string>() };
  for (const t of tickets) {
    const number = `${t.fieldCode}#${t.number}`;
    if (seen.id.has(t.id)) problems.push({ kind: "ticket_id_twice", ticketId: t.id });
    if (seen.reservation.has(t.reservationId)) problems.push({ kind: "reservation_issued_twice", ticketId: t.id });
    if (seen.number.has(number)) problems.push({ kind: "number_issued_twice", ticketId: t.id, label: t.label });
    seen.id.add(t.id);
    seen.reservation.add(t.reservationId);
    seen.number.add(number);
  }

  // Ledgers: the tickets of this page, grouped by citizen.
  const pageTickets = tickets.filter((t) => t.seq >= page.from).slice(0, page.limit);
  const byCitizen = new Map<string, typeof pageTickets>();
  for (const t of pageTickets) byCitizen.set(t.citizenKey, [...(byCitizen.get(t.citizenKey) ?? []), t]);
  let pending = 0;
  let confirmed = 0;
  const citizens = [...byCitizen.entries()];
  for (let i = 0; i < citizens.length; i += LEDGER_CONCURRENCY) {
    await Promise.all(
      citizens.slice(i, i + LEDGER_CONCURRENCY).map(async ([key, mine]) => {
        const reservations = (await citizenLedger(c.env, key).list(date)).filter((r) => r.serviceDate === date);
        const byId = new Map(reservations.map((r) => [r.id, r]));
        for (const t of mine) {
          const r = byId.get(t.reservationId);
          if (!r) {
            problems.push({ kind: "ledger_lacks_reservation", ticketId: t.id, label: t.label });
          } else if (r.status === "pending") {
            pending++;
          } else if (t.status === "cancelled" ? r.status !== "cancelled" : r.status !== "confirmed") {
            problems.push({ kind: "ledger_status_differs", ticketId: t.id, label: t.label, detail: `ticket ${t.status}, reservation ${r.status}` });
          } else if (r.status === "confirmed" && (r.ticketId !== t.id || r.ticketLabel !== t.label)) {
            problems.push({ kind: "ledger_names_other_ticket", ticketId: t.id, label: t.label, detail: `ledger has ${r.ticketLabel ?? "none"}` });
          } else if (r.status === "confirmed") {
            confirmed++;
          }
        }
        const active = reservations.filter((r) => r.status === "pending" || r.status === "confirmed");
        if (active.length > MAX_TICKETS_PER_CITIZEN_DAY) problems.push({ kind: "citizen_daily_limit_exceeded", detail: `${active.length} active` });
        const perField = new Map<string, number>();
        for (const r of active) perField.set(r.fieldCode, (perField.get(r.fieldCode) ?? 0) + 1);
        for (const [field, n] of perField) {
          if (n > MAX_TICKETS_PER_CITIZEN_FIELD_DAY) problems.push({ kind: "citizen_field_limit_exceeded", detail: `${n} in ${field}` });
        }
        // A confirmed reservation here that names a ticket this day does not have.
        const ids = new Set(tickets.map((t) => t.id));
        for (const r of reservations) {
          if (r.branchId === branch.id && r.status === "confirmed" && r.ticketId !== null && !ids.has(r.ticketId)) {
            problems.push({ kind: "ledger_ticket_missing", ticketId: r.ticketId, label: r.ticketLabel ?? undefined });
          }
        }
      }),
    );
  }

  // History: D1 against the object, once the outbox is drained.
  const rows = (
    await c.env.DB.prepare("SELECT id, status, version FROM ticket_history WHERE branch_id = ? AND service_date = ?").bind(branch.id, date).all<{ id: string; status: string; version: number }>()
  ).results;
  const d1 = new Map(rows.map((r) => [r.id, r]));
  let historyDiffers = 0;
  for (const t of tickets) {
    const r = d1.get(t.id);
    if (!r || r.version !== t.version || r.status !== t.status) historyDiffers++;
  }
  const historyExtra = rows.filter((r) => !seen.id.has(r.id)).length;
  if (outboxPending === 0 && (historyDiffers > 0 || historyExtra > 0)) {
    problems.push({ kind: "history_differs", detail: `${historyDiffers} tickets differ or are missing in D1, ${historyExtra} rows D1 has that the day has not` });
  }

  const last = pageTickets.at(-1);
  const next = last && tickets.some((t) => t.seq > last.seq) ? last.seq + 1 : null;
  return c.json({
    branchId: branch.id,
    date,
    checkedAt: now(),
    tickets: tickets.length,
    page: { from: page.from, limit: page.limit, checked: pageTickets.length, citizens: byCitizen.size, next },
    ledgers: { confirmed, pending },
    history: { rows: rows.length, outboxPending, differs: historyDiffers, extra: historyExtra, matches: outboxPending === 0 && historyDiffers === 0 && historyExtra === 0 },
    ok: problems.length === 0,
    problems: problems.slice(0, 200),
    problemCount: problems.length,
    /** For the crash test: every ticket's number, so a client can check the ones it was given. */
    numbers: pageTickets.map((t) => ({ id: t.id, label: t.label, status: t.status })),
  });
});

const noopBody = z.strictObject({ branchId: branchIdSchema });

const issueAloneBody = z.strictObject({ branchId: branchIdSchema, fieldCode: z.string().regex(/^[A-Z0-9_]{1,32}$/) });

reconcileRoutes.post("/dev/bench/issue", async (c) => {
  if (c.env.DEV_STAND_INS !== "1") throw new ProblemError("not_found");
  const body = await readJson(c, issueAloneBody);
  const branch = await requireBranch(c.env, body.branchId);
  const plan = await requirePlan(c.env, branch.id, todayAt(branch));
  const id = crypto.randomUUID();
  const issued = await branchDay(c.env, branch.id, plan.date).issue(plan, {
    reservationId: id,
    fieldCode: body.fieldCode,
    channel: "online",
    priority: null,
    citizenKey: `bench-${id}`,
    citizenMasked: "***",
    verifiedBy: null,
  });
  if (!issued.ok) throw new ProblemError(issued.code, issued.facts);
  return c.json({ ticket: { id: issued.ticket.id, label: issued.ticket.label } }, 201);
});

reconcileRoutes.post("/dev/bench/noop", async (c) => {
  if (c.env.DEV_STAND_INS !== "1") throw new ProblemError("not_found");
  const { branchId } = await readJson(c, noopBody);
  const watchers = await branchDay(c.env, branchId, localDateOf(now(), VN_TIME_ZONE)).watcherCount();
  return c.json({ ok: true, watchers });
});
