/**
 * End-to-end HTTP helpers: the demo center seeded in D1, a frozen service clock, and one `api()`
 * call that goes through the real Worker (routes, Durable Objects, D1) inside workerd.
 *
 * Every response `api()` sees is checked for what must never happen whatever a test asserts:
 * a 5xx, an error that is not RFC 9457 problem+json with a stable `code`, a stack trace, or a
 * raw personal ID number (or a name or address read from an ID card's QR code) in the body.
 */
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { demoSeedStatements } from "../../seed/demo-center";
import { now, testClock } from "../../shared/clock";
import { checkPersonalId } from "../../shared/personal-id";
import { CITIZEN_COOKIE, citizenSessionToken } from "../../worker/auth/session";
import { citizenIdentity } from "../../worker/identity/citizen-key";
import { clearConfigCache } from "../../worker/config/day-plans";
import { adminBearer } from "./staff";

export const ORIGIN = "http://sothutu.test";

/** The demo center's rows in D1, the configuration cache emptied, the clock frozen at `atMs`. */
export async function openService(atMs: number): Promise<void> {
  const stmts = demoSeedStatements();
  await env.DB.batch(stmts.map((s) => env.DB.prepare(s)));
  clearConfigCache();
  testClock.set(atMs);
}

/** Undo `openService`'s process-wide state (module state is shared with the Worker and objects). */
export function closeService(): void {
  testClock.release();
  clearConfigCache();
}

// ---- Secrets that must never come back --------------------------------------------------------

const secrets = new Set<string>();

/** Remembers a value (a raw ID number, a name on a card) that no response body may contain. */
export function secret<T extends string>(value: T): T {
  if (value.length >= 6) secrets.add(value);
  return value;
}

/** Digits of a string, when it looks like an ID number typed with separators. */
function digitsOf(value: string): string {
  return value.replace(/\D/g, "");
}

// ---- Citizens: a real signed session, no header taken on trust ---------------------------------

/**
 * The `Cookie` header of a signed-in citizen: a session minted exactly as sign-in mints it
 * (`citizenSessionToken` with SESSION_SECRET, method "otp", consent to the current policy), so
 * tests name a citizen by ID number while the Worker only ever sees a session. Throws for a
 * string that is not a valid ID number: ID numbers are checked at sign-in now (OTP, OIDC claims,
 * platform tokens), so a test of a malformed number must go through one of those paths.
 */
export async function citizenCookie(idNumber: string, policyVersion: string = env.PRIVACY_POLICY_VERSION): Promise<string> {
  const checked = checkPersonalId(idNumber, now());
  if (!checked.ok) throw new Error(`test helper: "${idNumber.slice(0, 20)}" is not a valid ID number (${checked.reason}); sign-in paths validate ID numbers`);
  const identity = await citizenIdentity(env, checked.idNumber);
  return `${CITIZEN_COOKIE}=${await citizenSessionToken(env, identity, "otp", policyVersion)}`;
}

// ---- The call ------------------------------------------------------------------------------------

