/**
 * Hostile input against EVERY route of the API (issue 7), taken from the contract registry, which
 * test/contract/routes.test.ts proves equal to `app.routes`: malformed JSON, wrong types, huge
 * and deeply nested bodies, unicode edge cases (lone surrogates, RTL, zero-width, NUL), bad
 * path segments and queries, lying or overflowing headers (content type, content length,
 * cookies, Authorization), reused Idempotency-Keys — sent as nobody, as a signed-in citizen, as
 * an administrator, or with a forged credential.
 *
 * What must hold, whatever arrives (support/http.ts `api()` checks the first three on every
 * answer): never a 5xx; never a stack trace or file path in a body; every error an RFC 9457
 * problem+json whose `code` is a known one that the contract documents for the route; and a refused request changes nothing — the D1
 * tables and the branch-day's state (tickets, counters) are the same after it as before.
 *
 * Bounded: a fixed number of cases per route (more for state-changing ones).
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../../shared/problems";
import { documentedProblemCodes } from "../../worker/openapi/document";
import { isStateChanging, type RouteDoc } from "../../worker/openapi/registry";
import { documentedRoutes } from "../../worker/openapi/routes";
import { api, booked, closeService, counter, expectOk, openService, type ApiResponse, type CallOptions } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";
import { bearerFor, seedStaff, type TestStaff } from "../support/staff";
import { hostileBody, hostileHeaders, hostileQuery, hostileSegment, type HostileBody } from "./hostile";

const BRANCH = "hn-cn01";
/** Cases per route: reads are cheap to refuse, writes are checked against a state snapshot each. */
const RUNS_READ = 6;
const RUNS_WRITE = 12;

/** Bookkeeping that records refusals on purpose (failed sign-ins lock accounts; audits of failures). */
const EXCLUDED_TABLES = new Set(["staff_audit_log", "platform_usage", "d1_migrations"]);
const EXCLUDED_COLUMNS = new Set(["failed_logins", "locked_until", "updated_at"]);

let tables: string[] = [];
let fuzzAdmin: TestStaff;

