/**
 * The typed client (shared/api-client.ts) against the running Worker: the generated types and the
 * openapi-fetch runtime reach the real routes, problems arrive as ApiProblem with their code, and
 * an Idempotency-Key makes a retried booking answer the same ticket.
 */
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiProblem, createApiClient, newIdempotencyKey, unwrap } from "../../shared/api-client";
import { citizenCookie, closeService, openService } from "../support/http";
import { hanoi, idNumber, MONDAY } from "../support/plans";

const ORIGIN = "http://sothutu.test";

function clientFor(cookie?: string, lang: "vi" | "en" = "vi") {
  return createApiClient({
    baseUrl: ORIGIN,
    lang,
    fetch: (input: Request) => {
      const req = new Request(input);
      if (cookie) req.headers.set("cookie", cookie);
      req.headers.set("cf-connecting-ip", "198.19.0.7");
      return exports.default.fetch(req);
    },
  });
}

beforeAll(() => openService(hanoi(MONDAY, "09:00")));
afterAll(closeService);

describe("the typed client", () => {
  it("reads a branch's bookable days with typed path parameters", async () => {
    const days = await unwrap(clientFor().GET("/api/v1/branches/{branchId}/days", { params: { path: { branchId: "hn-cn01" } } }));
    expect(days.branchId).toBe("hn-cn01");
    expect(days.days[0]!.date).toBe(MONDAY);
  });

  it("books with an Idempotency-Key, and the retry answers the same ticket", async () => {
    const api = clientFor(await citizenCookie(idNumber(880)));
    const key = newIdempotencyKey();
    const call = () => api.POST("/api/v1/tickets", { body: { branchId: "hn-cn01", fieldCode: "DATDAI" }, params: { header: { "Idempotency-Key": key } } });
    const first = await unwrap(call());
    const retry = await unwrap(call());
    expect(first.replay).toBe(false);
    expect(retry).toMatchObject({ replay: true, ticket: { id: first.ticket.id, label: first.ticket.label } });
  });

  it("turns a refusal into ApiProblem with its stable code and English title on request", async () => {
    const err = await unwrap(clientFor(undefined, "en").GET("/api/v1/branches/{branchId}", { params: { path: { branchId: "nowhere" } } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblem);
    expect((err as ApiProblem).code).toBe("branch_not_found");
    expect((err as ApiProblem).status).toBe(404);
    expect((err as ApiProblem).problem.title).toBe("Branch not found.");
  });
});
