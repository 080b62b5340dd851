/**
 * Sign-in with ID number + phone + one-time code, through the real Worker, the citizen's ledger
 * object and D1 (workerd): the whole flow through the dev outbox, expiry, brute force lockout,
 * resend cooldown and the 24-hour cap, what the ledger stores (hashes and ciphertext only), the
 * SMS gateway request, and the phone's retention.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CitizenOtp } from "../../durable/citizen-otp";
import { testClock } from "../../shared/clock";
import { app } from "../../worker/app";
import { otpDevOutbox } from "../../worker/auth/otp-sms";
import { CITIZEN_COOKIE } from "../../worker/auth/session";
import { citizenLedger } from "../../worker/booking";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { bodyText, capturingFetch } from "../notify/support";
import { hanoi, idNumber } from "../support/plans";
import { seedDemoCenter } from "../support/world";

const DAY = "2026-11-23";
const ORIGIN = "http://sothutu.test";
const POLICY = env.PRIVACY_POLICY_VERSION;

beforeAll(async () => {
  await seedDemoCenter();
});
beforeEach(() => {
  // Inside the booking window; every test starts from the same instant.
  testClock.set(hanoi(DAY, "09:00"));
});
afterAll(() => testClock.release());

// Each test gets its own client IP, so the per-IP limit (10 a minute) only bites where tested.
let ipCounter = 0;
function freshIp(): string {
  ipCounter += 1;
  return `198.51.100.${ipCounter}`;
}

/** Raw ID numbers, phones and codes seen in a test: no response body may carry them. */
const secrets = new Set<string>();

/** `digits` in `text`, not as part of a longer run of digits (a timestamp may contain any 6 digits). */
function containsDigits(text: string, digits: string): boolean {
  return new RegExp(`(?<![0-9])${digits.replace(/[^0-9]/g, (ch) => `\\${ch}`)}(?![0-9])`).test(text);
}

