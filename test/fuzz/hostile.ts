/**
 * Hostile input for the fuzz tests (issue 7): bodies, strings, headers and path segments a
 * careless or malicious client could send. fast-check arbitraries, shared by the HTTP and the
 * WebSocket fuzzers.
 */
import fc from "fast-check";
import { MAX_BODY_BYTES } from "../../worker/http/body";

/** Strings that have broken parsers, databases and renderers before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800", // lone high surrogate
  "\uDFFF", // lone low surrogate
  "x\uD83Dy", // broken pair
  "\u202Eevil\u202C", // right-to-left override
  "\u200B\u200C\u200D\u2060", // zero-width
  "\uFEFF", // byte order mark
  "مرحبا", // Arabic (RTL)
  "שלום",
  "Nguyễn Văn A",
  "Ｎｇｕｙｅｎ", // full-width
  "🧑‍🤝‍🧑🇻🇳",
  "e\u0301\u0301\u0301\u0301", // stacked combining marks
  "' OR 1=1 --",
  "'; DROP TABLE tickets; --",
  "../../../../etc/passwd",
  "%00",
  "%E0%A4%A",
  "<script>alert(1)</script>",
  "${7*7}{{7*7}}",
  "__proto__",
  "constructor",
  "toString",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "001090012345", // an ID number where none belongs
  "0".repeat(300),
  "A".repeat(5000),
];

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
);

/** Values of the wrong type for any field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, -1e308, [], {}, [null], { $ne: null }, { __proto__: { admin: true } }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** An example body with one field replaced, removed, or one key added. */
export function mutatedBody(example: unknown): fc.Arbitrary<unknown> {
  if (!example || typeof example !== "object" || Array.isArray(example)) return fc.jsonValue({ maxDepth: 3 });
  const keys = Object.keys(example as object);
  const replace = keys.length
    ? fc.tuple(fc.constantFrom(...keys), wrongValue).map(([k, v]) => ({ ...(example as object), [k]: v }))
    : fc.constant(example);
  const remove = keys.length
    ? fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(example as object).filter(([key]) => key !== k)))
    : fc.constant({});
  const addKey = fc.tuple(nastyString, wrongValue).map(([k, v]) => ({ ...(example as object), [k || "extra"]: v }));
  return fc.oneof(replace, remove, addKey, fc.constant(example));
}

/** A request body as bytes or text, and the content type it is sent with (null: none). */
export interface HostileBody {
  kind: string;
  body: string | Uint8Array | null;
  contentType: string | null;
}

const MALFORMED_JSON = ["{", "}", "[1,2", '{"a":', '{"a":1,}', "{'a':1}", "nul", "tru", '"unterminated', "NaN", "1e99999", "{}{}", "[]]", '{"a":"\\x41"}', '{"a":"\\ud800"}', "\u0000", "\uFEFF{}"];

function nested(depth: number, open: string, close: string): string {
  return open.repeat(depth) + close.repeat(depth);
}

export const hostileBody = (example: unknown): fc.Arbitrary<HostileBody> =>
  fc.oneof(
    fc.constantFrom(...MALFORMED_JSON).map((t) => ({ kind: "malformed json", body: t, contentType: "application/json" })),
    fc.string({ unit: "binary", maxLength: 60 }).map((t) => ({ kind: "random text", body: t, contentType: "application/json" })),
    mutatedBody(example).map((v) => ({ kind: "wrong types", body: JSON.stringify(v), contentType: "application/json" })),
    fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: "any json", body: JSON.stringify(v) ?? "null", contentType: "application/json" })),
    fc.integer({ min: 500, max: 7000 }).map((d) => ({ kind: "deep array", body: nested(d, "[", "]"), contentType: "application/json" })),
    fc.integer({ min: 200, max: 1500 }).map((d) => ({ kind: "deep object", body: `${'{"a":'.repeat(d)}1${"}".repeat(d)}`, contentType: "application/json" })),
    fc.integer({ min: MAX_BODY_BYTES + 1, max: MAX_BODY_BYTES * 8 }).map((n) => ({ kind: "huge", body: JSON.stringify({ a: "x".repeat(n) }), contentType: "application/json" })),
    fc.integer({ min: 1000, max: MAX_BODY_BYTES - 100 }).map((n) => ({ kind: "long field", body: JSON.stringify({ ...(typeof example === "object" && example ? example : {}), label: "Ư".repeat(n / 3) }), contentType: "application/json" })),
    fc.constantFrom(
      new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
      new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"a":"<CESU lone surrogate>"}
      new Uint8Array([0xc0, 0xaf]),
    ).map((b) => ({ kind: "invalid utf-8", body: b, contentType: "application/json" })),
    fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/xml", "").map((t) => ({
      kind: "wrong content type",
      body: JSON.stringify(example ?? {}),
      contentType: t,
    })),
    fc.constant({ kind: "no body", body: null, contentType: null }),
  );

/** Headers that lie or overflow (values stay legal header text: the Headers API refuses others). */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    authorization: fc.constantFrom(
      "Bearer",
      "Bearer ",
      "Bearer x",
      "Basic Zm9vOmJhcg==",
      `Bearer ${"a".repeat(9000)}`,
      "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
      "Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
      "Bearer a.b.c.d.e",
      "Bearer \t",
    ),
    cookie: fc.constantFrom(
      `__Host-sothutu_citizen=${"x".repeat(8000)}`,
      "__Host-sothutu_citizen=%%%; __Host-sothutu_staff=%E0%A4%A",
      "__Host-sothutu_staff=eyJhbGciOiJub25lIn0.e30.",
      `a=${"b".repeat(100)}; `.repeat(60),
      ";;;=;",
    ),
    "accept-language": fc.constantFrom("en", "vi", "*", "zz-ZZ;q=abc", "en;q=0, vi;q=0", "x".repeat(500)),
    "content-length": fc.constantFrom("99999999", "0", "-1", "abc", "1"),
    "idempotency-key": fc.constantFrom("fuzz-key-1", "fuzz-key-2", "fuzz-key-3", "", " ", "x".repeat(300), "key with spaces"),
    "x-forwarded-for": fc.constantFrom("127.0.0.1", "::1, 10.0.0.1"),
  },
  { requiredKeys: [] },
);

/** A hostile value for one path segment (already percent-encoded where it must be). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  nastyString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))),
  fc.constantFrom("%", "%E0%A4%A", "%FF", "%00", "..", "%2E%2E", "%2F..%2F", "a%2Fb", "-1", "0", "99999999999999999999", "1e3", "hn-cn01:2026-11-23:0", "hn-cn01:2026-13-45:1", "x".repeat(3000)),
);

/** A hostile query string (without the "?"). */
export const hostileQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.constantFrom("limit=-1", "limit=0", "limit=1e9", "limit=abc", "cursor=!!!", "cursor=eyJpZCI6LTF9", "cursor=" + "A".repeat(600), "before=-5", "lang=xx", "token=", "token=" + "t".repeat(3000), "from=2026-02-30&to=1999-01-01", "a=1&a=2&a=3", "%=%", "&&&", "limit=5&limit=6"),
  fc.array(fc.tuple(nastyString, nastyString), { maxLength: 4 }).map((pairs) =>
    pairs.map(([k, v]) => `${encodeURIComponent(k.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))}`).join("&"),
  ),
);
