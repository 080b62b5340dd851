/**
 * The daily retention job (cron → `scheduled` → worker/privacy/retention.ts): history older than
 * HISTORY_RETENTION_DAYS (365 in wrangler.toml) is unlinked from people, citizens not seen for
 * that long are forgotten, and counts still add up.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testClock } from "../../shared/clock";
import worker from "../../worker/index";
import { CHUNK_ROWS } from "../../worker/privacy/anonymize";
import { runRetention } from "../../worker/privacy/retention";
import { hanoi } from "../support/plans";
import { seedDemoCenter } from "../support/world";

const NOW = hanoi("2026-11-23", "02:00");
const DAY_MS = 86_400_000;

beforeAll(seedDemoCenter);
beforeEach(async () => {
  testClock.set(NOW);
  await env.DB.batch([env.DB.prepare("DELETE FROM ticket_history"), env.DB.prepare("DELETE FROM citizens"), env.DB.prepare("DELETE FROM citizen_consents")]);
});
afterAll(() => testClock.release());

/** `n` history rows of one service day, citizens `key-0…key-(people-1)` in turn. */
async function history(date: string, n: number, people: number, status = "served"): Promise<void> {
  const at = hanoi(date, "09:00");
  await env.DB.prepare(
    `INSERT INTO ticket_history (id, branch_id, service_date, seq, field_code, number, label, channel, citizen_key, status, registered_at, call_count, version, flushed_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT 'hn-cn01:' || ?2 || ':' || i, 'hn-cn01', ?2, i, 'DATDAI', i, 'A' || i, 'online', 'key-' || (i % ?3), ?4, ?5, 1, 1, ?5 FROM n`,
  )
    .bind(n, date, people, status, at)
    .run();
}

async function citizen(key: string, lastSeenAt: number): Promise<void> {
  await env.DB.prepare("INSERT INTO citizens (key, masked, first_seen_at, last_seen_at) VALUES (?, '001******999', ?, ?)").bind(key, lastSeenAt - DAY_MS, lastSeenAt).run();
}

async function consent(key: string, givenAt: number): Promise<void> {
  await env.DB.prepare("INSERT INTO citizen_consents (citizen_key, policy_version, given_at) VALUES (?, '2025-01', ?)").bind(key, givenAt).run();
}

async function linkedOn(date: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM ticket_history WHERE service_date = ? AND citizen_key NOT LIKE 'anon:%'").bind(date).first<number>("n"))!;
}

async function countsOn(date: string) {
  return (await env.DB.prepare("SELECT field_code, status, COUNT(*) AS n FROM ticket_history WHERE service_date = ? GROUP BY 1, 2").bind(date).all()).results;
}

describe("retention", () => {
  it("unlinks history older than 365 days (a token per row), keeps newer rows, and the counts", async () => {
    await history("2025-11-20", 40, 7); // 368 days before: out of retention
    await history("2025-11-24", 30, 7); // 364 days before: kept as is
    const before = await countsOn("2025-11-20");

    const report = await runRetention(env);
    expect(report).toMatchObject({ retentionDays: 365, cutoffDate: "2025-11-23", historyRowsAnonymized: 40, complete: true });
    expect(await linkedOn("2025-11-20")).toBe(0);
    expect(await linkedOn("2025-11-24")).toBe(30);
    expect(await countsOn("2025-11-20")).toEqual(before);
    const tokens = (await env.DB.prepare("SELECT citizen_key FROM ticket_history WHERE service_date = '2025-11-20'").all<{ citizen_key: string }>()).results.map((r) => r.citizen_key);
    expect(new Set(tokens).size).toBe(40);
    for (const t of tokens) expect(t).toMatch(/^anon:[0-9a-f]{32}$/);
  });

  it("forgets citizens not seen for the period once no history row names them, and their old consents", async () => {
    const old = NOW - 400 * DAY_MS;
    await history("2025-10-01", 3, 3); // key-0, key-1, key-2, all out of retention
    await history("2026-11-02", 1, 1); // key-0 again, recently
    await citizen("key-0", NOW - 21 * DAY_MS);
    await citizen("key-1", old);
    await citizen("key-2", old);
    await citizen("never-booked", old);
    await consent("key-0", old);
    await consent("key-1", old);
    await consent("key-9-no-citizen-row-recent", NOW - DAY_MS);

    const report = await runRetention(env);
    expect(report).toMatchObject({ citizensDeleted: 3, consentsDeleted: 1, complete: true });
    const keys = (await env.DB.prepare("SELECT key FROM citizens ORDER BY key").all<{ key: string }>()).results.map((r) => r.key);
    expect(keys).toEqual(["key-0"]);
    const consents = (await env.DB.prepare("SELECT citizen_key FROM citizen_consents ORDER BY 1").all<{ citizen_key: string }>()).results.map((r) => r.citizen_key);
    expect(consents).toEqual(["key-0", "key-9-no-citizen-row-recent"]);
  });

  it("works in chunks of short statements and continues where a run with too small a budget stopped", async () => {
    const rows = 2 * CHUNK_ROWS + 234;
    await history("2024-06-03", rows, 300);
    const first = await runRetention(env, NOW, { maxStatements: 2 });
    expect(first).toMatchObject({ historyRowsAnonymized: 2 * CHUNK_ROWS, complete: false });
    expect(await linkedOn("2024-06-03")).toBe(234);
    const second = await runRetention(env);
    expect(second).toMatchObject({ historyRowsAnonymized: 234, complete: true });
    expect(await linkedOn("2024-06-03")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(DISTINCT citizen_key) AS n FROM ticket_history").first("n")).toBe(rows);
  });

  it("finds its work through the partial index of linked rows, not by scanning the table", async () => {
    const plan = await env.DB.prepare(
      `EXPLAIN QUERY PLAN SELECT id FROM ticket_history WHERE service_date < ? AND citizen_key NOT LIKE 'anon:%' LIMIT ${CHUNK_ROWS}`,
    )
      .bind("2025-11-23")
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" | ")).toMatch(/ticket_history_linked_by_date/);
  });

  it("a misconfigured period is not guessed: nothing changes, an error is logged (without data)", async () => {
    await history("2020-01-06", 5, 5);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["", "0", "-30", "365 days", "1e3", "3.5"]) {
      expect(await runRetention({ ...env, HISTORY_RETENTION_DAYS: bad })).toBeNull();
    }
    expect(await linkedOn("2020-01-06")).toBe(5);
    expect(logged.mock.calls.every((c) => String(c[0]).startsWith("retention skipped"))).toBe(true);
    logged.mockRestore();
  });

  it("the cron trigger runs it: scheduled() with a scheduled controller", async () => {
    await history("2025-01-06", 12, 4);
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: NOW, cron: "0 19 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await linkedOn("2025-01-06")).toBe(0);
    expect(info).toHaveBeenCalledWith("retention run", expect.stringContaining('"historyRowsAnonymized":12'));
    info.mockRestore();
  });
});
