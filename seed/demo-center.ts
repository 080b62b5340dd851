/**
 * Demo data: two branches of the Hanoi Public Administrative Service Center (Trung tâm Phục vụ
 * hành chính công Hà Nội) with their fields, caps and counters. For development, tests and
 * demonstrations only; production configuration is entered by administrators.
 *
 * Branch 1's addresses and volumes come from public reports (800–1,000 dossiers a day, 80–90% of
 * them land registration). The other branches' real addresses are not in our sources, so branch 2
 * carries an obviously illustrative address.
 *
 *   bash scripts/with-node.sh npx tsx scripts/seed-demo.ts .wrangler/seed-demo.sql
 *   bash scripts/with-node.sh npx wrangler d1 execute DB --local --file .wrangler/seed-demo.sql
 */
import type { NumberSeries, OpeningHours, Weekday } from "../shared/branch-config";
import { VN_TIME_ZONE } from "../shared/time";

/** Every demo row's updated_at: fixed, so reseeding gives the same rows and the same versions. */
export const DEMO_UPDATED_AT = 1767225600000; // 2026-01-01T00:00:00Z

export interface DemoField {
  code: string;
  nameVi: string;
  nameEn: string;
  series: NumberSeries;
}

export interface DemoBranch {
  id: string;
  name: string;
  address: string;
  resultsAddress: string | null;
  timeZone: string;
  bookingFrom: string;
  bookingUntil: string;
  bookingDaysAhead: number;
  callVerifiedOnly: boolean;
  hours: Partial<Record<Weekday, OpeningHours>>;
  /** In the order the branch offers them. */
  fields: Array<{ code: string; dailyCap: number; enabled: boolean }>;
  counters: Array<{ number: number; fieldCodes: string[] }>;
}

/** Service fields (lĩnh vực), land registration first: it is most of the demand. */
export const DEMO_FIELDS: readonly DemoField[] = [
  { code: "DATDAI", nameVi: "Đất đai", nameEn: "Land registration", series: { kind: "prefix", prefix: "A", digits: 3 } },
  { code: "TUPHAP", nameVi: "Tư pháp – Hộ tịch", nameEn: "Justice and civil status", series: { kind: "block", start: 2001 } },
  { code: "XAYDUNG", nameVi: "Xây dựng", nameEn: "Construction", series: { kind: "prefix", prefix: "C", digits: 3 } },
  { code: "KINHDOANH", nameVi: "Đăng ký kinh doanh", nameEn: "Business registration", series: { kind: "prefix", prefix: "D", digits: 3 } },
  { code: "NONGNGHIEP", nameVi: "Nông nghiệp và Môi trường", nameEn: "Agriculture and environment", series: { kind: "prefix", prefix: "E", digits: 3 } },
  { code: "YTE", nameVi: "Y tế", nameEn: "Health", series: { kind: "prefix", prefix: "F", digits: 3 } },
  { code: "NOIVU", nameVi: "Nội vụ", nameEn: "Home affairs", series: { kind: "prefix", prefix: "G", digits: 3 } },
];

