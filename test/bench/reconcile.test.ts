/**
 * The reconciliation the service runs on itself (worker/routes/reconcile.ts; the crash test uses
 * it): a day whose ledgers, numbers and history agree is "ok"; a ledger that disagrees with a
 * ticket is named. The routes are mounted here on their own app, as worker/app.ts mounts them.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileRoutes } from "../../worker/routes/reconcile";
import { problem, ProblemError } from "../../worker/http/problem";
import { citizenLedger } from "../../worker/booking";
import { booked, closeService, openService } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { adminBearer, bearerFor, seedStaff } from "../support/staff";
import { citizen } from "../support/world";

const DAY = "2026-11-23";
const app = new Hono<{ Bindings: Env }>();
app.route("/api/v1", reconcileRoutes);
app.onError((err, c) => (err instanceof ProblemError ? problem(c, err.code, err.facts, err.detail) : problem(c, "internal")));

async function call(path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await app.request(`http://sothutu.test${path}`, { headers: { authorization: `Bearer ${token}` } }, env);
  return { status: res.status, body: await res.json() };
}

async function reconciliation(branchId: string, token?: string): Promise<{ status: number; body: any }> {
  return call(`/api/v1/staff/branches/${branchId}/days/${DAY}/reconciliation`, token ?? (await adminBearer()));
}

beforeAll(() => openService(hanoi(DAY, "09:00")));
afterAll(closeService);

describe("reconciliation of a branch-day against the citizens' ledgers", () => {
  it("agrees after ordinary bookings: numbers unique, every ledger confirmed, limits kept", async () => {
    const tickets = [];
    for (let i = 0; i < 4; i++) tickets.push(await booked(idNumber(7001 + i), { branchId: "hn-cn02", fieldCode: "DATDAI" }));
    const { status, body } = await reconciliation("hn-cn02");
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.problems).toEqual([]);
    expect(body.tickets).toBe(4);
    expect(body.ledgers.confirmed + body.ledgers.pending).toBe(4);
    expect(body.numbers.map((n: { id: string }) => n.id)).toEqual(tickets.map((t) => t.id));
  });

  it("names a ledger that no longer holds a ticket's reservation as confirmed", async () => {
    const ticket = await booked(idNumber(7101), { branchId: "hn-cn01", fieldCode: "TUPHAP" });
    const { body: before } = await reconciliation("hn-cn01");
    expect(before.ok).toBe(true);
    // Tamper with the ledger behind the service's back: the slot is released, the ticket stays.
    const ledger = citizenLedger(env, (await citizen(7101)).key);
    const [reservation] = (await ledger.list(DAY)).filter((r) => r.ticketId === ticket.id);
    await ledger.release(reservation!.id, "refused");
    const { body } = await reconciliation("hn-cn01");
    expect(body.ok).toBe(false);
    expect(body.problems).toContainEqual(expect.objectContaining({ kind: "ledger_status_differs", ticketId: ticket.id }));
  });

  it("is for managers of the branch and administrators only", async () => {
    const clerk = await seedStaff({ username: "rec.clerk", role: "clerk", branchIds: ["hn-cn01"] });
    expect((await reconciliation("hn-cn01", await bearerFor(clerk))).status).toBe(403);
    const otherManager = await seedStaff({ username: "rec.manager2", role: "manager", branchIds: ["hn-cn02"] });
    expect((await reconciliation("hn-cn01", await bearerFor(otherManager))).status).toBe(403);
    const manager = await seedStaff({ username: "rec.manager1", role: "manager", branchIds: ["hn-cn01"] });
    expect((await reconciliation("hn-cn01", await bearerFor(manager))).status).toBe(200);
  });

  it("the benchmark's no-op answers only where the development stand-ins are on", async () => {
    const res = await app.request("http://sothutu.test/api/v1/dev/bench/noop", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ branchId: "hn-cn01" }) }, env);
    expect(res.status).toBe(200);
    const off = await app.request(
      "http://sothutu.test/api/v1/dev/bench/noop",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ branchId: "hn-cn01" }) },
      { ...env, DEV_STAND_INS: "0" },
    );
    expect(off.status).toBe(404);
  });
});
