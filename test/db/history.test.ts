import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { demoSeedStatements } from "../../seed/demo-center";
import { type TicketHistoryRow, upsertTicketHistory } from "../../worker/db/history";

// D1 storage is isolated per test file, not per test: each test starts from an empty archive.
beforeEach(async () => {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM ticket_history"),
    env.DB.prepare("DELETE FROM citizens"),
    ...demoSeedStatements().map((s) => env.DB.prepare(s)),
  ]);
});

// 2026-03-02 (a Monday) 08:05 in Hanoi.
const T0 = Date.UTC(2026, 2, 2, 1, 5);

/** The keyed hash a real deployment computes from the ID number (HMAC-SHA-256, base64url). */
async function citizenKeyOf(idNumber: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("test-only-secret"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(idNumber)));
  return btoa(String.fromCharCode(...mac)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const maskOf = (idNumber: string) => `${idNumber.slice(0, 3)}******${idNumber.slice(-3)}`;

function ticket(seq: number, over: Partial<TicketHistoryRow> = {}): TicketHistoryRow {
  return {
    id: `hn-cn01:2026-03-02:${seq}`,
    branchId: "hn-cn01",
    serviceDate: "2026-03-02",
    seq,
    fieldCode: "DATDAI",
    originalFieldCode: null,
    number: seq,
    label: `A${String(seq).padStart(3, "0")}`,
    channel: "online",
    priority: null,
    citizenKey: `citizen-${seq}`,
    citizenMasked: "001******345",
    status: "waiting",
    registeredAt: T0 + seq * 1000,
    arrivedAt: null,
    verifiedBy: null,
    calledAt: null,
    counterNumber: null,
    callCount: 0,
    startedAt: null,
    endedAt: null,
    version: 1,
    ...over,
  };
}

async function historyRows() {
  return (await env.DB.prepare("SELECT * FROM ticket_history ORDER BY id").all()).results;
}
async function citizenRows() {
  return (await env.DB.prepare("SELECT * FROM citizens ORDER BY key").all()).results;
}
async function historyRow(id: string) {
  return env.DB.prepare("SELECT * FROM ticket_history WHERE id = ?").bind(id).first();
}

describe("archiving a branch-day's tickets", () => {
  it("a flush retried twice changes nothing, not even the time it was flushed", async () => {
    const rows = [
      ticket(1, { status: "served", calledAt: T0 + 60_000, counterNumber: 3, callCount: 1, startedAt: T0 + 90_000, endedAt: T0 + 600_000, arrivedAt: T0 + 30_000, verifiedBy: "chip_qr", version: 5 }),
      ticket(2, { channel: "kiosk" }),
      ticket(3, { channel: "reception", priority: "elderly", citizenKey: "citizen-1" }),
    ];
    await upsertTicketHistory(env.DB, rows, T0 + 1_000_000);
    const once = { history: await historyRows(), citizens: await citizenRows() };
    await upsertTicketHistory(env.DB, rows, T0 + 2_000_000);
    await upsertTicketHistory(env.DB, rows, T0 + 3_000_000);
    expect({ history: await historyRows(), citizens: await citizenRows() }).toEqual(once);

    expect(once.history).toHaveLength(3);
    expect(once.history[0]).toMatchObject({
      id: "hn-cn01:2026-03-02:1",
      branch_id: "hn-cn01",
      service_date: "2026-03-02",
      status: "served",
      label: "A001",
      counter_number: 3,
      verified_by: "chip_qr",
      version: 5,
      flushed_at: T0 + 1_000_000,
    });
    expect(once.citizens.map((c) => c.key)).toEqual(["citizen-1", "citizen-2"]);
  });

  it("a late, older flush never overwrites a newer state of the ticket", async () => {
    const id = "hn-cn01:2026-03-02:7";
    const called = ticket(7, { status: "called", calledAt: T0 + 60_000, counterNumber: 2, callCount: 1, version: 2 });
    const served = { ...called, status: "served" as const, startedAt: T0 + 70_000, endedAt: T0 + 400_000, version: 3 };

    await upsertTicketHistory(env.DB, [served], T0 + 500_000);
    await upsertTicketHistory(env.DB, [called], T0 + 600_000); // the retry of an earlier flush
    expect(await historyRow(id)).toMatchObject({ status: "served", version: 3, ended_at: T0 + 400_000, flushed_at: T0 + 500_000 });

    // A newer version still goes through: the ticket is later transferred to another field.
    const transferred = { ...served, fieldCode: "TUPHAP", originalFieldCode: "DATDAI", number: 2003, label: "2003", version: 4 };
    await upsertTicketHistory(env.DB, [transferred], T0 + 700_000);
    expect(await historyRow(id)).toMatchObject({
      field_code: "TUPHAP",
      original_field_code: "DATDAI",
      label: "2003",
      version: 4,
      flushed_at: T0 + 700_000,
    });
  });

  it("keeps the newest version when one flush carries the same ticket twice", async () => {
    await upsertTicketHistory(env.DB, [ticket(8, { status: "no_show", version: 6 }), ticket(8, { status: "called", version: 5 })], T0);
    expect(await historyRow("hn-cn01:2026-03-02:8")).toMatchObject({ status: "no_show", version: 6 });
  });

  it("archives 250 tickets of 125 citizens in one call (statements stay under D1's 100 bound parameters)", async () => {
    const rows = Array.from({ length: 250 }, (_, i) =>
      ticket(i + 1, { citizenKey: `citizen-${(i % 125) + 1}`, status: i % 5 === 0 ? "expired" : "served", version: 3 }),
    );
    await upsertTicketHistory(env.DB, rows, T0 + 9_000_000);
    const count = await env.DB.prepare("SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM ticket_history").first();
    expect(count).toEqual({ n: 250, lo: 1, hi: 250 });
    expect((await citizenRows()).length).toBe(125);

    // And the same again is still a no-op.
    const before = await historyRows();
    await upsertTicketHistory(env.DB, rows, T0 + 9_500_000);
    expect(await historyRows()).toEqual(before);
  });

  it("D1 itself refuses a statement with more than 100 bound parameters (why flushes are chunked)", async () => {
    const select = (n: number) =>
      env.DB.prepare(`SELECT count(*) AS n FROM (VALUES ${Array.from({ length: n }, () => "(?)").join(", ")})`)
        .bind(...Array.from({ length: n }, (_, i) => i))
        .first();
    await expect(select(100)).resolves.toEqual({ n: 100 });
    await expect(select(101)).rejects.toThrow(/too many SQL variables/);
  });

  it("an empty flush does nothing", async () => {
    await upsertTicketHistory(env.DB, [], T0);
    expect(await historyRows()).toEqual([]);
  });
});

describe("citizens in the archive", () => {
  const idNumber = "001203012345";

  it("are known by a keyed hash and a masked ID number; the ID number itself is stored nowhere", async () => {
    const key = await citizenKeyOf(idNumber);
    await upsertTicketHistory(
      env.DB,
      [ticket(1, { citizenKey: key, citizenMasked: maskOf(idNumber) }), ticket(2, { citizenKey: key, citizenMasked: maskOf(idNumber), fieldCode: "TUPHAP", number: 2001, label: "2001" })],
      T0 + 100_000,
    );
    const citizens = await citizenRows();
    expect(citizens).toEqual([
      { key, masked: "001******345", first_seen_at: T0 + 1000, last_seen_at: T0 + 2000 },
    ]);

    const tables = (
      await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()
    ).results.map((r) => r.name);
    expect(tables).toContain("citizens");
    for (const table of tables) {
      const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${table}"`).all()).results);
      expect(dump, table).not.toContain(idNumber);
      expect(dump, table).not.toContain(idNumber.slice(3, 9));
    }
  });

  it("keep the day they were first seen while the last-seen day moves on", async () => {
    const key = await citizenKeyOf(idNumber);
    const monday = ticket(1, { citizenKey: key, citizenMasked: maskOf(idNumber) });
    const nextDay = {
      ...ticket(1, { citizenKey: key, citizenMasked: maskOf(idNumber) }),
      id: "hn-cn02:2026-03-03:1",
      branchId: "hn-cn02",
      serviceDate: "2026-03-03",
      registeredAt: T0 + 86_400_000,
    };
    await upsertTicketHistory(env.DB, [monday], T0 + 10_000);
    await upsertTicketHistory(env.DB, [nextDay], T0 + 86_500_000);
    // A late retry of Monday's flush does not move last-seen back.
    await upsertTicketHistory(env.DB, [monday], T0 + 86_600_000);
    expect(await citizenRows()).toEqual([
      { key, masked: "001******345", first_seen_at: T0 + 1000, last_seen_at: T0 + 86_400_000 },
    ]);
  });

  it("a flush that carries a full ID number instead of a masked one is refused, and nothing is written", async () => {
    await expect(
      upsertTicketHistory(env.DB, [ticket(1), ticket(2, { citizenMasked: idNumber })], T0),
    ).rejects.toThrow(/masked/);
    await expect(
      upsertTicketHistory(env.DB, [ticket(3, { citizenKey: idNumber })], T0),
    ).rejects.toThrow();
    expect(await historyRows()).toEqual([]);
    expect(await citizenRows()).toEqual([]);
  });

  it("a citizen key that happens to hold seven digits in a row (an HMAC can) is archived like any other", async () => {
    // Found by the rush benchmark: such a key once blocked its whole batch from reaching D1.
    const unlucky = "Ab3_1234567x-Yz09qRsTuVwXyZaBcDeFgHiJkLmNoP";
    await upsertTicketHistory(env.DB, [ticket(1, { citizenKey: unlucky })], T0);
    expect((await historyRows()).length).toBe(1);
  });
});
