/**
 * The citizen half of the authorization matrix: every route that names a ticket × the ticket's
 * holder / another signed-in citizen / nobody. The routes come from the Hono app itself, so a new
 * ticket route fails here until it is added to the table. Another citizen learns nothing: their
 * answer is the same "not found" as for a ticket that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { api, booked, closeService, openService } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";

const HOLDER = idNumber(7_001);
const OTHER = idNumber(7_002);
const PUSH = { endpoint: "https://fcm.googleapis.com/fcm/send/abc", keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" } };

/** Each ticket route, how to call it, and what its holder gets. */
const ROUTES: Record<string, { body?: unknown; holderStatus: number }> = {
  "GET /api/v1/tickets/:ticketId": { holderStatus: 200 },
  "POST /api/v1/tickets/:ticketId/push-subscription": { body: PUSH, holderStatus: 201 },
  "DELETE /api/v1/tickets/:ticketId/push-subscription": { holderStatus: 200 },
  // Not served yet: the holder is told it cannot be rated (shared/ratings.ts).
  "GET /api/v1/tickets/:ticketId/rating": { holderStatus: 200 },
  "POST /api/v1/tickets/:ticketId/rating": { body: { score: 5 }, holderStatus: 409 },
  // Last: cancelling changes the ticket for good.
  "POST /api/v1/tickets/:ticketId/cancel": { holderStatus: 200 },
};

function ticketRoutesOfApp(): string[] {
  const keys = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/tickets/:ticketId")).map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)].sort();
}

let ticketId: string;

beforeAll(async () => {
  await openService(hanoi(MONDAY, "09:00"));
  ticketId = (await booked(HOLDER, { fieldCode: "XAYDUNG" })).id;
});
afterAll(() => closeService());

describe("who may use a ticket's routes", () => {
  it("the table covers every ticket route the app has", () => {
    expect(ticketRoutesOfApp()).toEqual(Object.keys(ROUTES).sort());
  });

  for (const [key, rule] of Object.entries(ROUTES)) {
    const [method, pattern] = key.split(" ") as [string, string];
    it(`${key}: nobody → 401, another citizen → 404, the holder → ${rule.holderStatus}`, async () => {
      const path = pattern.replace(":ticketId", ticketId);
      const json = rule.body;
      expect((await api(method, path, { json })).status).toBe(401);
      const other = await api(method, path, { citizen: OTHER, json });
      expect(other.status).toBe(404);
      expect(other.body).toMatchObject({ code: "ticket_not_found" });
      expect((await api(method, path, { citizen: HOLDER, json })).status).toBe(rule.holderStatus);
    });
  }

  it("a live view opens only with the token made for that ticket", async () => {
    const own = await api("GET", `/api/v1/tickets/${ticketId}`, { citizen: HOLDER });
    const token = (own.body as { live: { token: string } }).live.token;
    expect((await api("GET", `/api/v1/live/tickets/${ticketId}?token=${token}`)).status).toBe(200);
    const theirs = (await booked(OTHER, { fieldCode: "XAYDUNG" })).id as string;
    expect((await api("GET", `/api/v1/live/tickets/${theirs}?token=${token}`)).status).toBe(404);
  });
});
