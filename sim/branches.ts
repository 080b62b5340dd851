/**
 * The simulated city: Hanoi's 12 branches. Branches 1 and 2 are the demo center's (seeded by
 * seed/demo-center.ts); branches 3–12 are made here with illustrative names and sizes, and
 * inserted by `extraBranchStatements()` (plain SQL, idempotent).
 */
import { DEMO_BRANCHES, DEMO_UPDATED_AT, type DemoBranch } from "../seed/demo-center";
import { VN_TIME_ZONE } from "../shared/time";

const WEEKDAYS = { opensAt: "08:00", closesAt: "17:00" };

function extraBranch(n: number): DemoBranch {
  // Sizes vary: every third branch is a big one with more land counters.
  const landCounters = n % 3 === 0 ? 5 : 3;
  const counters = [
    ...Array.from({ length: landCounters }, (_, i) => ({ number: i + 1, fieldCodes: ["DATDAI"] })),
    { number: landCounters + 1, fieldCodes: ["TUPHAP", "KINHDOANH"] },
    { number: landCounters + 2, fieldCodes: ["XAYDUNG", "NOIVU", "DATDAI"] },
  ];
  return {
    id: `hn-cn${String(n).padStart(2, "0")}`,
    name: `Chi nhánh số ${n} – Trung tâm Phục vụ hành chính công Hà Nội (mô phỏng)`,
    address: `Địa chỉ minh hoạ (mô phỏng) – Chi nhánh số ${n}, Hà Nội`,
    resultsAddress: null,
    timeZone: VN_TIME_ZONE,
    bookingFrom: "08:00",
    bookingUntil: "16:00",
    bookingDaysAhead: 6,
    // One branch in four calls only numbers that reception checked in.
    callVerifiedOnly: n % 4 === 0,
    hours: { 1: WEEKDAYS, 2: WEEKDAYS, 3: WEEKDAYS, 4: WEEKDAYS, 5: WEEKDAYS },
    fields: [
      { code: "DATDAI", dailyCap: 600, enabled: true },
      { code: "TUPHAP", dailyCap: 80, enabled: true },
      { code: "KINHDOANH", dailyCap: 60, enabled: true },
      { code: "XAYDUNG", dailyCap: 60, enabled: true },
      { code: "NOIVU", dailyCap: 40, enabled: true },
    ],
    counters,
  };
}

/** All 12 branches: the two demo ones, then 3–12. */
export const SIM_BRANCHES: readonly DemoBranch[] = [...DEMO_BRANCHES, ...Array.from({ length: 10 }, (_, i) => extraBranch(i + 3))];

function lit(v: string | number | boolean | null): string {
  if (v === null) return "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") return String(v);
  return `'${v.replaceAll("'", "''")}'`;
}

/** SQL inserting branches 3–12 (the demo seed must run first: it makes the fields). */
export function extraBranchStatements(): string[] {
  const t = DEMO_UPDATED_AT;
  const out: string[] = [];
  for (const b of SIM_BRANCHES.slice(DEMO_BRANCHES.length)) {
    out.push(
      `INSERT OR REPLACE INTO branches (id, name, address, results_address, time_zone, booking_from, booking_until, booking_days_ahead, call_verified_only, updated_at) VALUES (${[b.id, b.name, b.address, b.resultsAddress, b.timeZone, b.bookingFrom, b.bookingUntil, b.bookingDaysAhead, b.callVerifiedOnly, t].map(lit).join(", ")})`,
    );
    for (const [day, h] of Object.entries(b.hours)) {
      out.push(`INSERT OR REPLACE INTO branch_hours (branch_id, weekday, opens_at, closes_at, updated_at) VALUES (${[b.id, Number(day), h!.opensAt, h!.closesAt, t].map(lit).join(", ")})`);
    }
    b.fields.forEach((f, i) => {
      out.push(`INSERT OR REPLACE INTO branch_fields (branch_id, field_code, daily_cap, enabled, sort_order, updated_at) VALUES (${[b.id, f.code, f.dailyCap, f.enabled, (i + 1) * 10, t].map(lit).join(", ")})`);
    });
    for (const c of b.counters) {
      out.push(`INSERT OR REPLACE INTO counters (branch_id, number, updated_at) VALUES (${[b.id, c.number, t].map(lit).join(", ")})`);
      for (const code of c.fieldCodes) out.push(`INSERT OR IGNORE INTO counter_fields (branch_id, counter_number, field_code) VALUES (${[b.id, c.number, code].map(lit).join(", ")})`);
    }
  }
  return out;
}
