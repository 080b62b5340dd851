/**
 * Rotating CITIZEN_KEY_SECRET. Citizens are known by HMAC(secret, ID number), which cannot be
 * re-keyed without the ID number; so during a rotation the old secret stays in
 * CITIZEN_KEY_PREVIOUS_SECRETS and every identity also carries its keys under it. Numbers booked
 * before the rotation stay the citizen's (seen, cancelled, checked in) and keep counting toward
 * the daily limits; once the previous secret is removed, they are linked to nobody.
 *
 * "Before" runs the real Worker with the test configuration; "during" and "after" run the same
 * app with a modified env (the same D1 and Durable Objects).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { app } from "../../worker/app";
import { CITIZEN_COOKIE, citizenSessionToken } from "../../worker/auth/session";
import { citizenLedger } from "../../worker/booking";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { otpDevOutbox } from "../../worker/auth/otp-sms";
import { api, booked, closeService, expectOk, expectProblem, openService, secret, type ApiResponse } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";
import { adminBearer } from "../support/staff";

const TODAY = "2026-11-23";
const TOMORROW = "2026-11-24";
const POLICY = env.PRIVACY_POLICY_VERSION;
const OLD_SECRET = env.CITIZEN_KEY_SECRET;
const NEW_SECRET = "rotated-citizen-key-secret-fedcba9876543210";

/** During the rotation: the new secret current, the old one kept as previous. */
const rotating: Env = { ...env, CITIZEN_KEY_SECRET: NEW_SECRET, CITIZEN_KEY_PREVIOUS_SECRETS: OLD_SECRET } as Env;
/** After it: the previous secret removed. */
const rotated: Env = { ...env, CITIZEN_KEY_SECRET: NEW_SECRET };

beforeAll(() => openService(hanoi(TODAY, "09:00")));
afterAll(closeService);

let addresses = 0;

/** A call to the app under a given configuration (like `api()`, with the same safety checks). */
async function call(
  e: Env,
  method: string,
  path: string,
  opts: { cookie?: string; headers?: Record<string, string>; json?: unknown; staff?: boolean } = {},
): Promise<ApiResponse> {
  const headers = new Headers(opts.headers);
  headers.set("cf-connecting-ip", `198.19.${(++addresses >> 8) & 255}.${addresses & 255}`);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  if (opts.staff) headers.set("authorization", `Bearer ${await adminBearer()}`);
  if (opts.json !== undefined) headers.set("content-type", "application/json");
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://sothutu.test${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) }), e, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  expect(res.status, `${method} ${path} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text).not.toMatch(/0010900\d{5}/);
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}

/** A session minted under configuration `e`, as sign-in mints it there. */
async function signedIn(e: Env, id: string): Promise<string> {
  return `${CITIZEN_COOKIE}=${await citizenSessionToken(e, await citizenIdentity(e, secret(id)), "otp", POLICY)}`;
}

function bookAs(e: Env, cookie: string, fieldCode: string, serviceDate = TOMORROW, branchId = "hn-cn01") {
  return call(e, "POST", "/api/v1/tickets", { cookie, json: { branchId, fieldCode, serviceDate } });
}

/** Codes the dev outbox holds for a phone (masked there: matched by its last 3 digits). */
function codesFor(phone: string): string[] {
  return otpDevOutbox
    .list()
    .filter((m) => m.to.endsWith(phone.slice(-3)))
    .map((m) => m.code);
}

/** Signs in with ID number, phone and the code from the dev outbox, under configuration `e`. */
async function otpSignIn(e: Env, id: string, phone: string): Promise<string> {
  expect((await call(e, "POST", "/api/v1/auth/otp/request", { json: { idNumber: secret(id), phone: secret(phone) } })).status).toBe(202);
  const verified = await call(e, "POST", "/api/v1/auth/otp/verify", { json: { idNumber: id, code: codesFor(phone).at(-1), consent: POLICY } });
  expectOk(verified);
  return /__Host-sothutu_citizen=[^;]+/.exec(verified.headers.get("set-cookie") ?? "")![0];
}

async function ticketIdsOf(e: Env, cookie: string): Promise<string[]> {
  return (expectOk(await call(e, "GET", "/api/v1/tickets", { cookie })).tickets as Array<{ id: string }>).map((t) => t.id);
}