/** Every row of every D1 table (less deliberate refusal bookkeeping), as one comparable text. */
async function d1State(): Promise<string> {
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT * FROM "${t}" ORDER BY rowid`)));
  return JSON.stringify(
    results.map((r, i) => [tables[i], (r.results as Array<Record<string, unknown>>).map((row) => Object.entries(row).filter(([k]) => !EXCLUDED_COLUMNS.has(k)))]),
  );
}

/** The branch-day as staff see it: fields (issued, waiting, now serving) and counters. */
async function dayState(): Promise<string> {
  const res = await api("GET", `/api/v1/staff/branches/${BRANCH}/today`, { staff: true });
  expect(res.status).toBe(200);
  return JSON.stringify(res.body);
}

async function snapshot(): Promise<string> {
  return `${await d1State()}\n${await dayState()}`;
}

const KNOWN_CODES = new Set(Object.keys(PROBLEMS));

type Who = "nobody" | "citizen" | "staff" | "forged";

interface Case {
  who: Who;
  citizenN: number;
  params: Record<string, string>;
  query: string;
  body: HostileBody;
  headers: Record<string, string>;
}

function exampleOf(route: RouteDoc) {
  return route.examples?.[0];
}

function caseArb(route: RouteDoc): fc.Arbitrary<Case> {
  const ex = exampleOf(route);
  const names = Object.keys(route.params?.shape ?? {});
  const params = fc.record(
    Object.fromEntries(
      names.map((n) => {
        const good = ex?.params?.[n];
        return [n, good === undefined ? hostileSegment : fc.oneof({ weight: 2, arbitrary: fc.constant(encodeURIComponent(good)) }, { weight: 1, arbitrary: hostileSegment })];
      }),
    ) as Record<string, fc.Arbitrary<string>>,
  );
  const who = fc.constantFrom<Who>(...(route.auth.includes("staff") ? (["staff", "staff", "nobody", "forged"] as Who[]) : (["citizen", "nobody", "forged", "staff"] as Who[])));
  return fc.record({
    who,
    citizenN: fc.integer({ min: 1, max: 60 }),
    params,
    query: hostileQuery,
    body: hostileBody(ex?.body),
    headers: hostileHeaders,
  });
}

async function requestOf(route: RouteDoc, c: Case): Promise<{ path: string; opts: CallOptions }> {
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, n: string) => c.params[n] ?? "x");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) {
    // A forged or overflowing credential only when the case is not signed in properly.
    if ((k === "authorization" || k === "cookie") && c.who !== "forged") continue;
    headers[k] = v;
  }
  if (c.body.contentType !== null) headers["content-type"] = c.body.contentType;
  const opts: CallOptions = { headers };
  if (c.body.body !== null) opts.body = c.body.body;
  if (c.who === "citizen") opts.citizen = idNumber(6000 + c.citizenN);
  // An administrator of its own, with a fresh session each case: a fuzzed sign-out or password
  // change ends its sessions, never the ones the state snapshots read with.
  if (c.who === "staff") opts.staff = await bearerFor(fuzzAdmin);
  return { path: c.query ? `${path}?${c.query}` : path, opts };
}

/** Sends, tolerating only the test runtime's own refusal to build a request (never the Worker's answer). */
async function send(method: string, path: string, opts: CallOptions): Promise<ApiResponse | null> {
  try {
    return await api(method, path, opts);
  } catch (err) {
    // e.g. a Content-Length the runtime itself will not send: not a request the Worker could get.
    if (err instanceof TypeError && /content-length|body|header/i.test(err.message)) return null;
    throw err;
  }
}

/** Every documented route but the static docs page (no input, HTML answer). */
export const FUZZED_ROUTES = documentedRoutes.filter((r) => r.path !== "/api/v1/docs");

/** Registers the fuzz tests of these routes in the calling test file (its own D1 and objects). */
export function hostileRequestsTo(title: string, routes: RouteDoc[]): void {
  beforeAll(async () => {
    await openService(hanoi(MONDAY, "09:00"));
    fuzzAdmin = await seedStaff({ username: "fuzz.admin", role: "admin" });
    tables = (await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name`).all<{ name: string }>()).results
      .map((r) => r.name)
      .filter((t) => !EXCLUDED_TABLES.has(t));
    // A day with something in it: tickets waiting, a counter open and serving.
    for (let i = 1; i <= 5; i++) await booked(idNumber(6100 + i));
    expectOk(await counter(BRANCH, 1, "open", {}));
    expectOk(await counter(BRANCH, 1, "call-next"));
  });
  afterAll(closeService);

  describe(title, () => {
    for (const route of routes) {
      const method = route.method.toUpperCase();
      const writes = isStateChanging(method);
      it(`${method} ${route.path}: no 5xx, no stack trace, known problem codes${writes ? ", no change when refused" : ""}`, async () => {
        let before = writes ? await snapshot() : "";
        await fc.assert(
          fc.asyncProperty(caseArb(route), async (c) => {
            const { path, opts } = await requestOf(route, c);
            const res = await send(method, path, opts);
            if (res === null) return;
            if (res.status >= 400) {
              expect(KNOWN_CODES.has(res.body.code), `unknown problem code ${res.body.code} from ${method} ${path}`).toBe(true);
              // The contract names every refusal a route can give (worker/openapi/).
              expect([...documentedProblemCodes(route)], `${method} ${path}: ${res.body.code} is not documented for this route`).toContain(res.body.code);
            }
            if (!writes) return;
            const after = await snapshot();
            if (res.status >= 400) expect(after, `${method} ${path} was refused (${res.body.code}) but changed state`).toBe(before);
            before = after;
          }),
          { numRuns: writes ? RUNS_WRITE : RUNS_READ },
        );
      });
    }
  });
}
