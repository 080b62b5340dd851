/**
 * Proof: after a whole service day (test/privacy/day-flow.ts), no ID number used that day, no
 * phone number (in any spelling), no name, address or date of birth read from a chip card's QR
 * code appears in clear anywhere the service stores data: every table of D1, and every table of
 * every branch-day and citizen-ledger Durable Object's SQLite storage. Masked IDs
 * ("001******001"), keyed hashes and ciphertext are what may be there.
 */
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeService, openService } from "../support/http";
import { hanoi } from "../support/plans";
import { DAY, runDayOfService, type DayOfService } from "./day-flow";

let day: DayOfService;

beforeAll(async () => {
  await openService(hanoi(DAY, "08:00"));
  day = await runDayOfService();
}, 120_000);
afterAll(closeService);

interface Cell {
  where: string;
  text: string;
}

// Tables named sqlite_* and _cf_* are the runtime's own (and not readable); every other one is scanned.

/** Every value of a row as text (blobs as latin-1, so bytes that spell digits are seen too). */
function cellsOf(where: string, row: Record<string, unknown>): Cell[] {
  return Object.entries(row).map(([column, v]) => ({
    where: `${where}.${column}`,
    text: v instanceof ArrayBuffer ? String.fromCharCode(...new Uint8Array(v)) : v === null ? "" : String(v),
  }));
}

async function d1Cells(): Promise<{ tables: string[]; cells: Cell[] }> {
  const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) <> '_cf_'").all<{ name: string }>()).results.map((r) => r.name);
  const cells: Cell[] = [];
  for (const name of tables) {
    const rows = (await env.DB.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all<Record<string, unknown>>()).results;
    rows.forEach((row, i) => cells.push(...cellsOf(`D1 ${name}[${i}]`, row)));
  }
  return { tables, cells };
}

async function objectCells(namespace: DurableObjectNamespace, label: string): Promise<{ objects: number; tables: Set<string>; cells: Cell[] }> {
  const ids = await listDurableObjectIds(namespace);
  const cells: Cell[] = [];
  const tables = new Set<string>();
  for (const id of ids) {
    const dump = await runInDurableObject(namespace.get(id), (_instance, state) => {
      const sql = state.storage.sql;
      const out: Array<{ table: string; row: Record<string, unknown> }> = [];
      for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) <> '_cf_'").toArray()) {
        for (const row of sql.exec(`SELECT * FROM "${name.replace(/"/g, '""')}"`).toArray()) out.push({ table: name, row: row as Record<string, unknown> });
      }
      return out;
    });
    dump.forEach(({ table, row }, i) => {
      tables.add(table);
      cells.push(...cellsOf(`${label} ${id.toString().slice(0, 8)} ${table}[${i}]`, row));
    });
  }
  return { objects: ids.length, tables, cells };
}

/** Where any personal value appears in clear: as is, or as the digits of a short cell. */
function leaks(cells: Cell[], personal: string[]): string[] {
  const found: string[] = [];
  for (const { where, text } of cells) {
    const lower = text.toLowerCase();
    const digits = text.length <= 40 ? text.replace(/\D/g, "") : "";
    for (const value of personal) {
      const d = value.replace(/\D/g, "");
      if (lower.includes(value.toLowerCase()) || (d.length >= 9 && digits.includes(d) && digits.length <= d.length + 3)) {
        found.push(`${where} holds ${value.slice(0, 3)}… (${value.length} chars)`);
      }
    }
  }
  return found;
}

describe("no personal data in clear after a day of service", () => {
  it("the day touched the stores the proof scans (so an empty scan cannot pass by accident)", async () => {
    const { tables, cells } = await d1Cells();
    for (const t of ["ticket_history", "citizens", "citizen_consents", "staff_audit_log"]) expect(tables).toContain(t);
    expect(cells.some((c) => c.where.startsWith("D1 citizens") && /^001\*{6}\d{3}$/.test(c.text))).toBe(true);
    const days = await objectCells(env.BRANCH_DAY, "branch-day");
    expect(days.objects).toBeGreaterThanOrEqual(3);
    expect(days.tables).toContain("tickets");
    const ledgers = await objectCells(env.CITIZEN_LEDGER, "ledger");
    expect(ledgers.objects).toBeGreaterThanOrEqual(9);
    expect(ledgers.tables).toContain("reservations");
    // The OTP citizen's phone is held (encrypted) in their ledger: the scan sees that table.
    expect([...ledgers.tables].some((t) => /phone/.test(t))).toBe(true);
    expect(day.personal.length).toBeGreaterThan(50);
  });

  it("D1: no ID number, phone, name, address or date of birth in any row of any table", async () => {
    const { cells } = await d1Cells();
    expect(leaks(cells, day.personal)).toEqual([]);
  });

  it("branch-day objects: none in any row of any table", async () => {
    const { cells } = await objectCells(env.BRANCH_DAY, "branch-day");
    expect(cells.length).toBeGreaterThan(0);
    expect(leaks(cells, day.personal)).toEqual([]);
  });

  it("citizen-ledger objects: none in any row of any table (phones only as ciphertext)", async () => {
    const { cells } = await objectCells(env.CITIZEN_LEDGER, "ledger");
    expect(cells.length).toBeGreaterThan(0);
    expect(leaks(cells, day.personal)).toEqual([]);
  });

  it("the scan would see a leak: a planted ID number is found", async () => {
    const planted = leaks([{ where: "probe", text: `{"note":"${day.idNumbers[0]}"}` }, { where: "probe2", text: day.idNumbers[1]!.replace(/(\d{3})(\d{3})/, "$1 $2 ") }], day.personal);
    expect(planted).toHaveLength(2);
  });
});