describe("the daily limits hold across the rotation", () => {
  it("2 numbers for tomorrow booked before it: no 3rd after it; both still listed; the previous ledger takes nothing new", async () => {
    const id = idNumber(8101);
    const a = await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });
    const b = await booked(id, { serviceDate: TOMORROW, fieldCode: "TUPHAP" });

    const cookie = await signedIn(rotating, id);
    expectProblem(await bookAs(rotating, cookie, "XAYDUNG"), 409, "citizen_daily_limit");
    expectProblem(await bookAs(rotating, cookie, "NOIVU", TOMORROW, "hn-cn02"), 409, "citizen_daily_limit");
    expect(await ticketIdsOf(rotating, cookie)).toEqual([a.id, b.id]);

    // Another day is free, and its slot is taken in the new ledger, not the previous one.
    const today = expectOk(await bookAs(rotating, cookie, "XAYDUNG", TODAY), 201).ticket;
    const identity = await citizenIdentity(rotating, id);
    expect(identity.previousKeys).toEqual([(await citizenIdentity(env, id)).key]);
    expect(await citizenLedger(env, identity.key).activeCount(TODAY)).toBe(1);
    expect(await citizenLedger(env, identity.previousKeys[0]!).activeCount(TODAY)).toBe(0);
    expect(await citizenLedger(env, identity.previousKeys[0]!).activeCount(TOMORROW)).toBe(2);
    expect(await ticketIdsOf(rotating, cookie)).toEqual([today.id, a.id, b.id]);
  });

  it("1 number per field: a field booked before the rotation stays taken after it; another field is free", async () => {
    const id = idNumber(8102);
    await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });
    const cookie = await signedIn(rotating, id);
    expectProblem(await bookAs(rotating, cookie, "DATDAI", TOMORROW, "hn-cn02"), 409, "citizen_field_limit");
    expectOk(await bookAs(rotating, cookie, "TUPHAP"), 201);
    expectProblem(await bookAs(rotating, cookie, "XAYDUNG"), 409, "citizen_daily_limit");
  });
});

describe("numbers booked before the rotation stay the citizen's", () => {
  it("seen and cancelled after it (the slot freed in the previous ledger), then booked again", async () => {
    const id = idNumber(8103);
    const old = await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });
    await booked(id, { serviceDate: TOMORROW, fieldCode: "TUPHAP" });
    const cookie = await signedIn(rotating, id);
    const previousKey = (await citizenIdentity(env, id)).key;

    expect(expectOk(await call(rotating, "GET", `/api/v1/tickets/${old.id}`, { cookie })).ticket).toMatchObject({ id: old.id, status: "waiting" });
    expectProblem(await bookAs(rotating, cookie, "XAYDUNG"), 409, "citizen_daily_limit");
    expect(expectOk(await call(rotating, "POST", `/api/v1/tickets/${old.id}/cancel`, { cookie })).ticket).toMatchObject({ id: old.id, status: "cancelled" });
    expect(await citizenLedger(env, previousKey).activeCount(TOMORROW)).toBe(1);

    expectOk(await bookAs(rotating, cookie, "DATDAI"), 201);
    expectProblem(await bookAs(rotating, cookie, "XAYDUNG"), 409, "citizen_daily_limit");
    // Someone else still cannot see or cancel it.
    const other = await signedIn(rotating, idNumber(8199));
    expectProblem(await call(rotating, "GET", `/api/v1/tickets/${old.id}`, { cookie: other }), 404, "ticket_not_found");
  });

  it("reception checks in a number booked before the rotation with the typed ID number", async () => {
    const id = idNumber(8104);
    const old = await booked(id, { fieldCode: "DATDAI" });
    // The wrong person is still refused.
    secret(idNumber(8198));
    const wrong = await call(rotating, "POST", "/api/v1/staff/branches/hn-cn01/check-in", { staff: true, json: { ticket: old.label, idNumber: idNumber(8198), identityCheck: "typed" } });
    expectProblem(wrong, 409, "identity_mismatch");
    const res = await call(rotating, "POST", "/api/v1/staff/branches/hn-cn01/check-in", { staff: true, json: { ticket: old.label, idNumber: id, identityCheck: "typed" } });
    expect(expectOk(res).ticket).toMatchObject({ id: old.id, verified: true, arrivedAt: expect.any(Number) });
  });

  it("every sign-in path carries the previous keys: OTP and a city platform's token see the old number", async () => {
    const id = idNumber(8105);
    const old = await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });

    const cookie = await otpSignIn(rotating, id, "0912888105");
    expect(await ticketIdsOf(rotating, cookie)).toEqual([old.id]);

    const platform = await asPlatform(id);
    expect((expectOk(await call(rotating, "GET", "/api/v1/tickets", platform)).tickets as Array<{ id: string }>).map((t) => t.id)).toEqual([old.id]);
    expectProblem(await call(rotating, "POST", "/api/v1/tickets", { ...platform, json: { branchId: "hn-cn02", fieldCode: "DATDAI", serviceDate: TOMORROW } }), 409, "citizen_field_limit");
  });

  it("the phone proven before the rotation stays the only one that receives sign-in codes", async () => {
    const id = idNumber(8112);
    const phone = "0912888112";
    const stranger = "0912888113";
    await otpSignIn(env, id, phone);
    testClock.advance(61_000);
    // Someone who knows the ID number cannot bind their own phone under the new key…
    expect((await call(rotating, "POST", "/api/v1/auth/otp/request", { json: { idNumber: id, phone: secret(stranger) } })).status).toBe(202);
    expect(codesFor(stranger)).toEqual([]);
    testClock.advance(61_000);
    // …while the citizen's own phone signs in as before.
    expect(await otpSignIn(rotating, id, phone)).toMatch(/^__Host-sothutu_citizen=/);
  });

  it("/api/v1/me shows them, and deletion covers them", async () => {
    const id = idNumber(8106);
    const old = await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });
    const cookie = await signedIn(rotating, id);
    const held = expectOk(await call(rotating, "GET", "/api/v1/me", { cookie }));
    expect(held.tickets.map((t: { ticketId: string }) => t.ticketId)).toEqual([old.id]);
    const erased = expectOk(await call(rotating, "DELETE", "/api/v1/me", { cookie }));
    expect(erased).toMatchObject({ deleted: true, keptTickets: [old.id], keptThrough: TOMORROW });
  });

  it("a consent withdrawn before the rotation is not undone by a city platform's token after it", async () => {
    const id = idNumber(8107);
    const before = await asPlatform(id);
    expectOk(await api("DELETE", "/api/v1/me/consent", before));
    expectProblem(await call(rotating, "POST", "/api/v1/tickets", { ...(await asPlatform(id)), json: { branchId: "hn-cn01", fieldCode: "DATDAI" } }), 403, "consent_required");
    // The control: a platform citizen who did not withdraw books during the rotation.
    expectOk(await call(rotating, "POST", "/api/v1/tickets", { ...(await asPlatform(idNumber(8108))), json: { branchId: "hn-cn01", fieldCode: "DATDAI" } }), 201);
  });
});

