/**
 * A citizen's personal-data rights over HTTP (Law 91/2025): see what is held, give and withdraw
 * consent, ask for deletion. Each scenario runs on its own working days (storage is shared by
 * the file and the clock only moves forward).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { CITIZEN_COOKIE } from "../../worker/auth/session";
import { branchDay, citizenLedger } from "../../worker/booking";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { api, bookOnline, booked, closeService, counter, expectOk, expectProblem, openService, secret, ticketPath } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";

const POLICY = env.PRIVACY_POLICY_VERSION;

beforeAll(() => openService(hanoi("2026-11-23", "08:30")));
afterAll(closeService);

async function keyOf(id: string): Promise<string> {
  return (await citizenIdentity(env, id)).key;
}

/** Runs the branch-day's due timers (history flush, end of day) at `hhmm` on `date`. */
async function runDay(branchId: string, date: string, hhmm: string): Promise<void> {
  testClock.set(hanoi(date, hhmm));
  await runDurableObjectAlarm(branchDay(env, branchId, date));
}

async function historyOf(key: string) {
  return (await env.DB.prepare("SELECT id, citizen_key, status FROM ticket_history WHERE citizen_key = ? ORDER BY id").bind(key).all<{ id: string; citizen_key: string; status: string }>()).results;
}

async function historyRows(ids: string[]) {
  const rows = await Promise.all(ids.map((id) => env.DB.prepare("SELECT id, citizen_key, status FROM ticket_history WHERE id = ?").bind(id).first<{ id: string; citizen_key: string; status: string }>()));
  return rows.map((r) => r!);
}

/** Every row of every table of a citizen's ledger object. */
async function ledgerRows(key: string): Promise<Record<string, unknown[]>> {
  return runInDurableObject(citizenLedger(env, key), (_o, state) => {
    const sql = state.storage.sql;
    const out: Record<string, unknown[]> = {};
    for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()) {
      out[name] = sql.exec(`SELECT * FROM "${name}"`).toArray();
    }
    return out;
  });
}

describe("GET /api/v1/me: what is held about me", () => {
  const me = idNumber(5001);

  it("without a session: 401", async () => {
    expectProblem(await api("GET", "/api/v1/me"), 401, "unauthorized");
  });

  it("shows the masked ID, the session's consent, today's and upcoming numbers, no phone, the history count; never the ID number", async () => {
    testClock.set(hanoi("2026-11-23", "09:00"));
    expectOk(await api("POST", "/api/v1/me/consent", { citizen: me, json: { policyVersion: POLICY } }));
    const today = await booked(me, { fieldCode: "DATDAI" });
    const friday = await booked(me, { fieldCode: "TUPHAP", serviceDate: "2026-11-27" });
    await runDay("hn-cn01", "2026-11-23", "09:01"); // the history flush

    const held = expectOk(await api("GET", "/api/v1/me", { citizen: me }));
    expect(held.citizen).toEqual({ masked: "001******001" });
    expect(held.session).toMatchObject({ via: "otp", policyVersion: POLICY });
    expect(held.consents).toMatchObject({ currentPolicyVersion: POLICY, current: true, records: [{ policyVersion: POLICY, withdrawnAt: null }] });
    expect(held.tickets.map((t: { ticketId: string }) => t.ticketId)).toEqual([today.id, friday.id]);
    expect(held.tickets[0]).toMatchObject({ branchId: "hn-cn01", serviceDate: "2026-11-23", fieldCode: "DATDAI", status: "confirmed", ticket: { label: today.label, status: "waiting" } });
    expect(held.phone).toEqual({ held: false });
    expect(held.history).toMatchObject({ tickets: 1, retentionDays: 365 });
    expect(typeof held.history.firstSeenAt).toBe("number");
    // api() already fails on any raw ID number in a body; the key (keyed hash) is not shown either.
    expect(JSON.stringify(held)).not.toContain(await keyOf(me));
  });
});