interface Res {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

async function call(method: string, path: string, opts: { json?: unknown; ip?: string; cookie?: string } = {}): Promise<Res> {
  const headers = new Headers();
  if (opts.json !== undefined) headers.set("content-type", "application/json");
  if (opts.ip) headers.set("cf-connecting-ip", opts.ip);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  const res = await SELF.fetch(`${ORIGIN}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
  const text = await res.text();
  // The dev outbox exists to show codes; everything else must never carry one.
  if (!path.includes("/dev/outbox")) {
    for (const s of secrets) expect(containsDigits(text, s), `${method} ${path} returned a secret (${s.slice(0, 3)}…)`).toBe(false);
  }
  if (res.status >= 400) expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

/** A citizen with a phone: `"0912 345 6xx"` spellings, all distinct per n. */
function person(n: number) {
  const id = idNumber(7000 + n);
  const national = `912345${String(n).padStart(3, "0")}`;
  secrets.add(id);
  secrets.add(national);
  secrets.add(`+84${national}`);
  return { id, typedPhone: `0${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`, e164: `+84${national}`, national, ip: freshIp() };
}

type Person = ReturnType<typeof person>;

function requestCode(p: Person, phone = p.typedPhone, ip = p.ip) {
  return call("POST", "/api/v1/auth/otp/request", { json: { idNumber: p.id, phone }, ip });
}

function verify(p: Person, code: string, consent = POLICY) {
  return call("POST", "/api/v1/auth/otp/verify", { json: { idNumber: p.id, code, consent }, ip: p.ip });
}

/** The newest code the dev outbox holds for this person's phone (read as a developer would). */
async function codeFromOutbox(p: Person): Promise<string> {
  const res = await call("GET", "/api/v1/auth/otp/dev/outbox");
  expect(res.status).toBe(200);
  const masked = `${p.e164.slice(0, 6)}***${p.e164.slice(-3)}`;
  const mine = (res.body.otp as Array<{ to: string; text: string; code: string }>).filter((m) => m.to === masked);
  expect(mine.length, "an SMS in the dev outbox").toBeGreaterThan(0);
  const newest = mine[0]!;
  expect(newest.text).toBe(`Mã xác thực sothutu của bạn là ${newest.code}. Mã có hiệu lực 5 phút. Không chia sẻ mã này.`);
  // Codes never come back from the API except here: from now on, nowhere else.
  return newest.code;
}

function outboxCountFor(p: Person): number {
  const masked = `${p.e164.slice(0, 6)}***${p.e164.slice(-3)}`;
  return otpDevOutbox.list().filter((m) => m.to === masked).length;
}

function wrong(code: string, k = 1): string {
  return String((Number(code) + k) % 1_000_000).padStart(6, "0");
}

function sessionCookieOf(res: Res): string {
  const setCookie = res.headers.get("set-cookie") ?? "";
  const m = new RegExp(`${CITIZEN_COOKIE.replace(/[$]/g, "\\$&")}=([^;]+)`).exec(setCookie);
  expect(m, "session cookie set").not.toBeNull();
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/Secure/i);
  expect(setCookie).toMatch(/SameSite=Lax/i);
  return `${CITIZEN_COOKIE}=${m![1]}`;
}

async function ledgerOf(p: Person) {
  const identity = await citizenIdentity(env, p.id);
  return citizenLedger(env, identity.key);
}

/** Every value in every table of the citizen's ledger, as text (blobs as latin-1). */
async function ledgerDump(p: Person): Promise<string> {
  return runInDurableObject(await ledgerOf(p), (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
    const out: string[] = [];
    for (const { name } of tables) {
      for (const row of sql.exec(`SELECT * FROM "${name}"`).toArray()) {
        for (const v of Object.values(row)) {
          if (v instanceof ArrayBuffer) out.push(String.fromCharCode(...new Uint8Array(v)));
          else out.push(String(v));
        }
      }
    }
    return out.join("\n");
  });
}

describe("sign-in with ID number, phone and a one-time code", () => {
  it("request → code from the dev outbox → verify → session cookie → booking works with it", async () => {
    const p = person(1);
    const requested = await requestCode(p);
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ accepted: true, expiresInSeconds: 300, resendAfterSeconds: 60 });
    const code = await codeFromOutbox(p);
    secrets.add(code);
    expect(code).toMatch(/^\d{6}$/);

    const verified = await verify(p, code);
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toEqual({ citizen: { masked: "001******001" }, via: "otp", policyVersion: POLICY });
    const cookie = sessionCookieOf(verified);

    const booking = await call("POST", "/api/v1/tickets", { json: { branchId: "hn-cn01", fieldCode: "DATDAI" }, cookie });
    expect(booking.status, booking.text).toBe(201);
    expect(booking.body.ticket.label).toMatch(/^A\d{3}$/);
    const mine = await call("GET", "/api/v1/tickets", { cookie });
    expect(mine.body.tickets.map((t: { id: string }) => t.id)).toEqual([booking.body.ticket.id]);

    // The code was burned by the successful verification.
    const again = await verify(p, code);
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 401, code: "otp_code_expired" });
  });

  it("accepts the usual spellings of a Vietnamese mobile number and refuses others clearly", async () => {
    const p = person(2);
    for (const bad of ["0212 345 678", "+1 415 555 0100", "091234567", "hello"]) {
      const res = await requestCode(p, bad);
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: "phone_not_vietnamese_mobile" });
    }
    expect((await requestCode(p, `+84 ${p.national.slice(0, 3)}.${p.national.slice(3, 6)}.${p.national.slice(6)}`)).status).toBe(202);
  });

  it("refuses a malformed ID number, and an unknown province code the same way as elsewhere", async () => {
    const p = person(3);
    const malformed = await call("POST", "/api/v1/auth/otp/request", { json: { idNumber: "00109001234", phone: p.typedPhone }, ip: p.ip });
    expect({ status: malformed.status, code: malformed.body.code, reason: malformed.body.reason }).toEqual({ status: 422, code: "invalid_id_number", reason: "length" });
    const unknown = await call("POST", "/api/v1/auth/otp/request", { json: { idNumber: "003090012345", phone: p.typedPhone }, ip: p.ip });
    expect({ status: unknown.status, code: unknown.body.code, provinceCode: unknown.body.provinceCode }).toEqual({
      status: 422,
      code: "id_number_unknown_province",
      provinceCode: "003",
    });
  });

  it("refuses an expired code", async () => {
    const p = person(4);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    testClock.advance(5 * 60_000);
    const res = await verify(p, code);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: "otp_code_expired" });
  });

  it("counts wrong codes, then locks the citizen out for 15 minutes even with the right code", async () => {
    const p = person(5);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    for (let k = 1; k <= 4; k++) {
      const res = await verify(p, wrong(code, k));
      expect({ status: res.status, code: res.body.code, attemptsLeft: res.body.attemptsLeft }).toEqual({ status: 401, code: "otp_code_invalid", attemptsLeft: 5 - k });
    }
    const fifth = await verify(p, wrong(code, 5));
    expect({ status: fifth.status, code: fifth.body.code, retryAfterSeconds: fifth.body.retryAfterSeconds }).toEqual({ status: 429, code: "otp_locked", retryAfterSeconds: 900 });
    expect(fifth.headers.get("retry-after")).toBe("900");

    // The right code no longer works: it was burned, and the citizen is locked out.
    const right = await verify(p, code);
    expect({ status: right.status, code: right.body.code }).toEqual({ status: 429, code: "otp_locked" });
    expect(right.headers.get("set-cookie")).toBeNull();
    // No new code while locked either.
    testClock.advance(14 * 60_000);
    const during = await requestCode(p);
    expect({ status: during.status, code: during.body.code, retryAfterSeconds: during.body.retryAfterSeconds }).toEqual({ status: 429, code: "otp_locked", retryAfterSeconds: 60 });
    expect((await verify(p, code)).status).toBe(429);

    testClock.advance(60_000);
    expect((await requestCode(p)).status).toBe(202);
    const fresh = await codeFromOutbox(p);
    secrets.add(fresh);
    const ok = await verify(p, fresh);
    expect(ok.status, ok.text).toBe(200);
  });

  it("makes the citizen wait 60 s between codes; a new code replaces the previous one", async () => {
    const p = person(6);
    expect((await requestCode(p)).status).toBe(202);
    const first = await codeFromOutbox(p);
    secrets.add(first);
    const tooSoon = await requestCode(p);
    expect({ status: tooSoon.status, code: tooSoon.body.code, retryAfterSeconds: tooSoon.body.retryAfterSeconds }).toEqual({ status: 429, code: "otp_resend_too_soon", retryAfterSeconds: 60 });
    expect(tooSoon.headers.get("retry-after")).toBe("60");
    testClock.advance(59_000);
    expect((await requestCode(p)).body).toMatchObject({ code: "otp_resend_too_soon", retryAfterSeconds: 1 });
    expect(outboxCountFor(p)).toBe(1);
    testClock.advance(1_000);
    expect((await requestCode(p)).status).toBe(202);
    let second = await codeFromOutbox(p);
    // The same six digits twice in a row happen once in a million: then take another.
    while (second === first) {
      testClock.advance(60_000);
      expect((await requestCode(p)).status).toBe(202);
      second = await codeFromOutbox(p);
    }
    secrets.add(second);
    const old = await verify(p, first);
    expect({ status: old.status, code: old.body.code, attemptsLeft: old.body.attemptsLeft }).toEqual({ status: 401, code: "otp_code_invalid", attemptsLeft: 4 });
    expect((await verify(p, second)).status).toBe(200);
  });

  it("sends at most 10 codes in 24 hours per citizen", async () => {
    const p = person(7);
    // Each from another address, so the per-IP limit (real time) stays out of the way.
    for (let i = 0; i < 10; i++) {
      expect((await requestCode(p, p.typedPhone, freshIp())).status).toBe(202);
      testClock.advance(60_000);
    }
    const eleventh = await requestCode(p, p.typedPhone, freshIp());
    expect(eleventh.body.code).toBe("otp_daily_limit");
    expect(eleventh.status).toBe(429);
    // The first send leaves the window 24 h after it was made (10 minutes ago).
    expect(eleventh.body.retryAfterSeconds).toBe(24 * 3600 - 10 * 60);
    testClock.advance(eleventh.body.retryAfterSeconds * 1000);
    expect((await requestCode(p, p.typedPhone, freshIp())).status).toBe(202);
  });

  it("refuses a consent that is not the current policy version, without spending an attempt", async () => {
    const p = person(8);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    const old = await verify(p, code, "2020-01");
    expect({ status: old.status, code: old.body.code, policyVersion: old.body.policyVersion }).toEqual({ status: 403, code: "consent_required", policyVersion: POLICY });
    expect((await verify(p, code)).status).toBe(200);
    // Consent is recorded with the policy version (D1).
    const identity = await citizenIdentity(env, p.id);
    const row = await env.DB.prepare("SELECT policy_version FROM citizen_consents WHERE citizen_key = ?").bind(identity.key).first<{ policy_version: string }>();
    expect(row?.policy_version).toBe(POLICY);
  });

  it("once a phone is proven, codes for that ID number go only to it (same answer either way)", async () => {
    const p = person(9);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    expect((await verify(p, code)).status).toBe(200);

    const intruder = person(10);
    testClock.advance(60_000);
    const res = await requestCode(p, intruder.typedPhone, intruder.ip);
    expect(res.status).toBe(202);
    expect(res.body).toEqual((await requestCode(person(11))).body);
    expect(outboxCountFor(intruder)).toBe(0);

    // The owner's own phone still gets codes.
    testClock.advance(60_000);
    expect((await requestCode(p)).status).toBe(202);
    expect(outboxCountFor(p)).toBe(2);
  });

  it("stores codes only hashed and the phone only encrypted", async () => {
    const p = person(12);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);

    const pending = await ledgerDump(p);
    const phoneForms = [p.national, p.e164, `0${p.national}`, p.typedPhone, p.id];
    expect(containsDigits(pending, code), "the code in the ledger's storage").toBe(false);
    for (const s of phoneForms) expect(pending.includes(s), `"${s.slice(0, 3)}…" in the ledger's storage`).toBe(false);
    const stored = await runInDurableObject(await ledgerOf(p), (_i, state) =>
      state.storage.sql.exec<{ code_hash: ArrayBuffer; pending_phone: string }>("SELECT code_hash, pending_phone FROM otp_state").one(),
    );
    expect(stored.code_hash.byteLength).toBe(32);
    expect(stored.pending_phone).toMatch(/^p1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);

    expect((await verify(p, code)).status).toBe(200);
    const after = await ledgerDump(p);
    expect(containsDigits(after, code)).toBe(false);
    for (const s of phoneForms) expect(after.includes(s)).toBe(false);
    const rows = await runInDurableObject(await ledgerOf(p), (_i, state) => ({
      otp: state.storage.sql.exec<{ code_hash: ArrayBuffer | null; pending_phone: string | null }>("SELECT code_hash, pending_phone FROM otp_state").one(),
      phone: state.storage.sql.exec<{ phone_enc: string }>("SELECT phone_enc FROM contact_phone").toArray(),
    }));
    // Verified: the code's hash is gone, the phone moved to the citizen's (encrypted) contact.
    expect(rows.otp).toEqual({ code_hash: null, pending_phone: null });
    expect(rows.phone).toHaveLength(1);
    expect(rows.phone[0]!.phone_enc).toMatch(/^p1\./);
    expect(await (await ledgerOf(p)).contactPhone()).toBe(p.e164);
  });

  it("deletes the phone after 30 days without use (the ledger's alarm), and not before", async () => {
    const p = person(13);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    expect((await verify(p, code)).status).toBe(200);
    const ledger = await ledgerOf(p);
    const phoneRows = () => runInDurableObject(ledger, (_i, state) => state.storage.sql.exec("SELECT 1 FROM contact_phone").toArray().length);

    testClock.advance(29 * 24 * 3_600_000);
    await runDurableObjectAlarm(ledger);
    expect(await phoneRows()).toBe(1);
    // A notification uses it: retention starts again.
    expect(await ledger.contactPhone()).toBe(p.e164);
    testClock.advance(29 * 24 * 3_600_000);
    await runDurableObjectAlarm(ledger);
    expect(await phoneRows()).toBe(1);

    testClock.advance(24 * 3_600_000);
    await runDurableObjectAlarm(ledger);
    expect(await phoneRows()).toBe(0);
    expect(await ledger.contactPhone()).toBeNull();
  });

  it("erases a code's hash and pending phone when it expires unused", async () => {
    const p = person(14);
    expect((await requestCode(p)).status).toBe(202);
    testClock.advance(5 * 60_000);
    const ledger = await ledgerOf(p);
    await runDurableObjectAlarm(ledger);
    const row = await runInDurableObject(ledger, (_i, state) => state.storage.sql.exec("SELECT challenge_id, code_hash, pending_phone FROM otp_state").one());
    expect(row).toEqual({ challenge_id: null, code_hash: null, pending_phone: null });
  });

  it("keeps the code's state and the phone across a restart of the ledger (their tables are made on first use)", async () => {
    const p = person(15);
    const ledger = await ledgerOf(p);
    expect((await requestCode(p)).status).toBe(202);
    const code = await codeFromOutbox(p);
    secrets.add(code);
    await evictDurableObject(ledger);
    // The restarted object still knows the code that is out: the cooldown holds and the code verifies.
    expect((await requestCode(p)).body).toMatchObject({ code: "otp_resend_too_soon" });
    expect((await verify(p, code)).status).toBe(200);
    await evictDurableObject(ledger);
    expect(await ledger.contactPhone()).toBe(p.e164);
    expect(await ledger.privacySummary()).toEqual({ phoneHeld: true });
  });

  it("throttles code requests per IP (RL_OTP_IP: 10 a minute)", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    let last: Res | null = null;
    for (let i = 0; i < 12; i++) {
      last = await requestCode(person(20 + i), undefined, ip);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(last!.status).toBe(429);
    expect(last!.body).toMatchObject({ code: "rate_limited", retryAfterSeconds: 60 });
  });
});

