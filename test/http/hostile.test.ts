/**
 * Hostile input over HTTP. Whatever a client sends, the answer is a problem+json with a stable
 * `code`: never a 500, never a stack trace (support/http.ts checks every response for both).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, booked, citizenCookie, closeService, expectOk, expectProblem, openService, ORIGIN } from "../support/http";
import { exports } from "cloudflare:workers";
import { hanoi, idNumber } from "../support/plans";
import { asPlatform, platformToken } from "../support/platform";

beforeAll(() => openService(hanoi("2026-11-23", "09:00")));
afterAll(closeService);

const citizen = idNumber(501);
const VALID = { branchId: "hn-cn01", fieldCode: "DATDAI" };

/** POSTs a raw body to the booking route as `citizen`. */
function postRaw(body: BodyInit | null, contentType: string | null, path = "/api/v1/tickets") {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers["content-type"] = contentType;
  return api("POST", path, { citizen, body: body ?? undefined, headers });
}

describe("bodies that are not JSON", () => {
  it("malformed JSON is 400 malformed_json", async () => {
    const bodies = [
      "{",
      "{'branchId': 'hn-cn01'}",
      '{"branchId": "hn-cn01",}',
      "undefined",
      "NaN",
      '{"a": 01}',
      '"unterminated',
      "\u0000",
    ];
    for (const body of bodies) expectProblem(await postRaw(body, "application/json"), 400, "malformed_json");
  });

  it("bytes that are not UTF-8 are 400 malformed_json", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
    expectProblem(await postRaw(bytes, "application/json"), 400, "malformed_json");
  });

  it("a body that is not declared as JSON is 415 unsupported_media_type", async () => {
    const json = JSON.stringify(VALID);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "json"]) {
      expectProblem(await postRaw(json, type), 415, "unsupported_media_type");
    }
    // A string body with no declared type is sent as text/plain by fetch.
    expectProblem(await postRaw(json, null), 415, "unsupported_media_type");
  });

  it("JSON with a charset parameter, or a byte order mark, is still JSON", async () => {
    const t = expectOk(await postRaw(`\ufeff${JSON.stringify({ ...VALID, fieldCode: "TUPHAP" })}`, "Application/JSON; charset=utf-8"), 201);
    expect(t.ticket.fieldCode).toBe("TUPHAP");
  });

  it("a body over 16 KB is 413 payload_too_large, declared or streamed", async () => {
    const big = JSON.stringify({ ...VALID, padding: "x".repeat(16 * 1024) });
    expectProblem(await postRaw(big, "application/json"), 413, "payload_too_large");
    // Streamed without a Content-Length (4 MB in 1 KB chunks): refused once past 16 KB, and
    // the rest is never read (the Worker does not buffer megabytes only to refuse them).
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled++ < 4096) controller.enqueue(chunk);
          else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/v1/tickets`, {
        method: "POST",
        headers: { cookie: await citizenCookie(citizen), "content-type": "application/json" },
        body: stream,
      }),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await res.json<{ code: string }>()).code).toBe("payload_too_large");
    expect(pulled).toBeLessThan(100);
    // A body of exactly 16 KB is read (and refused for what it says, not its size).
    const exact = JSON.stringify({ ...VALID, p: "" });
    const padded = exact.slice(0, -2) + "x".repeat(16 * 1024 - exact.length) + '"}';
    expect(new TextEncoder().encode(padded).byteLength).toBe(16 * 1024);
    expectProblem(await postRaw(padded, "application/json"), 400, "invalid_request");
  });

  it("a staff body over 16 KB is refused before anything is done", async () => {
    const big = JSON.stringify({ idNumber: idNumber(502), identityCheck: "typed", fieldCode: "DATDAI", pad: "y".repeat(20_000) });
    const res = await api("POST", "/api/v1/staff/branches/hn-cn01/tickets", { staff: true, body: big, headers: { "content-type": "application/json" } });
    expectProblem(res, 413, "payload_too_large");
  });
});

describe("JSON of the wrong shape", () => {
  it("unknown keys are 400 invalid_request listing each problem", async () => {
    const p = expectProblem(await api("POST", "/api/v1/tickets", { citizen, json: { ...VALID, citizenId: "x", priority: "elderly" } }), 400, "invalid_request");
    expect(p.errors).toEqual([{ path: "(body)", message: expect.stringMatching(/citizenId.*priority|priority.*citizenId/) }]);
  });

  it("wrong types are 400 invalid_request naming each field", async () => {
    const p = expectProblem(await api("POST", "/api/v1/tickets", { citizen, json: { branchId: 1, fieldCode: null, serviceDate: 20261123 } }), 400, "invalid_request");
    expect(p.errors.map((e: { path: string }) => e.path).sort()).toEqual(["branchId", "fieldCode", "serviceDate"]);
    for (const e of p.errors) expect(typeof e.message).toBe("string");
  });

  it("a body that is not an object, or is empty, is 400 invalid_request", async () => {
    for (const json of [[], [VALID], "hn-cn01", 42, true, null, {}]) {
      expectProblem(await api("POST", "/api/v1/tickets", { citizen, json }), 400, "invalid_request");
    }
    expectProblem(await postRaw("", "application/json"), 400, "invalid_request");
  });

  it("__proto__ and constructor keys are just unknown keys", async () => {
    const body = `{"branchId":"hn-cn01","fieldCode":"DATDAI","__proto__":{"admin":true},"constructor":{"prototype":{}}}`;
    expectProblem(await postRaw(body, "application/json"), 400, "invalid_request");
  });

  it("deeply nested JSON is 400 invalid_request, not a crash", async () => {
    const depth = 8000;
    expectProblem(await postRaw("[".repeat(depth) + "]".repeat(depth), "application/json"), 400, "invalid_request");
    expectProblem(await postRaw('{"a":'.repeat(2500) + "1" + "}".repeat(2500), "application/json"), 400, "invalid_request");
  });

  it("values that almost look right are 400 invalid_request", async () => {
    const almost = [
      { branchId: "HN-CN01", fieldCode: "DATDAI" },
      { branchId: "hn-cn01 ", fieldCode: "DATDAI" },
      { branchId: "hn-cn01", fieldCode: "datdai" },
      { branchId: "hn-cn01", fieldCode: "DATDAI", serviceDate: "2026-11-23T09:00:00Z" },
      { branchId: "hn-cn01", fieldCode: "DATDAI", serviceDate: "2026-02-29" },
      { branchId: "hn-cn01", fieldCode: "DATDAI", serviceDate: null },
      { branchId: "ｈｎ-ｃｎ01", fieldCode: "DATDAI" },
      { branchId: "hn-cn01\u0000", fieldCode: "DATDAI" },
      { branchId: "hn-cn01", fieldCode: "DAT\u200bDAI" },
      { branchId: "x".repeat(10_000), fieldCode: "DATDAI" },
    ];
    for (const json of almost) expectProblem(await api("POST", "/api/v1/tickets", { citizen, json }), 400, "invalid_request");
  });

  it("counter actions refuse bodies they do not expect", async () => {
    const staff = { staff: true as const };
    const path = "/api/v1/staff/branches/hn-cn01/counters/1";
    expectProblem(await api("POST", `${path}/call-next`, { ...staff, json: { label: "A001" } }), 400, "invalid_request");
    expectProblem(await api("POST", `${path}/open`, { ...staff, json: { fieldCodes: "DATDAI" } }), 400, "invalid_request");
    expectProblem(await api("POST", `${path}/open`, { ...staff, json: { fieldCodes: Array(33).fill("DATDAI") } }), 400, "invalid_request");
    expectProblem(await api("POST", `${path}/call`, { ...staff, json: {} }), 400, "invalid_request");
    expectProblem(await api("POST", `${path}/call`, { ...staff, json: { label: "A001; DROP TABLE tickets" } }), 400, "invalid_request");
    expectProblem(await api("POST", `${path}/transfer`, { ...staff, json: { toFieldCode: ["TUPHAP"] } }), 400, "invalid_request");
  });
});

describe("weird ID numbers", () => {
  const staffWalkIn = (idNumber: unknown) =>
    api("POST", "/api/v1/staff/branches/hn-cn01/tickets", { staff: true, json: { idNumber, identityCheck: "typed", fieldCode: "DATDAI" } });

  it("digits from other scripts, invisible characters and emoji are 422 invalid_id_number (digits)", async () => {
    const weird = [
      "００１０９００００５０３", // full-width digits
      "٠٠١٠٩٠٠٠٠٥٠٣", // Arabic-Indic digits
      "001090\u200b000503", // zero-width space
      "\u202e001090000503", // right-to-left override
      "00109000050🙂",
      "0010900005o3",
      "001090000503\u0301", // combining accent
      "\ud800001090000503", // lone surrogate
    ];
    for (const id of weird) {
      const p = expectProblem(await staffWalkIn(id), 422, "invalid_id_number");
      expect(p.reason, JSON.stringify(id)).toBe("digits");
    }
  });

  it("only letters and digits are echoed back in the explanation, never other input", async () => {
    const p = expectProblem(await staffWalkIn("001090<script>"), 422, "invalid_id_number");
    expect(p.detail).not.toContain("<");
    expect(p.detail).toContain("ký tự thứ 7");
  });

  it("an ID number that is not text is 400 invalid_request; one far too long is refused without echo", async () => {
    for (const id of [1090000503, null, ["001090000503"], { n: "001090000503" }]) {
      expectProblem(await staffWalkIn(id), 400, "invalid_request");
    }
    expectProblem(await staffWalkIn("0".repeat(41)), 400, "invalid_request");
    const long = expectProblem(await api("GET", "/api/v1/tickets", await asPlatform("1".repeat(5000))), 422, "invalid_id_number");
    expect(long.reason).toBe("length");
    expect(long.detail.length).toBeLessThan(300);
  });

  it("in a city platform's token: non-digits are 422 invalid_id_number", async () => {
    for (const id of ["00109000050x", "001-090-000-50", "001090000503,001090000504", "' OR 1=1 --", "%30%30%31"]) {
      expectProblem(await api("GET", "/api/v1/tickets", await asPlatform(id)), 422, "invalid_id_number");
    }
  });

  it("a request carrying two citizens' bearer tokens is refused, not read as either of them", async () => {
    const headers = new Headers();
    headers.append("authorization", `Bearer ${await platformToken(idNumber(504))}`);
    headers.append("authorization", `Bearer ${await platformToken(idNumber(505))}`);
    const res = await exports.default.fetch(new Request(`${ORIGIN}/api/v1/tickets`, { headers }));
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).not.toContain(idNumber(504));
    expect(text).not.toContain(idNumber(505));
  });
});

describe("hostile paths", () => {
  const me = { citizen: idNumber(506) };

  it("ticket ids that try to escape or overflow are 404 ticket_not_found", async () => {
    const ids = [
      "..%2F..",
      "..%2F..%2Fstaff%2Fbranches%2Fhn-cn01%2Ftoday",
      "hn-cn01%3A2026-11-23%3A1%00",
      "hn-cn01:2026-11-23:99999999",
      "hn-cn01:2026-11-23:-1",
      "hn-cn01:9999-99-99:1",
      "a".repeat(10_000),
      "%F0%9F%98%80",
      "%E0%A4%A",
      "%",
    ];
    for (const id of ids) {
      expectProblem(await api("GET", `/api/v1/tickets/${id}`, me), 404, "ticket_not_found");
      expectProblem(await api("POST", `/api/v1/tickets/${id}/cancel`, me), 404, "ticket_not_found");
    }
    // "%2e%2e" is ".." to the URL parser itself: the path resolves to /api/v1/cancel, no route.
    expectProblem(await api("POST", "/api/v1/tickets/%2e%2e/cancel", me), 404, "not_found");
  });

  it("branch ids and dates that are not ids or dates are 400 invalid_request", async () => {
    const branches = ["HN", "hn_cn01", "-hn", "a".repeat(33), "b".repeat(5000), "%00", "%E0%A4%A", "hn-cn01%20", "%F0%9F%98%80"];
    for (const b of branches) expectProblem(await api("GET", `/api/v1/branches/${b}`), 400, "invalid_request");
    for (const d of ["%00", "2026-11-23%0A", "9".repeat(5000), "0000-00-00"]) {
      expectProblem(await api("GET", `/api/v1/branches/hn-cn01/days/${d}`), 400, "invalid_request");
    }
  });

  it("dates at the far ends of the calendar are 400 invalid_request, never a 500", async () => {
    // Well-formed ISO dates all, but no service day: the calendar window around them used to
    // leave years 0001–9999 (500), and days after 2189 cannot carry a Durable Object alarm.
    for (const d of ["0001-01-01", "0001-01-20", "1899-12-31", "1999-12-31", "2100-01-01", "2190-01-01", "9999-12-31"]) {
      const day = expectProblem(await api("GET", `/api/v1/branches/hn-cn01/days/${d}`), 400, "invalid_request");
      expect(day.errors).toEqual([{ path: "date", message: expect.stringContaining("2000-01-01") }]);
      const json = { ...VALID, serviceDate: d };
      expectProblem(await api("POST", "/api/v1/tickets", { citizen: idNumber(507), json }), 400, "invalid_request");
    }
    // The edges of the supported range are ordinary (far) days.
    const first = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2000-01-03"));
    expect(first).toMatchObject({ working: true, bookable: false, refusal: { code: "service_day_past" } });
    const last = expectOk(await api("GET", "/api/v1/branches/hn-cn01/days/2099-12-31"));
    expect(last).toMatchObject({ bookable: false, refusal: { code: "too_far_ahead" } });
    expectProblem(await api("POST", "/api/v1/tickets", { citizen: idNumber(507), json: { ...VALID, serviceDate: "2099-12-31" } }), 422, "too_far_ahead");
  });

  it("counter numbers and actions outside the vocabulary are 400 invalid_request", async () => {
    const base = "/api/v1/staff/branches/hn-cn01/counters";
    for (const [n, action] of [
      ["0", "open"],
      ["-1", "open"],
      ["1.5", "open"],
      ["abc", "open"],
      ["1000", "open"],
      ["1", "explode"],
      ["1", "__proto__"],
      ["1", "constructor"],
      ["1", "call_next"],
      ["9".repeat(400), "open"],
    ]) {
      expectProblem(await api("POST", `${base}/${n}/${action}`, { staff: true }), 400, "invalid_request");
    }
    // A well-formed number no branch has is 404.
    expectProblem(await api("POST", `${base}/999/open`, { staff: true }), 404, "counter_not_found");
  });

  it("unknown routes and methods are 404 not_found", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nope"],
      ["GET", "/api/v2/branches"],
      ["GET", "/"],
      ["GET", "/.env"],
      ["DELETE", "/api/v1/tickets"],
      ["PUT", "/api/v1/branches/hn-cn01"],
      ["PATCH", "/api/v1/staff/branches/hn-cn01/today"],
      ["GET", `/api/v1/${"x/".repeat(500)}`],
    ] as const) {
      const p = expectProblem(await api(method, path, { staff: true }), 404, "not_found");
      expect(p.title).toBe("Không tìm thấy.");
    }
  });
});

describe("language of problems", () => {
  it("Vietnamese by default; English with ?lang=en or Accept-Language: en", async () => {
    const vi = expectProblem(await api("GET", "/api/v1/branches/hn-cn99"), 404, "branch_not_found");
    expect(vi.title).toBe("Không tìm thấy chi nhánh.");
    const en = await api("GET", "/api/v1/branches/hn-cn99?lang=en");
    expect(expectProblem(en, 404, "branch_not_found").title).toBe("Branch not found.");
    expect(en.headers.get("content-language")).toBe("en");
    const accept = await api("GET", "/api/v1/nope", { headers: { "accept-language": "en-US,en;q=0.9,vi;q=0.8" } });
    expect(expectProblem(accept, 404, "not_found").title).toBe("Not found.");
    const prefersVi = await api("GET", "/api/v1/nope?lang=vi", { headers: { "accept-language": "en" } });
    expect(expectProblem(prefersVi, 404, "not_found").title).toBe("Không tìm thấy.");
    const unknownLang = await api("GET", "/api/v1/nope?lang=fr");
    expect(expectProblem(unknownLang, 404, "not_found").title).toBe("Không tìm thấy.");
  });

  it("the refusal's explanation follows the language too", async () => {
    const p = expectProblem(await api("GET", "/api/v1/tickets?lang=en", await asPlatform("00109000050")), 422, "invalid_id_number");
    expect(p.title).toBe("The personal ID number is not valid.");
    expect(p.detail).toMatch(/exactly 12 digits/);
  });
});

describe("random input (property)", () => {
  // A citizen who already holds two numbers today: even a body that happens to be valid is refused.
  const full = idNumber(599);
  beforeAll(async () => {
    await booked(full, { fieldCode: "DATDAI" });
    await booked(full, { fieldCode: "TUPHAP" });
  });

  const PROBLEM_STATUSES = [400, 401, 404, 409, 413, 415, 422];

  it("any JSON value as a booking body is answered 4xx with a problem, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await api("POST", "/api/v1/tickets", { citizen: full, json: value });
        expect(PROBLEM_STATUSES).toContain(res.status);
        expect(typeof res.body.code).toBe("string");
      }),
      { numRuns: 50, seed: 20261123 },
    );
  });

  it("booking-shaped bodies with random values are answered 4xx with a problem", async () => {
    const branchId = fc.oneof(fc.constantFrom("hn-cn01", "hn-cn02", "hn-cn99"), fc.string({ maxLength: 40 }));
    const fieldCode = fc.oneof(fc.constantFrom("DATDAI", "TUPHAP", "YTE", "NOIVU", "KHONGCO"), fc.string({ maxLength: 20 }), fc.integer());
    const serviceDate = fc.oneof(
      fc.constantFrom("2026-11-22", "2026-11-23", "2026-11-27", "2026-11-29", "2026-11-30", "2026-02-30"),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.string({ maxLength: 12 }),
    );
    const body = fc.record(
      { branchId, fieldCode, serviceDate, extra: fc.jsonValue() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (json) => {
        const res = await api("POST", "/api/v1/tickets", { citizen: full, json });
        expect(PROBLEM_STATUSES).toContain(res.status);
        expect(typeof res.body.code).toBe("string");
      }),
      { numRuns: 50, seed: 20261124 },
    );
  });

  it("random printable bearer tokens, cookies and path segments never produce a 5xx", async () => {
    const printable = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,30}[\x21-\x7e]$/);
    await fc.assert(
      fc.asyncProperty(printable, fc.string({ maxLength: 60, unit: "grapheme" }), async (header, segment) => {
        const seg = encodeURIComponent(segment) || "x";
        // The same random text as the session cookie and as a bearer token: neither names anyone.
        const cookie = `__Host-sothutu_citizen=${header.replace(/[;\s]/g, "")}`;
        const forged = await api("GET", `/api/v1/tickets/${seg}`, { headers: { cookie, authorization: `Bearer ${header}` } });
        expect(forged.status).toBe(401);
        const one = await api("GET", `/api/v1/tickets/${seg}`, { citizen: full });
        expect(one.status).toBe(404);
        const two = await api("GET", `/api/v1/branches/${seg}/days`);
        expect([400, 404]).toContain(two.status);
        const three = await api("POST", `/api/v1/staff/branches/hn-cn01/counters/${seg}/recall`, { staff: true });
        expect([400, 404, 409]).toContain(three.status);
      }),
      { numRuns: 50, seed: 20261125 },
    );
    // 200 requests: allow for a loaded machine running every file at once.
  }, 30_000);
});