describe("consent: give, withdraw, give again", () => {
  const me = idNumber(5101);

  it("a version that is not the current one is refused", async () => {
    testClock.set(hanoi("2026-11-24", "09:00"));
    const p = expectProblem(await api("POST", "/api/v1/me/consent", { citizen: me, json: { policyVersion: "2019-01" } }), 400, "invalid_request");
    expect(p.policyVersion).toBe(POLICY);
    expectProblem(await api("POST", "/api/v1/me/consent", { citizen: me, json: {} }), 400, "invalid_request");
  });

  it("withdrawing (even with no record made at sign-in) stops online booking with 403 consent_required", async () => {
    const res = expectOk(await api("DELETE", "/api/v1/me/consent", { citizen: me }));
    expect(res.withdrawn).toBe(1);
    expect(res.consents).toEqual([{ policyVersion: POLICY, givenAt: expect.any(Number), withdrawnAt: expect.any(Number) }]);
    const refused = expectProblem(await bookOnline(me, { fieldCode: "DATDAI" }), 403, "consent_required");
    expect(refused.policyVersion).toBe(POLICY);
    expect(refused.detail).toMatch(/rút lại/);
    // Seeing one's own data still works; a withdrawal twice is not an error.
    expect(expectOk(await api("GET", "/api/v1/me", { citizen: me })).consents.current).toBe(false);
    expect(expectOk(await api("DELETE", "/api/v1/me/consent", { citizen: me })).withdrawn).toBe(0);
  });

  it("consenting again re-opens booking and refreshes the session cookie with the consent", async () => {
    const res = await api("POST", "/api/v1/me/consent", { citizen: me, json: { policyVersion: POLICY } });
    const body = expectOk(res);
    expect(body.consents).toEqual([{ policyVersion: POLICY, givenAt: expect.any(Number), withdrawnAt: null }]);
    expect(res.headers.get("set-cookie") ?? "").toContain(`${CITIZEN_COOKIE}=`);
    await booked(me, { fieldCode: "DATDAI" });
  });

  it("a withdrawal holds against a city platform that asserts consent on every call", async () => {
    const viaApp = idNumber(5103);
    expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(viaApp)), json: { branchId: "hn-cn01", fieldCode: "DATDAI" } }), 201);
    expectOk(await api("DELETE", "/api/v1/me/consent", await asPlatform(viaApp)));
    expectProblem(await api("POST", "/api/v1/tickets", { ...(await asPlatform(viaApp)), json: { branchId: "hn-cn01", fieldCode: "TUPHAP" } }), 403, "consent_required");
    expect(expectOk(await api("GET", "/api/v1/me", await asPlatform(viaApp))).consents.current).toBe(false);
    expectOk(await api("POST", "/api/v1/me/consent", { ...(await asPlatform(viaApp)), json: { policyVersion: POLICY } }));
    expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(viaApp)), json: { branchId: "hn-cn01", fieldCode: "TUPHAP" } }), 201);
  });

  it("staff can still issue this citizen a walk-in number after a withdrawal (reception serves people in person)", async () => {
    const other = idNumber(5102);
    expectOk(await api("DELETE", "/api/v1/me/consent", { citizen: other }));
    expectProblem(await bookOnline(other, { fieldCode: "TUPHAP" }), 403, "consent_required");
    expectOk(await api("POST", "/api/v1/staff/branches/hn-cn01/tickets", { staff: true, json: { idNumber: secret(other), identityCheck: "typed", fieldCode: "TUPHAP" } }), 201);
  });
});