describe("dev stand-ins are off in production", () => {
  const production = () => ({ ...env, DEV_STAND_INS: "0" });

  it("the dev outbox answers 404 unless DEV_STAND_INS is 1", async () => {
    const res = await app.fetch(new Request(`${ORIGIN}/api/v1/auth/otp/dev/outbox`), production());
    expect(res.status).toBe(404);
    expect((await res.json<{ code: string }>()).code).toBe("not_found");
  });

  it("without an SMS gateway, a production deploy refuses to sign in by code (503) and returns no code", async () => {
    const p = person(40);
    const res = await app.fetch(
      new Request(`${ORIGIN}/api/v1/auth/otp/request`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": p.ip }, body: JSON.stringify({ idNumber: p.id, phone: p.typedPhone }) }),
      production(),
    );
    expect(res.status).toBe(503);
    expect((await res.json<{ code: string }>()).code).toBe("sms_unavailable");
    expect(outboxCountFor(p)).toBe(0);
  });
});

describe("the SMS gateway request for a code", () => {
  const gatewayEnv = {
    ...env,
    DEV_STAND_INS: "0",
    SMS_GATEWAY_URL: "https://sms.example.vn/api/v1/send",
    SMS_GATEWAY_API_KEY: "test-sms-api-key-123",
    SMS_BRANDNAME: "HCC HANOI",
  };

  it("is sent by the ledger to the configured gateway, well-formed, and the code in it verifies", async () => {
    const { fetch, calls } = capturingFetch();
    const stub = env.CITIZEN_LEDGER.getByName("otp-gateway-test-1");
    const result = await runInDurableObject(stub, async (_i, state) => {
      const otp = new CitizenOtp(state.storage, gatewayEnv, () => {}, { fetch });
      const sent = await otp.request("0912 345 777");
      const body = JSON.parse(bodyText(calls[0]!));
      const code = /la (\d{6})\./.exec(body.text)?.[1] ?? "";
      return { sent, body, verified: await otp.verify(code) };
    });
    expect(result.sent).toMatchObject({ ok: true, devSms: null });
    expect(calls).toHaveLength(1);
    const { request } = calls[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://sms.example.vn/api/v1/send");
    expect(request.headers.get("x-api-key")).toBe("test-sms-api-key-123");
    expect(request.headers.get("content-type")).toMatch(/^application\/json/);
    expect(result.body).toEqual({
      to: "+84912345777",
      text: expect.stringMatching(/^Ma xac thuc sothutu cua ban la \d{6}\. Ma co hieu luc 5 phut\. Khong chia se ma nay\.$/),
      brandname: "HCC HANOI",
      clientMessageId: expect.stringMatching(/^otp:[0-9a-f-]{36}$/),
      unicode: false,
    });
    expect(result.verified).toEqual({ ok: true, verified: true });
  });

  it("a gateway failure answers sms_unavailable and neither spends the cooldown nor leaves a code", async () => {
    let fail = true;
    const { fetch, calls } = capturingFetch(() => new Response("{}", { status: fail ? 502 : 200 }));
    const stub = env.CITIZEN_LEDGER.getByName("otp-gateway-test-2");
    const outcome = await runInDurableObject(stub, async (_i, state) => {
      const otp = new CitizenOtp(state.storage, gatewayEnv, () => {}, { fetch });
      const first = await otp.request("0912345778");
      const left = state.storage.sql.exec("SELECT challenge_id, code_hash FROM otp_state").one();
      fail = false;
      const second = await otp.request("0912345778");
      return { first, left, second };
    });
    expect(outcome.first).toMatchObject({ ok: false, code: "sms_unavailable" });
    expect(outcome.left).toEqual({ challenge_id: null, code_hash: null });
    expect(outcome.second).toMatchObject({ ok: true });
    expect(calls).toHaveLength(2);
  });
});
