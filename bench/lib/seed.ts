/**
 * Bench branches, added to the local D1 next to the demo center (as seed/demo-center.ts does):
 * fields with wide series (10,000 numbers in one field), large caps, one field with a small cap
 * to check that caps are exact, and the demo branch hn-cn01's opening hours (Monday–Friday
 * 08:00–17:00, Saturday 08:00–12:00), so the demo clock that opens booking there opens it here too. Local benchmarks only.
 */

/** Every bench branch offers these. BENCH: the rush's field; BCAP: a small exact cap. */
export const BENCH_FIELD = "BENCH";
export const CAP_FIELD = "BCAP";

const T = 1767225600000;
/** Ten counters, all serving BENCH (the calls scenario's ten clerks). */
const COUNTERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // fixed updated_at, as the demo seed

function lit(v: string | number | null): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v);
  return `'${v.replaceAll("'", "''")}'`;
}

/** Idempotent SQL for the given branches (ids "bench-…"), each with `cap` numbers in BCAP. */
export function benchSeedSql(branchIds: string[], cap: number): string {
  const out: string[] = [];
  out.push(
    `INSERT INTO fields (code, name_vi, name_en, series_kind, series_prefix, series_digits, series_start, sort_order, updated_at) VALUES
  ('${BENCH_FIELD}', 'Đo tải (bench)', 'Load test (bench)', 'prefix', 'B', 5, NULL, 900, ${T}),
  ('${CAP_FIELD}', 'Đo tải – hạn mức (bench)', 'Load test – capped (bench)', 'prefix', 'K', 4, NULL, 910, ${T})
ON CONFLICT(code) DO UPDATE SET series_digits = excluded.series_digits`,
  );
  for (const id of branchIds) {
    out.push(
      `INSERT INTO branches (id, name, address, results_address, time_zone, booking_from, booking_until, booking_days_ahead, call_verified_only, updated_at)
VALUES (${lit(id)}, ${lit(`Bench ${id}`)}, 'bench', NULL, 'Asia/Ho_Chi_Minh', '08:00', '16:00', 6, 0, ${T})
ON CONFLICT(id) DO NOTHING`,
    );
    out.push(
      `INSERT INTO branch_hours (branch_id, weekday, opens_at, closes_at, updated_at)
VALUES ${[1, 2, 3, 4, 5].map((d) => `(${lit(id)}, ${d}, '08:00', '17:00', ${T})`).join(", ")}, (${lit(id)}, 6, '08:00', '12:00', ${T})
ON CONFLICT(branch_id, weekday) DO NOTHING`,
    );
    out.push(
      `INSERT INTO branch_fields (branch_id, field_code, daily_cap, enabled, sort_order, updated_at) VALUES
  (${lit(id)}, '${BENCH_FIELD}', 50000, 1, 10, ${T}), (${lit(id)}, '${CAP_FIELD}', ${cap}, 1, 20, ${T})
ON CONFLICT(branch_id, field_code) DO UPDATE SET daily_cap = excluded.daily_cap`,
    );
    out.push(
      `INSERT INTO counters (branch_id, number, updated_at) VALUES ${COUNTERS.map((n) => `(${lit(id)}, ${n}, ${T})`).join(", ")}
ON CONFLICT(branch_id, number) DO NOTHING`,
    );
    out.push(
      `INSERT INTO counter_fields (branch_id, counter_number, field_code) VALUES ${COUNTERS.map((n) => `(${lit(id)}, ${n}, '${BENCH_FIELD}')`).join(", ")}
ON CONFLICT DO NOTHING`,
    );
  }
  return out.map((s) => `${s};\n`).join("");
}