const WEEKDAYS_8_TO_17: Partial<Record<Weekday, OpeningHours>> = {
  1: { opensAt: "08:00", closesAt: "17:00" },
  2: { opensAt: "08:00", closesAt: "17:00" },
  3: { opensAt: "08:00", closesAt: "17:00" },
  4: { opensAt: "08:00", closesAt: "17:00" },
  5: { opensAt: "08:00", closesAt: "17:00" },
};

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const DEMO_BRANCHES: readonly DemoBranch[] = [
  {
    id: "hn-cn01",
    name: "Chi nhánh số 1 – Trung tâm Phục vụ hành chính công Hà Nội",
    address: "258 Võ Chí Công, phường Xuân La, quận Tây Hồ, Hà Nội",
    resultsAddress: "657 Lạc Long Quân, Tây Hồ, Hà Nội",
    timeZone: VN_TIME_ZONE,
    bookingFrom: "08:00",
    bookingUntil: "16:00",
    bookingDaysAhead: 6,
    callVerifiedOnly: false,
    // Saturday mornings are per branch: this one opens, branch 2 does not.
    hours: { ...WEEKDAYS_8_TO_17, 6: { opensAt: "08:00", closesAt: "12:00" } },
    // 980 numbers a day in all, 800 (82%) of them land registration.
    fields: [
      { code: "DATDAI", dailyCap: 800, enabled: true },
      { code: "TUPHAP", dailyCap: 60, enabled: true },
      { code: "XAYDUNG", dailyCap: 40, enabled: true },
      { code: "KINHDOANH", dailyCap: 40, enabled: true },
      { code: "NONGNGHIEP", dailyCap: 40, enabled: true },
      // Paused (kept with its cap and counter so it can be switched back on).
      { code: "YTE", dailyCap: 40, enabled: false },
    ],
    counters: [
      ...range(1, 9).map((number) => ({ number, fieldCodes: ["DATDAI"] })),
      { number: 10, fieldCodes: ["DATDAI", "TUPHAP"] },
      { number: 11, fieldCodes: ["XAYDUNG", "NONGNGHIEP", "YTE"] },
      { number: 12, fieldCodes: ["TUPHAP", "KINHDOANH"] },
    ],
  },
  {
    id: "hn-cn02",
    name: "Chi nhánh số 2 – Trung tâm Phục vụ hành chính công Hà Nội",
    // Illustrative only: the real address of branch 2 is not in our sources.
    address: "Địa chỉ minh hoạ (demo) – Chi nhánh số 2, Hà Nội",
    resultsAddress: null,
    timeZone: VN_TIME_ZONE,
    bookingFrom: "08:00",
    bookingUntil: "16:00",
    bookingDaysAhead: 6,
    callVerifiedOnly: true,
    hours: WEEKDAYS_8_TO_17,
    fields: [
      { code: "DATDAI", dailyCap: 240, enabled: true },
      { code: "TUPHAP", dailyCap: 40, enabled: true },
      { code: "KINHDOANH", dailyCap: 30, enabled: true },
      { code: "YTE", dailyCap: 20, enabled: true },
      { code: "NOIVU", dailyCap: 20, enabled: true },
    ],
    counters: [
      ...range(1, 3).map((number) => ({ number, fieldCodes: ["DATDAI"] })),
      { number: 4, fieldCodes: ["TUPHAP", "KINHDOANH"] },
      { number: 5, fieldCodes: ["DATDAI", "YTE", "NOIVU"] },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// SQL

type Value = string | number | boolean | null;

function lit(v: Value): string {
  if (v === null) return "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return String(v);
  }
  return `'${v.replaceAll("'", "''")}'`;
}

function values(rows: Value[][]): string {
  return rows.map((r) => `(${r.map(lit).join(", ")})`).join(",\n  ");
}

/** INSERT … ON CONFLICT(key) DO UPDATE SET every other column = excluded.column. */
function upsert(table: string, columns: string[], key: string[], rows: Value[][]): string {
  const update = columns.filter((c) => !key.includes(c));
  const action =
    update.length === 0
      ? "DO NOTHING"
      : `DO UPDATE SET ${update.map((c) => `${c} = excluded.${c}`).join(", ")}`;
  return (
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES\n  ${values(rows)}\n` +
    `ON CONFLICT(${key.join(", ")}) ${action}`
  );
}

/**
 * Idempotent SQL that makes the demo rows exactly as above: run it any number of times, on an
 * empty or an already seeded database, and the demo branches end in the same state (rows the
 * demo no longer has are removed from the demo branches; other branches are not touched).
 * Statements carry no trailing semicolon; join them with ";\n" for a file.
 */
export function demoSeedStatements(): string[] {
  const t = DEMO_UPDATED_AT;
  const ids = DEMO_BRANCHES.map((b) => lit(b.id)).join(", ");
  const out: string[] = [];

  out.push(
    upsert(
      "fields",
      ["code", "name_vi", "name_en", "series_kind", "series_prefix", "series_digits", "series_start", "sort_order", "updated_at"],
      ["code"],
      DEMO_FIELDS.map((f, i) => [
        f.code,
        f.nameVi,
        f.nameEn,
        f.series.kind,
        f.series.kind === "prefix" ? f.series.prefix : null,
        f.series.kind === "prefix" ? f.series.digits : null,
        f.series.kind === "block" ? f.series.start : null,
        (i + 1) * 10,
        t,
      ]),
    ),
  );

  out.push(
    upsert(
      "branches",
      ["id", "name", "address", "results_address", "time_zone", "booking_from", "booking_until", "booking_days_ahead", "call_verified_only", "updated_at"],
      ["id"],
      DEMO_BRANCHES.map((b) => [
        b.id,
        b.name,
        b.address,
        b.resultsAddress,
        b.timeZone,
        b.bookingFrom,
        b.bookingUntil,
        b.bookingDaysAhead,
        b.callVerifiedOnly,
        t,
      ]),
    ),
  );

  // Remove what the demo does not have (counter_fields go with their counters / offers).
  for (const b of DEMO_BRANCHES) {
    const id = lit(b.id);
    const days = Object.keys(b.hours).join(", ");
    out.push(`DELETE FROM branch_hours WHERE branch_id = ${id} AND weekday NOT IN (${days})`);
    out.push(
      `DELETE FROM counters WHERE branch_id = ${id} AND number NOT IN (${b.counters.map((c) => c.number).join(", ")})`,
    );
    out.push(
      `DELETE FROM branch_fields WHERE branch_id = ${id} AND field_code NOT IN (${b.fields.map((f) => lit(f.code)).join(", ")})`,
    );
  }
  out.push(`DELETE FROM counter_fields WHERE branch_id IN (${ids})`);

  out.push(
    upsert(
      "branch_hours",
      ["branch_id", "weekday", "opens_at", "closes_at", "updated_at"],
      ["branch_id", "weekday"],
      DEMO_BRANCHES.flatMap((b) =>
        Object.entries(b.hours).map(([day, h]) => [b.id, Number(day), h.opensAt, h.closesAt, t]),
      ),
    ),
  );

  out.push(
    upsert(
      "branch_fields",
      ["branch_id", "field_code", "daily_cap", "enabled", "sort_order", "updated_at"],
      ["branch_id", "field_code"],
      DEMO_BRANCHES.flatMap((b) =>
        b.fields.map((f, i) => [b.id, f.code, f.dailyCap, f.enabled, (i + 1) * 10, t]),
      ),
    ),
  );

  out.push(
    upsert(
      "counters",
      ["branch_id", "number", "updated_at"],
      ["branch_id", "number"],
      DEMO_BRANCHES.flatMap((b) => b.counters.map((c) => [b.id, c.number, t])),
    ),
  );

  out.push(
    upsert(
      "counter_fields",
      ["branch_id", "counter_number", "field_code"],
      ["branch_id", "counter_number", "field_code"],
      DEMO_BRANCHES.flatMap((b) =>
        b.counters.flatMap((c) => c.fieldCodes.map((code) => [b.id, c.number, code])),
      ),
    ),
  );

  return out;
}