describe("sessions and the end of the rotation", () => {
  it("a session from another key configuration is refused (sign in again): it would name the citizen by the wrong keys", async () => {
    const id = idNumber(8109);
    const beforeRotation = await signedIn(env, id);
    expectOk(await call(env, "GET", "/api/v1/tickets", { cookie: beforeRotation }));
    expectProblem(await call(rotating, "POST", "/api/v1/tickets", { cookie: beforeRotation, json: { branchId: "hn-cn01", fieldCode: "DATDAI" } }), 401, "unauthorized");
    const during = await signedIn(rotating, id);
    expectOk(await call(rotating, "GET", "/api/v1/tickets", { cookie: during }));
    expectProblem(await call(rotated, "GET", "/api/v1/tickets", { cookie: during }), 401, "unauthorized");
  });

  it("once the previous secret is removed, a number booked before the rotation is linked to nobody", async () => {
    const id = idNumber(8110);
    const old = await booked(id, { serviceDate: TOMORROW, fieldCode: "DATDAI" });
    expect(await ticketIdsOf(rotating, await signedIn(rotating, id))).toEqual([old.id]);

    const cookie = await signedIn(rotated, id);
    expect((await citizenIdentity(rotated, id)).previousKeys).toEqual([]);
    expect(await ticketIdsOf(rotated, cookie)).toEqual([]);
    expectProblem(await call(rotated, "GET", `/api/v1/tickets/${old.id}`, { cookie }), 404, "ticket_not_found");
    expect(expectOk(await call(rotated, "GET", "/api/v1/me", { cookie })).tickets).toEqual([]);
  });

  it("a misconfigured previous secret fails loudly instead of orphaning tickets", async () => {
    await expect(citizenIdentity({ CITIZEN_KEY_SECRET: NEW_SECRET, CITIZEN_KEY_PREVIOUS_SECRETS: "short" }, idNumber(8111))).rejects.toThrow(/shorter than 16/);
    // Blank entries and a repeat of the current secret are ignored.
    const identity = await citizenIdentity({ CITIZEN_KEY_SECRET: NEW_SECRET, CITIZEN_KEY_PREVIOUS_SECRETS: ` ${OLD_SECRET}, ,${NEW_SECRET}` }, idNumber(8111));
    expect(identity.previousKeys).toEqual([(await citizenIdentity(env, idNumber(8111))).key]);
  });
});
