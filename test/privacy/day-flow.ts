/**
 * One service day at the demo center, through the real Worker, objects and D1, touching every
 * path that handles personal data: online booking with a session, OTP sign-in with a phone, a
 * city platform's token, walk-ins with a typed ID and with the chip card's QR code, check-ins
 * (typed, scanned, and one that does not match), calling, serving, no-show, cancelling, a number
 * for tomorrow, a consent withdrawal, a deletion request, the end-of-day alarm, the history
 * flush and the retention job. And the failures: malformed and unknown-province ID numbers, a
 * wrong one-time code, a hammering citizen throttled, a bad platform token.
 *
 * `runDayOfService` returns every personal value it used (ID numbers, phone numbers in each
 * spelling, names, addresses, dates of birth) for the proofs to look for.
 */
import { createExecutionContext, createScheduledController, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { testClock } from "../../shared/clock";
import { CITIZEN_COOKIE } from "../../worker/auth/session";
import { branchDay } from "../../worker/booking";
import { app } from "../../worker/app";
import worker from "../../worker/index";
import { api, bookOnline, booked, cccdQr, checkIn, citizenCookie, counter, expectOk, expectProblem, secret, ticketPath, walkIn } from "../support/http";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform } from "../support/platform";

export const DAY = "2026-11-23";
export const TOMORROW = "2026-11-24";

export interface DayOfService {
  /** Every personal value used: none may appear anywhere in clear. */
  personal: string[];
  /** The ID numbers of the day (valid, malformed and unknown-province alike). */
  idNumbers: string[];
  /** Ticket ids issued, by who. */
  tickets: Partial<Record<TicketHolder, string>>;
}

type TicketHolder = "online" | "otp" | "platform" | "canceller" | "tomorrow" | "forgetter" | "walkTyped" | "walkQr";

interface Person {
  id: string;
  name: string;
  address: string;
  dob: string;
  phone: { typed: string; national: string; e164: string; local: string };
}

function person(n: number, name: string, address: string, dob: string): Person {
  const national = `98765${String(n).padStart(4, "0")}`;
  const p: Person = {
    id: idNumber(8000 + n),
    name,
    address,
    dob,
    phone: { typed: `0${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`, national, e164: `+84${national}`, local: `0${national}` },
  };
  for (const v of [p.id, p.name, p.address, p.phone.typed, p.phone.national, p.phone.e164, p.phone.local]) secret(v);
  return p;
}

function cookieOf(setCookie: string | null): string {
  const m = new RegExp(`${CITIZEN_COOKIE.replace(/[$]/g, "\\$&")}=([^;]+)`).exec(setCookie ?? "");
  expect(m, "a session cookie").not.toBeNull();
  return `${CITIZEN_COOKIE}=${m![1]}`;
}

/** OTP sign-in through the dev outbox; returns the session cookie. */
async function signInWithOtp(p: Person, ip: string): Promise<string> {
  const headers = { "cf-connecting-ip": ip };
  expect((await api("POST", "/api/v1/auth/otp/request", { json: { idNumber: p.id, phone: p.phone.typed }, headers })).status).toBe(202);
  const outbox = expectOk(await api("GET", "/api/v1/auth/otp/dev/outbox"));
  const sms = (outbox.otp as Array<{ to: string; code: string }>).find((m) => m.to.endsWith(p.phone.national.slice(-3)));
  expect(sms, "the code in the dev outbox").toBeDefined();
  // A wrong code first (a failure path), then the right one.
  const wrong = String((Number(sms!.code) + 1) % 1_000_000).padStart(6, "0");
  expect((await api("POST", "/api/v1/auth/otp/verify", { json: { idNumber: p.id, code: wrong, consent: env.PRIVACY_POLICY_VERSION }, headers })).status).toBe(401);
  const verified = await api("POST", "/api/v1/auth/otp/verify", { json: { idNumber: p.id, code: sms!.code, consent: env.PRIVACY_POLICY_VERSION }, headers });
  expect(verified.status, verified.text).toBe(200);
  return cookieOf(verified.headers.get("set-cookie"));
}

/** Runs a branch-day's due timers with the service clock at `hhmm` on `date`. */
async function runAlarm(branchId: string, serviceDate: string, date: string, hhmm: string): Promise<void> {
  testClock.set(hanoi(date, hhmm));
  await runDurableObjectAlarm(branchDay(env, branchId, serviceDate));
}