export interface CallOptions {
  /** The citizen's ID number: sent as a real session cookie (`citizenCookie`), remembered as a secret. */
  citizen?: string;
  /** true: a signed-in administrator (test/support/staff.ts); a string: that bearer token. */
  staff?: boolean | string;
  /** A JSON body (sent as application/json). */
  json?: unknown;
  /** A raw body, sent as is (with `headers` choosing its content type). */
  body?: BodyInit;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // Response bodies are whatever JSON the API sent; tests read them field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

const STACK_TRACE_RE = /\bat [^\s]+ \(|\.(?:ts|js):\d+:\d+|node_modules|Error: /;

let testAddresses = 0;

/** Calls the Worker: `api("POST", "/api/v1/tickets", { citizen, json })`. */
export async function api(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
  const headers = new Headers(opts.headers);
  if (opts.citizen !== undefined) {
    secret(opts.citizen);
    const cookie = await citizenCookie(opts.citizen);
    const other = headers.get("cookie");
    headers.set("cookie", other ? `${other}; ${cookie}` : cookie);
  }
  if (opts.staff === true) headers.set("authorization", `Bearer ${await adminBearer()}`);
  else if (typeof opts.staff === "string") headers.set("authorization", `Bearer ${opts.staff}`);
  if (opts.idempotencyKey !== undefined) headers.set("idempotency-key", opts.idempotencyKey);
  // Production throttles booking per IP (RL_BOOKING_IP): each call comes from an address of its
  // own unless the test sets CF-Connecting-IP itself (test/privacy/rate-limits.test.ts does).
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", `198.18.${(++testAddresses >> 8) & 255}.${testAddresses & 255}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const res = await exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body }));
  const text = await res.text();
  const where = `${method} ${path} → ${res.status} ${text.slice(0, 300)}`;

  expect(res.status, where).toBeLessThan(500);
  // Tickets carry personal data (masked): nothing may be cached, nothing sniffed.
  expect(res.headers.get("cache-control"), where).toBe("no-store");
  expect(res.headers.get("x-content-type-options"), where).toBe("nosniff");
  expect(text, `stack trace in ${where}`).not.toMatch(STACK_TRACE_RE);
  for (const s of secrets) {
    expect(text.includes(s), `a secret (${s.slice(0, 3)}…) came back in ${where}`).toBe(false);
    const digits = digitsOf(s);
    if (digits.length === 12) expect(text.includes(digits), `a raw ID number came back in ${where}`).toBe(false);
  }

  let parsed: unknown = null;
  if (text !== "") {
    const type = res.headers.get("content-type") ?? "";
    expect(type, where).toMatch(res.status >= 400 ? /^application\/problem\+json/ : /^application\/json/);
    parsed = JSON.parse(text);
  }
  if (res.status >= 400) {
    const p = parsed as Record<string, unknown>;
    expect(typeof p.code, `problem without a code: ${where}`).toBe("string");
    expect(p.status, where).toBe(res.status);
    expect(p.type, where).toBe(`/problems/${String(p.code)}`);
    expect(typeof p.title, where).toBe("string");
    expect(typeof p.detail, where).toBe("string");
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Asserts a problem response: its status and stable code. Returns the problem body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectProblem(res: ApiResponse, status: number, code: string): any {
  expect({ status: res.status, code: res.body?.code }, res.text.slice(0, 400)).toEqual({ status, code });
  return res.body;
}

/** Asserts a success status and returns the body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectOk(res: ApiResponse, status = 200): any {
  expect(res.status, res.text.slice(0, 400)).toBe(status);
  return res.body;
}

// ---- Shortcuts for the domain's usual moves ----------------------------------------------------

export interface BookArgs {
  branchId?: string;
  fieldCode?: string;
  serviceDate?: string;
  idempotencyKey?: string;
}

/** A citizen books a number online. */
export function bookOnline(citizen: string, args: BookArgs = {}): Promise<ApiResponse> {
  const { idempotencyKey, branchId = "hn-cn01", fieldCode = "DATDAI", serviceDate } = args;
  return api("POST", "/api/v1/tickets", {
    citizen,
    idempotencyKey,
    json: { branchId, fieldCode, ...(serviceDate ? { serviceDate } : {}) },
  });
}

/** Books and returns the ticket, failing the test unless the number was issued. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function booked(citizen: string, args: BookArgs = {}): Promise<any> {
  return expectOk(await bookOnline(citizen, args), 201).ticket;
}

/** A counter action at a branch today: `counter("hn-cn01", 1, "call-next")`. */
export function counter(branchId: string, number: number, action: string, json?: unknown): Promise<ApiResponse> {
  return api("POST", `/api/v1/staff/branches/${branchId}/counters/${number}/${action}`, { staff: true, json });
}

/** Reception issues a walk-in number after checking identity. */
export function walkIn(branchId: string, json: Record<string, unknown>): Promise<ApiResponse> {
  if (typeof json.idNumber === "string") secret(json.idNumber);
  return api("POST", `/api/v1/staff/branches/${branchId}/tickets`, { staff: true, json });
}

/** Reception checks a citizen's identity against their number. */
export function checkIn(branchId: string, json: Record<string, unknown>): Promise<ApiResponse> {
  if (typeof json.idNumber === "string") secret(json.idNumber);
  return api("POST", `/api/v1/staff/branches/${branchId}/check-in`, { staff: true, json });
}

/** The text of a chip ID card's QR code: id|oldId|name|DDMMYYYY|gender|address|DDMMYYYY. */
export function cccdQr(idNumber: string, p: { name?: string; dob?: string; address?: string } = {}): string {
  const name = secret(p.name ?? "Nguyễn Văn Thử");
  const address = secret(p.address ?? "Số 12 ngõ 34 phố Thụy Khuê, Tây Hồ, Hà Nội");
  return `${secret(idNumber)}||${name}|${p.dob ?? "01011990"}|Nam|${address}|15062021`;
}

/** Ticket paths need the id's colons as they are; encode anything else. */
export function ticketPath(ticketId: string, suffix = ""): string {
  return `/api/v1/tickets/${ticketId}${suffix}`;
}
