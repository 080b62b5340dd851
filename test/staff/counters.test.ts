/**
 * "A clerk acts only at a counter they opened in their branch": the counter remembers its
 * opener (in the pure engine, in the branch-day's storage, over HTTP); managers and
 * administrators may act at any counter of their branch. And the audit log those actions leave:
 * who called, transferred, marked no-show, issued a priority number — never an ID number.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createState } from "../../durable/engine/state";
import type { DayState } from "../../durable/engine/types";
import { branchDay } from "../../worker/booking";
import { act, issued, walkIn } from "../support/engine";
import { api, booked, cccdQr, closeService, expectOk, expectProblem, openService, secret, type ApiResponse } from "../support/http";
import { hanoi, idNumber, makePlan, MONDAY } from "../support/plans";
import { auditRows, bearerFor, seedStaff, type AuditRow, type TestStaff } from "../support/staff";

describe("the engine: a counter belongs to whoever opened it", () => {
  const T = (hhmm: string) => hanoi(MONDAY, hhmm);
  const clerkA = { staffId: "clerk-a", anyCounter: false };
  const clerkB = { staffId: "clerk-b", anyCounter: false };
  const manager = { staffId: "manager-m", anyCounter: true };
  let state: DayState;

  beforeEach(() => {
    state = createState(makePlan(MONDAY));
    issued(state, walkIn("DATDAI"), T("08:01"));
    issued(state, walkIn("DATDAI"), T("08:02"));
  });

  it("records the opener, refuses every other clerk's command there, and forgets the opener at close", () => {
    const opened = act(state, { action: "open", counter: 1, by: clerkA }, T("08:30"));
    expect(opened.ok && opened.counter!.openedBy).toBe("clerk-a");
    for (const cmd of [
      { action: "call_next", counter: 1 },
      { action: "open", counter: 1 },
      { action: "pause", counter: 1 },
      { action: "close", counter: 1 },
      { action: "call_specific", counter: 1, label: "A002" },
    ] as const) {
      const out = act(state, { ...cmd, by: clerkB }, T("08:31"));
      expect(out.ok ? "ok" : out.code, cmd.action).toBe("counter_opened_by_other");
    }
    expect(act(state, { action: "call_next", counter: 1, by: clerkA }, T("08:32")).ok).toBe(true);
    // A manager completes and closes it; then it is anyone's to open again.
    expect(act(state, { action: "complete", counter: 1, by: manager }, T("08:40")).ok).toBe(true);
    // Re-opening with other fields keeps the clerk as the opener.
    const reopened = act(state, { action: "open", counter: 1, by: manager }, T("08:41"));
    expect(reopened.ok && reopened.counter!.openedBy).toBe("clerk-a");
    const closed = act(state, { action: "close", counter: 1, by: manager }, T("08:42"));
    expect(closed.ok && closed.counter!.openedBy).toBeNull();
    const taken = act(state, { action: "open", counter: 1, by: clerkB }, T("08:43"));
    expect(taken.ok && taken.counter!.openedBy).toBe("clerk-b");
    expect(act(state, { action: "call_next", counter: 1, by: clerkA }, T("08:44"))).toMatchObject({ ok: false, code: "counter_opened_by_other" });
  });

  it("at a closed counter a clerk gets the usual answers (not open, unknown), not a refusal of ownership", () => {
    expect(act(state, { action: "call_next", counter: 2, by: clerkB }, T("08:30"))).toMatchObject({ ok: false, code: "counter_not_open" });
    expect(act(state, { action: "open", counter: 99, by: clerkB }, T("08:30"))).toMatchObject({ ok: false, code: "counter_not_found" });
  });

  it("commands without an actor (the system, older callers) are not checked", () => {
    act(state, { action: "open", counter: 1, by: clerkA }, T("08:30"));
    expect(act(state, { action: "call_next", counter: 1 }, T("08:31")).ok).toBe(true);
  });
});

describe("over HTTP, at a branch today", () => {
  let clerkA: TestStaff, clerkB: TestStaff, clerkOther: TestStaff, manager: TestStaff, reception: TestStaff;
  const citizens = [1, 2, 3, 4, 5].map((i) => secret(idNumber(700 + i)));
  const labels: string[] = [];

  async function as(who: TestStaff, method: string, path: string, json?: unknown): Promise<ApiResponse> {
    return api(method, `/api/v1/staff/branches/hn-cn01${path}`, { staff: await bearerFor(who), json });
  }
  const at = (who: TestStaff, n: number, action: string, json?: unknown) => as(who, "POST", `/counters/${n}/${action}`, json);

  beforeAll(async () => {
    await openService(hanoi(MONDAY, "09:00"));
    clerkA = await seedStaff({ username: "clerk.a", role: "clerk", branchIds: ["hn-cn01"] });
    clerkB = await seedStaff({ username: "clerk.b", role: "clerk", branchIds: ["hn-cn01"] });
    clerkOther = await seedStaff({ username: "clerk.cn02", role: "clerk", branchIds: ["hn-cn02"] });
    manager = await seedStaff({ username: "manager.cn01", role: "manager", branchIds: ["hn-cn01"] });
    reception = await seedStaff({ username: "reception.cn01", role: "reception", branchIds: ["hn-cn01"] });
    for (const c of citizens.slice(0, 3)) labels.push((await booked(c)).label);
  });
  afterAll(closeService);

  it("clerk A opens counter 1; clerk B can neither use, re-open, pause nor close it", async () => {
    expectOk(await at(clerkA, 1, "open"));
    for (const action of ["call-next", "open", "pause", "close", "recall", "complete"]) {
      expectProblem(await at(clerkB, 1, action), 403, "counter_opened_by_other");
    }
    expectProblem(await at(clerkOther, 1, "call-next"), 403, "forbidden");
  });

  it("the counter's owner survives the branch-day being evicted from memory", async () => {
    await evictDurableObject(branchDay(env, "hn-cn01", MONDAY));
    expectProblem(await at(clerkB, 1, "call-next"), 403, "counter_opened_by_other");
  });

  it("clerk A calls, transfers and marks a no-show at counter 1; clerk B cannot touch the called number", async () => {
    expect(expectOk(await at(clerkA, 1, "call-next")).ticket.label).toBe(labels[0]);
    expectProblem(await at(clerkB, 1, "transfer", { toFieldCode: "TUPHAP" }), 403, "counter_opened_by_other");
    expectProblem(await at(clerkB, 1, "no-show"), 403, "counter_opened_by_other");
    expectOk(await at(clerkA, 1, "transfer", { toFieldCode: "TUPHAP" }));
    expect(expectOk(await at(clerkA, 1, "call-next")).ticket.label).toBe(labels[1]);
    expectOk(await at(clerkA, 1, "no-show"));
  });

  it("a manager may act at clerk A's counter, e.g. to close it when A left it open", async () => {
    expect(expectOk(await at(manager, 1, "call-next")).ticket.label).toBe(labels[2]);
    expectOk(await at(manager, 1, "complete"));
    expectOk(await at(manager, 1, "close"));
    // Closed: now clerk B may open it, and it is B's.
    expectOk(await at(clerkB, 1, "open"));
    expectProblem(await at(clerkA, 1, "call-next"), 403, "counter_opened_by_other");
    expectOk(await at(clerkB, 1, "close"));
  });

  it("a clerk gets a live token for a counter's view only; reception for the reception view only", async () => {
    expect(expectOk(await as(clerkA, "POST", "/live-tokens", { audience: "counter", counter: 1 }), 201).url).toMatch(/^\/api\/v1\/live\/branches\/hn-cn01\/staff\?token=/);
    expectProblem(await as(clerkA, "POST", "/live-tokens", { audience: "reception" }), 403, "forbidden");
    expectOk(await as(reception, "POST", "/live-tokens", { audience: "reception" }), 201);
    expectProblem(await as(reception, "POST", "/live-tokens", { audience: "counter", counter: 1 }), 403, "forbidden");
  });

  it("reception issues a priority number only with the identity check named, and checks a booked number in", async () => {
    const elderly = citizens[3]!;
    const qr = cccdQr(elderly, { name: "Trần Văn Cao", dob: "01011945" });
    expectProblem(await as(reception, "POST", "/tickets", { cccdQr: qr, fieldCode: "DATDAI", priority: "elderly" }), 400, "invalid_request");
    const issuedTicket = expectOk(await as(reception, "POST", "/tickets", { cccdQr: qr, identityCheck: "chip_qr", fieldCode: "DATDAI", priority: "elderly" }), 201).ticket;
    expect(issuedTicket).toMatchObject({ priority: "elderly", verified: true });
    const later = await booked(citizens[4]!);
    expectProblem(await as(reception, "POST", "/check-in", { ticket: later.label, idNumber: citizens[0], identityCheck: "typed" }), 409, "identity_mismatch");
    expect(expectOk(await as(reception, "POST", "/check-in", { ticket: later.label, idNumber: citizens[4], identityCheck: "typed" })).ticket).toMatchObject({ label: later.label, verified: true });
  });

  describe("the audit log", () => {
    let rows: AuditRow[];

    beforeAll(async () => {
      rows = await auditRows({ branch_id: "hn-cn01" }, 14);
    });

    it("has a row per change, with who, which counter and which ticket", () => {
      const calls = rows.filter((r) => r.action === "counter.call_next");
      expect(calls.map((r) => [r.staff_id, r.role, r.counter_number])).toEqual([
        [clerkA.id, "clerk", 1],
        [clerkA.id, "clerk", 1],
        [manager.id, "manager", 1],
      ]);
      expect(calls.every((r) => /^hn-cn01:2026-11-23:\d+$/.test(r.ticket_id ?? ""))).toBe(true);
      const transfer = rows.find((r) => r.action === "counter.transfer")!;
      expect(transfer).toMatchObject({ staff_id: clerkA.id, counter_number: 1, ticket_id: calls[0]!.ticket_id });
      expect(JSON.parse(transfer.detail!)).toMatchObject({ toFieldCode: "TUPHAP", label: labels[0] });
      expect(rows.find((r) => r.action === "counter.no_show")).toMatchObject({ staff_id: clerkA.id, ticket_id: calls[1]!.ticket_id });
      expect(rows.filter((r) => r.action === "counter.open").map((r) => r.staff_id)).toEqual([clerkA.id, clerkB.id]);
      expect(rows.filter((r) => r.action === "counter.close").map((r) => r.staff_id)).toEqual([manager.id, clerkB.id]);
      // Refused commands changed nothing and are not in the log.
      expect(rows.some((r) => r.staff_id === clerkOther.id)).toBe(false);
      expect(rows.filter((r) => r.staff_id === clerkB.id).map((r) => r.action)).toEqual(["counter.open", "counter.close"]);
    });

    it("records who issued a priority number and how identity was checked, and who checked a citizen in", () => {
      const issue = rows.find((r) => r.action === "ticket.issue")!;
      expect(issue).toMatchObject({ staff_id: reception.id, role: "reception" });
      expect(JSON.parse(issue.detail!)).toMatchObject({ priority: "elderly", identityCheck: "chip_qr", channel: "reception", fieldCode: "DATDAI" });
      const checkIn = rows.find((r) => r.action === "ticket.check_in")!;
      expect(checkIn).toMatchObject({ staff_id: reception.id, role: "reception" });
      expect(JSON.parse(checkIn.detail!)).toMatchObject({ identityCheck: "typed" });
    });

    it("holds no ID number, masked ID, name or address anywhere", async () => {
      const everything = JSON.stringify((await env.DB.prepare("SELECT * FROM staff_audit_log").all()).results);
      for (const id of citizens) {
        expect(everything).not.toContain(id);
        expect(everything).not.toContain(`${id.slice(0, 3)}******${id.slice(-3)}`);
      }
      expect(everything).not.toContain("Trần Văn Cao");
      for (const r of rows) expect(r.detail ?? "").not.toMatch(/\d{9,}/);
    });

    it("a manager reads the branch's log newest first, a page at a time", async () => {
      const token = await bearerFor(manager);
      const first = expectOk(await api("GET", "/api/v1/staff/branches/hn-cn01/audit?limit=5", { staff: token }));
      expect(first.entries).toHaveLength(5);
      expect(first.entries.map((e: { id: number }) => e.id)).toEqual([...first.entries.map((e: { id: number }) => e.id)].sort((a, b) => b - a));
      expect(first.entries.every((e: { branchId: string }) => e.branchId === "hn-cn01")).toBe(true);
      const all: number[] = [];
      let next: number | null = null;
      do {
        const page = expectOk(await api("GET", `/api/v1/staff/branches/hn-cn01/audit?limit=4${next ? `&before=${next}` : ""}`, { staff: token }));
        all.push(...page.entries.map((e: { id: number }) => e.id));
        next = page.next;
      } while (next !== null);
      expect(all).toEqual(rows.map((r) => r.id).reverse());
      const mine = expectOk(await api("GET", `/api/v1/staff/branches/hn-cn01/audit?staffId=${clerkA.id}&action=counter.call_next`, { staff: token }));
      expect(mine.entries).toHaveLength(2);
      expectProblem(await api("GET", "/api/v1/staff/branches/hn-cn01/audit?limit=1000", { staff: token }), 400, "invalid_request");
    });
  });
});
