/**
 * Idempotency keys on state-changing calls (worker/http/idempotency.ts): a clerk's tablet that
 * retries "call next" after a lost answer must not call a second citizen; a key reused for
 * another request is refused; booking keeps its own keys in the citizen ledger.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { runRetention } from "../../worker/privacy/retention";
import { api, booked, bookOnline, closeService, counter, expectOk, expectProblem, openService } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { bearerFor, seedStaff } from "../support/staff";

const BRANCH = "hn-cn01";

async function waiting(): Promise<number> {
  const overview = expectOk(await api("GET", `/api/v1/staff/branches/${BRANCH}/today`, { staff: true }));
  return overview.fields.find((f: { code: string }) => f.code === "DATDAI").waiting;
}

async function records(): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM idempotency_records").first<{ n: number }>())!.n;
}

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  for (let i = 1; i <= 4; i++) await booked(idNumber(700 + i));
  expectOk(await counter(BRANCH, 1, "open", { fieldCodes: ["DATDAI"] }));
});
afterAll(closeService);

describe("a retried counter command", () => {
  it("replays the first answer instead of calling a second citizen", async () => {
    const before = await waiting();
    const call = () => api("POST", `/api/v1/staff/branches/${BRANCH}/counters/1/call-next`, { staff: true, idempotencyKey: "tablet-1-call-0001", json: {} });
    const first = await call();
    const body = expectOk(first);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const retry = await call();
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(body);
    expect(await waiting()).toBe(before - 1);
  });

  it("refuses the same key for a different request with idempotency_key_reused", async () => {
    const res = await api("POST", `/api/v1/staff/branches/${BRANCH}/counters/1/recall`, { staff: true, idempotencyKey: "tablet-1-call-0001", json: {} });
    expectProblem(res, 422, "idempotency_key_reused");
  });

  it("keeps keys per caller: another account's same key is its own request", async () => {
    const manager = await seedStaff({ username: "idem.manager", role: "manager", branchIds: [BRANCH] });
    const token = await bearerFor(manager);
    const res = await api("POST", `/api/v1/staff/branches/${BRANCH}/counters/2/open`, { staff: token, idempotencyKey: "tablet-1-call-0001", json: {} });
    expectOk(res);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("does not store a refusal: the retry runs again", async () => {
    const key = "tablet-3-call";
    const refused = await api("POST", `/api/v1/staff/branches/${BRANCH}/counters/3/call-next`, { staff: true, idempotencyKey: key, json: {} });
    expectProblem(refused, 409, "counter_not_open");
    const again = await api("POST", `/api/v1/staff/branches/${BRANCH}/counters/3/call-next`, { staff: true, idempotencyKey: key, json: {} });
    expectProblem(again, 409, "counter_not_open");
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });

  it("lets at most one of two simultaneous duplicates run; the other waits its turn or gets the replay", async () => {
    expectOk(await counter(BRANCH, 1, "complete"));
    const before = await waiting();
    const call = () => api("POST", `/api/v1/staff/branches/${BRANCH}/counters/1/call-next`, { staff: true, idempotencyKey: "tablet-1-call-0002", json: {} });
    const answers = await Promise.all([call(), call(), call()]);
    const ran = answers.filter((a) => a.status === 200 && a.headers.get("idempotent-replayed") === null);
    expect(ran.length).toBe(1);
    for (const a of answers) {
      if (a.status !== 200) expectProblem(a, 409, "idempotency_in_progress");
      else expect(a.body.ticket.id).toBe(ran[0]!.body.ticket.id);
    }
    expect(await waiting()).toBe(before - 1);
  });

  it("refuses a malformed key", async () => {
    const res = await api("POST", `/api/v1/staff/branches/${BRANCH}/counters/1/recall`, { staff: true, idempotencyKey: "bad key with spaces", json: {} });
    expectProblem(res, 400, "invalid_request");
  });

  it("leaves reads alone: a GET with a key is an ordinary GET", async () => {
    const before = await records();
    const res = await api("GET", `/api/v1/branches/${BRANCH}`, { idempotencyKey: "read-1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(await records()).toBe(before);
  });
});

describe("booking keeps its own keys (citizen ledger), not doubled by the middleware", () => {
  it("replays a booking as 200 replay:true from the ledger, and stores nothing in idempotency_records", async () => {
    const before = await records();
    const citizen = idNumber(799);
    const first = expectOk(await bookOnline(citizen, { idempotencyKey: "book-799" }), 201);
    const retry = await bookOnline(citizen, { idempotencyKey: "book-799" });
    expect(expectOk(retry, 200)).toMatchObject({ replay: true, ticket: { id: first.ticket.id } });
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await records()).toBe(before);
  });
});

describe("24 hours", () => {
  it("forgets stored answers after a day: the retention run deletes them and the key runs again", async () => {
    expect(await records()).toBeGreaterThan(0);
    const start = hanoi(MONDAY, "09:30");
    testClock.set(start + 25 * 3600_000);
    try {
      const report = await runRetention(env);
      expect(report?.idempotencyRecordsDeleted).toBeGreaterThan(0);
      expect(await records()).toBe(0);
    } finally {
      testClock.set(hanoi(MONDAY, "09:30"));
    }
  });
});