describe("DELETE /api/v1/me: deletion", () => {
  const me = idNumber(5201);
  const MON = "2026-11-30";
  const TUE = "2026-12-01";
  const WED = "2026-12-02";
  let key: string;
  let mondayIds: string[] = [];
  let kept: string[] = [];
  let countsBefore: unknown;

  async function statusCounts() {
    return (await env.DB.prepare("SELECT service_date, field_code, status, COUNT(*) AS n FROM ticket_history WHERE service_date BETWEEN ? AND ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").bind(MON, WED).all()).results;
  }

  it("a citizen with a served and a cancelled number on Monday, two numbers on Tuesday and one on Wednesday", async () => {
    key = await keyOf(me);
    testClock.set(hanoi(MON, "09:00"));
    expectOk(await api("POST", "/api/v1/me/consent", { citizen: me, json: { policyVersion: POLICY } }));
    const served = await booked(me, { fieldCode: "DATDAI" });
    const cancelled = await booked(me, { fieldCode: "TUPHAP" });
    expectOk(await api("POST", ticketPath(cancelled.id, "/cancel"), { citizen: me }));
    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.id).toBe(served.id);
    expectOk(await counter("hn-cn01", 1, "start"));
    expectOk(await counter("hn-cn01", 1, "complete"));
    await runDay("hn-cn01", MON, "17:05"); // end of day and history flush
    mondayIds = [served.id, cancelled.id];

    testClock.set(hanoi(TUE, "09:00"));
    kept = [(await booked(me, { fieldCode: "DATDAI" })).id, (await booked(me, { fieldCode: "TUPHAP" })).id, (await booked(me, { fieldCode: "XAYDUNG", serviceDate: WED })).id];
    await runDay("hn-cn01", TUE, "09:01");
    await runDay("hn-cn01", WED, "09:01");
    testClock.set(hanoi(TUE, "09:05"));
    expect((await historyOf(key)).map((r) => r.id).sort()).toEqual([...mondayIds, ...kept].sort());
    countsBefore = await statusCounts();
  });

  it("unlinks the history (one random token per row, counts unchanged), deletes the citizen row and consents, keeps the live numbers, signs out", async () => {
    const res = await api("DELETE", "/api/v1/me", { citizen: me });
    const body = expectOk(res);
    expect(body).toMatchObject({ deleted: true, historyRowsUnlinked: 5, keptThrough: WED });
    expect([...body.keptTickets].sort()).toEqual([...kept].sort());
    expect(res.headers.get("set-cookie") ?? "").toMatch(new RegExp(`${CITIZEN_COOKIE.replace(/[$]/g, "\\$&")}=;.*Max-Age=0`, "i"));

    expect(await historyOf(key)).toEqual([]);
    const rows = await historyRows([...mondayIds, ...kept]);
    const tokens = rows.map((r) => r.citizen_key);
    for (const t of tokens) expect(t).toMatch(/^anon:[0-9a-f]{32}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(await statusCounts()).toEqual(countsBefore);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM citizens WHERE key = ?").bind(key).first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM citizen_consents WHERE citizen_key = ?").bind(key).first("n")).toBe(0);

    // The ledger forgot Monday; it keeps exactly the three live slots (and the erasure to finish).
    const ledger = await ledgerRows(key);
    expect((ledger.reservations as Array<{ ticket_id: string }>).map((r) => r.ticket_id).sort()).toEqual([...kept].sort());
    expect(ledger.erasure).toEqual([{ slot: 1, citizen_key: key, through: WED }]);

    // The numbers themselves are untouched: still waiting, still the citizen's.
    const mine = expectOk(await api("GET", "/api/v1/tickets", { citizen: me })).tickets;
    expect(mine.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual(kept.map((id) => [id, "waiting"]));
  });

  it("deleting does not reset the daily limit: a third number on Tuesday is still refused", async () => {
    expectProblem(await bookOnline(me, { fieldCode: "KINHDOANH" }), 409, "citizen_daily_limit");
  });

  it("the kept numbers' later history is unlinked again the morning after the last kept day", async () => {
    // Tuesday's land number is served after the request: the branch-day writes history naming the citizen again.
    testClock.set(hanoi(TUE, "10:00"));
    expectOk(await counter("hn-cn01", 1, "open"));
    expect(expectOk(await counter("hn-cn01", 1, "call-next")).ticket.id).toBe(kept[0]);
    expectOk(await counter("hn-cn01", 1, "start"));
    expectOk(await counter("hn-cn01", 1, "complete"));
    await runDay("hn-cn01", TUE, "17:05");
    await runDay("hn-cn01", WED, "17:05");
    expect((await historyOf(key)).length).toBeGreaterThan(0);

    testClock.set(hanoi("2026-12-03", "03:05"));
    expect(await runDurableObjectAlarm(citizenLedger(env, key))).toBe(true);
    expect(await historyOf(key)).toEqual([]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM citizens WHERE key = ?").bind(key).first("n")).toBe(0);
    const ledger = await ledgerRows(key);
    expect(ledger.reservations).toEqual([]);
    expect(ledger.erasure).toEqual([]);
    const served = await historyRows([kept[0]!]);
    expect(served[0]).toMatchObject({ status: "served", citizen_key: expect.stringMatching(/^anon:/) });
  });

  it("a second deletion request is harmless", async () => {
    expectOk(await api("DELETE", "/api/v1/me", { citizen: me }));
    expect(await historyOf(key)).toEqual([]);
  });
});

describe("deletion also forgets the phone held for sign-in codes", () => {
  const me = idNumber(5301);
  const phone = secret("0912 345 301");

  it("OTP sign-in stores the phone (encrypted); GET /me says a phone is held; after deletion none is", async () => {
    testClock.set(hanoi("2026-12-07", "09:00"));
    secret("+84912345301");
    secret("912345301");
    const ip = { "cf-connecting-ip": "192.0.2.201" };
    expect((await api("POST", "/api/v1/auth/otp/request", { json: { idNumber: me, phone }, headers: ip })).status).toBe(202);
    const outbox = expectOk(await api("GET", "/api/v1/auth/otp/dev/outbox"));
    const code = (outbox.otp as Array<{ to: string; code: string }>).find((m) => m.to.endsWith("301"))!.code;
    const verified = expectOk(await api("POST", "/api/v1/auth/otp/verify", { json: { idNumber: me, code, consent: POLICY }, headers: ip }));
    expect(verified.via).toBe("otp");

    expect(expectOk(await api("GET", "/api/v1/me", { citizen: me })).phone).toEqual({ held: true });
    expectOk(await api("DELETE", "/api/v1/me", { citizen: me }));
    expect(expectOk(await api("GET", "/api/v1/me", { citizen: me })).phone).toEqual({ held: false });
  });
});
