/**
 * The simulation's port to the real service: the Worker over HTTP (`api()`, through SELF: real
 * routes, sessions, objects, D1) for everything a citizen or a staff member does, the
 * branch-days' alarms for the end of the day and the history flush, and D1 for ratings (the
 * ratings API belongs to another module: the report only reads the `ticket_ratings` table).
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { testClock } from "../../shared/clock";
import type { Visit } from "../../sim/model";
import type { PortResult, ServicePort } from "../../sim/run";
import { branchDay } from "../../worker/booking";
import { api, ticketPath, type ApiResponse } from "../support/http";
import { idNumber } from "../support/plans";

/** The simulated citizen's ID number (valid, distinct per citizen number). */
export function simIdNumber(citizen: number): string {
  return idNumber(30_000 + citizen);
}

function result(res: ApiResponse): PortResult {
  if (res.status >= 400) return { ok: false, code: String(res.body?.code) };
  const t = res.body?.ticket;
  return { ok: true, ticket: t ? { id: t.id, label: t.label, fieldCode: t.fieldCode } : null };
}

/** Runs a branch-day's due alarms until none is left (each flush copies one batch of history). */
export async function drainAlarms(branchId: string, date: string): Promise<void> {
  const stub = branchDay(env, branchId, date);
  for (let i = 0; i < 200 && (await runDurableObjectAlarm(stub)); i++) testClock.advance(5_000);
}

export function httpServicePort(): ServicePort {
  return {
    setTime: (ms) => testClock.set(ms),
    async book(v: Visit, serviceDate: string) {
      const id = simIdNumber(v.citizen);
      if (v.channel === "walk_in" || v.channel === "priority") {
        const json = { idNumber: id, identityCheck: "typed", fieldCode: v.fieldCode, channel: v.channel === "walk_in" && v.no % 2 ? "kiosk" : "reception", priority: v.priority };
        return result(await api("POST", `/api/v1/staff/branches/${v.branchId}/tickets`, { staff: true, json }));
      }
      return result(await api("POST", "/api/v1/tickets", { citizen: id, json: { branchId: v.branchId, fieldCode: v.fieldCode, serviceDate } }));
    },
    async cancel(v, ticketId) {
      return result(await api("POST", ticketPath(ticketId, "/cancel"), { citizen: simIdNumber(v.citizen) }));
    },
    async checkIn(v, ticketId) {
      return result(await api("POST", `/api/v1/staff/branches/${v.branchId}/check-in`, { staff: true, json: { ticket: ticketId, idNumber: simIdNumber(v.citizen), identityCheck: "chip_qr" } }));
    },
    async counter(branchId, counter, action, body) {
      return result(await api("POST", `/api/v1/staff/branches/${branchId}/counters/${counter}/${action}`, { staff: true, json: body }));
    },
    async endOfDay(serviceDate, branchIds, atMs) {
      for (const b of branchIds) {
        testClock.set(atMs);
        await drainAlarms(b, serviceDate);
      }
      testClock.set(atMs + 60_000);
    },
    async rate(ratings) {
      const stmts = ratings.map(({ ticket: t, score }) =>
        env.DB.prepare(
          "INSERT INTO ticket_ratings (ticket_id, branch_id, service_date, field_code, counter_number, score, reason, source, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, 'citizen', ?)",
        ).bind(t.id, t.branchId, t.serviceDate, t.fieldCode, t.counterNumber, score, t.endedAt),
      );
      for (let i = 0; i < stmts.length; i += 50) await env.DB.batch(stmts.slice(i, i + 50));
    },
  };
}
