/** Percentiles, rounding and a plain-text table for the benchmark reports. */

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const asc = (xs: readonly number[]) => Float64Array.from(xs).sort() as unknown as number[];

export function round(x: number, digits = 1): number | null {
  return Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null;
}

export function fmt(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** Columns padded; the first left-aligned, the rest right-aligned; a rule under the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
      return ri === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

/** p50/p99/max of latencies (ms). */
export function latency(xs: readonly number[]): { p50: number | null; p99: number | null; max: number | null; n: number } {
  const s = asc(xs);
  return { p50: round(pct(s, 50)), p99: round(pct(s, 99)), max: round(s.length ? s[s.length - 1]! : Number.NaN), n: s.length };
}
