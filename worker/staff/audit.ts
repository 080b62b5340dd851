/**
 * The staff audit log (D1 `staff_audit_log`): who did what, where and when — every counter
 * command (calls, transfers, no-shows…), walk-in and priority numbers, check-ins, display and
 * live tokens, account changes, sign-ins and failed sign-ins.
 *
 * Rows carry the staff id and role, the branch, the ticket id ("<branch>:<date>:<seq>") and the
 * counter; `detail` holds facts such as the field, priority group or how identity was checked.
 * Never an ID number, a citizen's name, a password or a token: callers pass only such facts, and
 * as a last guard any run of 9 or more digits in `detail` is masked before it is written.
 *
 * Writes go through `waitUntil`, after the response: the action's latency does not include them.
 */
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Context } from "hono";
import { now } from "../../shared/clock";
import type { CounterAction } from "../../durable/engine/commands";
import { staffAuditLog } from "../db/schema";
import type { StaffPrincipal } from "./authorize";

export type AuditAction =
  | "login"
  | "login_failed"
  | "logout"
  | `counter.${CounterAction}`
  | "ticket.issue"
  | "ticket.check_in"
  | "display_token.issue"
  | "display_token.revoke"
  | "live_token.issue"
  | "account.create"
  | "account.update"
  | "account.password"
  // Branch configuration (worker/routes/staff-admin.ts)
  | `branch.${"create" | "update" | "settings" | "hours"}`
  | `field.${"create" | "update"}`
  | `branch_field.${"put" | "delete"}`
  | `counter_config.${"put" | "delete"}`
  | `calendar.${"put" | "delete"}`
  // Platform clients and webhooks (worker/routes/platform.ts)
  | `platform_client.${"create" | "update" | "delete"}`
  | `webhook_endpoint.${"create" | "update" | "delete" | "rotate_secret"}`
  | `webhook_delivery.${"replay" | "replay_dead"}`;

export type AuditDetail = Record<string, string | number | boolean | null | string[]>;

export interface AuditEvent {
  action: AuditAction;
  branchId?: string | null;
  ticketId?: string | null;
  counterNumber?: number | null;
  detail?: AuditDetail;
}

/** Who acted: the signed-in account, or for a failed sign-in the account tried ("-" if none). */
export interface AuditActor {
  staffId: string;
  role: string;
}

export interface AuditEntry {
  id: number;
  at: number;
  staffId: string;
  role: string;
  branchId: string | null;
  action: string;
  ticketId: string | null;
  counterNumber: number | null;
  detail: AuditDetail | null;
}

/** Masks digit runs that could be an ID (9 or 12 digits) or phone number. */
function scrub(json: string): string {
  return json.replace(/\d{9,}/g, (run) => "#".repeat(run.length));
}

function runAfterResponse(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // app.fetch called without an execution context (some tests): the write just runs.
  }
}

/** Records an action of `actor` (written after the response). */
export function auditAs<E extends { Bindings: Env }>(c: Context<E>, actor: AuditActor, event: AuditEvent): void {
  const row = {
    at: now(),
    staffId: actor.staffId,
    role: actor.role,
    branchId: event.branchId ?? null,
    action: event.action,
    ticketId: event.ticketId ?? null,
    counterNumber: event.counterNumber ?? null,
    detail: event.detail ? scrub(JSON.stringify(event.detail)) : null,
  };
  const work = drizzle(c.env.DB)
    .insert(staffAuditLog)
    .values(row)
    .run()
    .catch((err: unknown) => {
      // The action itself succeeded; say which kind of row was lost, nothing personal.
      console.error("audit write failed", row.action, err instanceof Error ? err.message : String(err));
    });
  runAfterResponse(c, work);
}

/** Records an action of the signed-in staff member. */
export function audit<E extends { Bindings: Env; Variables: { staff: StaffPrincipal } }>(c: Context<E>, event: AuditEvent): void {
  const staff = c.get("staff");
  auditAs(c, { staffId: staff.id, role: staff.role }, event);
}

export interface AuditQuery {
  /** Only this branch's rows; omitted: every row (administrators). */
  branchId?: string;
  /** Rows with an id below this (the previous page's `next`). */
  before?: number;
  staffId?: string;
  action?: string;
  limit: number;
}

/** Newest first, paged by id: `{ entries, next }` where `next` is the cursor for older rows. */
export async function listAudit(d1: D1Database, q: AuditQuery): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const where: SQL[] = [];
  if (q.branchId !== undefined) where.push(eq(staffAuditLog.branchId, q.branchId));
  if (q.before !== undefined) where.push(lt(staffAuditLog.id, q.before));
  if (q.staffId !== undefined) where.push(eq(staffAuditLog.staffId, q.staffId));
  if (q.action !== undefined) where.push(eq(staffAuditLog.action, q.action));
  const rows = await drizzle(d1)
    .select()
    .from(staffAuditLog)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(staffAuditLog.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return {
    entries: page.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as AuditDetail) : null })),
    next: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