export async function runDayOfService(): Promise<DayOfService> {
  testClock.set(hanoi(DAY, "08:05"));
  const online = person(1, "Trần Thị Trực Tuyến", "Số 7 ngõ 15 phố Đội Cấn, Ba Đình, Hà Nội", "03021985");
  const otp = person(2, "Lê Văn Mã Số", "Số 21 đường Âu Cơ, Tây Hồ, Hà Nội", "14071979");
  const platform = person(3, "Phạm Thị Nền Tảng", "Số 3 phố Hàng Bông, Hoàn Kiếm, Hà Nội", "28111990");
  const walkTyped = person(4, "Hoàng Văn Gõ Số", "Số 88 phố Kim Mã, Ba Đình, Hà Nội", "01011950");
  const walkQr = person(5, "Vũ Thị Quét Mã", "Số 19 ngõ 42 phố Thụy Khuê, Tây Hồ, Hà Nội", "17031987");
  const canceller = person(6, "Đặng Văn Huỷ Số", "Số 5 phố Lạc Long Quân, Tây Hồ, Hà Nội", "09091992");
  const tomorrow = person(7, "Bùi Thị Ngày Mai", "Số 60 phố Xuân La, Tây Hồ, Hà Nội", "22021988");
  const impostor = person(8, "Ngô Văn Mạo Danh", "Số 2 phố Nguyễn Hoàng Tôn, Tây Hồ, Hà Nội", "05051995");
  const hammer = person(9, "Đỗ Văn Gõ Liên Tục", "Số 11 phố Võ Chí Công, Tây Hồ, Hà Nội", "30061991");
  const forgetter = person(10, "Lý Thị Xin Xoá", "Số 4 phố Hoàng Quốc Việt, Cầu Giấy, Hà Nội", "12121983");
  const withdrawer = person(11, "Mai Văn Rút Lại", "Số 9 phố Trích Sài, Tây Hồ, Hà Nội", "19041977");
  const people = [online, otp, platform, walkTyped, walkQr, canceller, tomorrow, impostor, hammer, forgetter, withdrawer];
  const malformed = secret("0010900x8012");
  const unknownProvince = secret("003090008013");
  const t = {} as Record<TicketHolder, string>;
  const tickets = t;

  testClock.set(hanoi(DAY, "08:10"));
  // Online with a session; OTP sign-in with a phone; a city platform's token.
  tickets.online = (await booked(online.id, { fieldCode: "DATDAI" })).id;
  const otpCookie = await signInWithOtp(otp, "192.0.2.10");
  tickets.otp = expectOk(await api("POST", "/api/v1/tickets", { headers: { cookie: otpCookie }, json: { branchId: "hn-cn01", fieldCode: "TUPHAP" } }), 201).ticket.id;
  tickets.platform = expectOk(await api("POST", "/api/v1/tickets", { ...(await asPlatform(platform.id)), json: { branchId: "hn-cn02", fieldCode: "KINHDOANH" } }), 201).ticket.id;
  tickets.canceller = (await booked(canceller.id, { fieldCode: "NONGNGHIEP" })).id;
  tickets.tomorrow = (await booked(tomorrow.id, { fieldCode: "DATDAI", serviceDate: TOMORROW })).id;
  tickets.forgetter = (await booked(forgetter.id, { fieldCode: "KINHDOANH" })).id;

  // Walk-ins at reception: an elderly person with a typed ID; a chip card's QR code.
  tickets.walkTyped = expectOk(await walkIn("hn-cn01", { idNumber: walkTyped.id, identityCheck: "typed", fieldCode: "XAYDUNG", priority: "elderly" }), 201).ticket.id;
  const qr = cccdQr(walkQr.id, { name: walkQr.name, address: walkQr.address, dob: walkQr.dob });
  tickets.walkQr = expectOk(await walkIn("hn-cn01", { cccdQr: qr, identityCheck: "chip_qr", fieldCode: "KINHDOANH" }), 201).ticket.id;

  // Failures: a malformed ID, an unknown province, an impostor at check-in, a bad platform token.
  expectProblem(await walkIn("hn-cn01", { idNumber: malformed, identityCheck: "typed", fieldCode: "DATDAI" }), 422, "invalid_id_number");
  expectProblem(await walkIn("hn-cn01", { idNumber: unknownProvince, identityCheck: "typed", fieldCode: "DATDAI" }), 422, "id_number_unknown_province");
  expectProblem(await checkIn("hn-cn01", { ticket: tickets.online, idNumber: impostor.id, identityCheck: "typed" }), 409, "identity_mismatch");
  const impostorQr = cccdQr(impostor.id, { name: impostor.name, address: impostor.address, dob: impostor.dob });
  expectProblem(await checkIn("hn-cn01", { ticket: tickets.otp, cccdQr: impostorQr, identityCheck: "chip_qr" }), 409, "identity_mismatch");
  expect((await api("GET", "/api/v1/tickets", { headers: { authorization: "Bearer not.a.token" } })).status).toBe(401);
  expectProblem(await api("GET", "/api/v1/tickets", await asPlatform("0010900x8012")), 422, "invalid_id_number");

  // With the human check on and Cloudflare's siteverify unreachable: 503, and an error logged.
  const outage = vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError(`connect failed for ${hammer.id}`));
  try {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("http://sothutu.test/api/v1/tickets", {
        method: "POST",
        headers: { cookie: await citizenCookie(hammer.id), "content-type": "application/json", "cf-turnstile-response": "token", "cf-connecting-ip": "192.0.2.77" },
        body: JSON.stringify({ branchId: "hn-cn01", fieldCode: "DATDAI" }),
      }),
      { ...env, TURNSTILE_SECRET_KEY: "0x4AAAAAAA-test" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
  } finally {
    outage.mockRestore();
  }

  // A citizen hammering the booking route is throttled.
  let throttled = false;
  for (let i = 0; i < 12 && !throttled; i++) throttled = (await bookOnline(hammer.id, { fieldCode: i % 2 ? "DATDAI" : "TUPHAP" })).status === 429;
  expect(throttled, "the hammering citizen got a 429").toBe(true);

  // Consent withdrawn: booking refused. Deletion requested (the number stays valid).
  expectOk(await api("DELETE", "/api/v1/me/consent", { citizen: withdrawer.id }));
  expectProblem(await bookOnline(withdrawer.id, { fieldCode: "DATDAI" }), 403, "consent_required");
  expectOk(await api("GET", "/api/v1/me", { citizen: forgetter.id }));
  expectOk(await api("DELETE", "/api/v1/me", { citizen: forgetter.id }));

  // Reception checks people in: typed, and with the card's QR.
  testClock.set(hanoi(DAY, "09:00"));
  expectOk(await checkIn("hn-cn01", { ticket: tickets.online, idNumber: online.id, identityCheck: "typed" }));
  const platformQr = cccdQr(platform.id, { name: platform.name, address: platform.address, dob: platform.dob });
  expectOk(await checkIn("hn-cn02", { ticket: tickets.platform, cccdQr: platformQr, identityCheck: "chip_qr" }));
  expectOk(await api("POST", ticketPath(tickets.canceller, "/cancel"), { citizen: canceller.id }));

  // Counters: land served, the elderly walk-in served, justice called then no-show, branch 2 served.
  const serve = async (branchId: string, n: number, label: string) => {
    expectOk(await counter(branchId, n, "call", { label }));
    expectOk(await counter(branchId, n, "start"));
    expectOk(await counter(branchId, n, "complete"));
  };
  expectOk(await counter("hn-cn01", 1, "open"));
  expectOk(await counter("hn-cn01", 11, "open"));
  expectOk(await counter("hn-cn01", 12, "open"));
  expectOk(await counter("hn-cn02", 4, "open"));
  const labelOf = async (id: string, citizen: string) => expectOk(await api("GET", ticketPath(id), { citizen })).ticket.label as string;
  testClock.set(hanoi(DAY, "09:30"));
  await serve("hn-cn01", 1, await labelOf(tickets.online, online.id));
  expect(expectOk(await counter("hn-cn01", 11, "call-next")).ticket.id).toBe(tickets.walkTyped);
  expectOk(await counter("hn-cn01", 11, "start"));
  expectOk(await counter("hn-cn01", 11, "complete"));
  expectOk(await counter("hn-cn01", 12, "call", { label: expectOk(await api("GET", ticketPath(tickets.otp), { headers: { cookie: otpCookie } })).ticket.label }));
  expectOk(await counter("hn-cn01", 12, "no-show"));
  const platformLabel = expectOk(await api("GET", ticketPath(tickets.platform), await asPlatform(platform.id))).ticket.label;
  await serve("hn-cn02", 4, platformLabel);
  expectOk(await api("GET", "/api/v1/staff/branches/hn-cn01/today", { staff: true }));
  expectOk(await api("GET", "/api/v1/me", { citizen: online.id }));

  // End of day: the walk-in with the QR code and the forgetter's number expire; history flushes.
  await runAlarm("hn-cn01", DAY, DAY, "17:05");
  await runAlarm("hn-cn02", DAY, DAY, "17:05");
  await runAlarm("hn-cn01", DAY, DAY, "17:06");
  await runAlarm("hn-cn02", DAY, DAY, "17:06");
  await runAlarm("hn-cn01", TOMORROW, DAY, "17:07");
  const flushed = await env.DB.prepare("SELECT COUNT(*) AS n FROM ticket_history WHERE service_date IN (?, ?)").bind(DAY, TOMORROW).first<number>("n");
  expect(flushed, "the day's tickets reached D1").toBeGreaterThanOrEqual(Object.keys(tickets).length);

  // The nightly retention job.
  testClock.set(hanoi(TOMORROW, "02:00"));
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "0 19 * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);

  const idNumbers = [...people.map((p) => p.id), malformed, unknownProvince];
  const personal = [
    ...idNumbers,
    ...people.flatMap((p) => [p.name, p.address, p.dob, p.phone.typed, p.phone.national, p.phone.e164, p.phone.local]),
  ];
  return { personal, idNumbers, tickets };
}
