/**
 * How queue numbers are written. Centers number per field with a prefix ("A001") or a block
 * ("2001" for field 2); the label is what the citizen, the display and the voice use.
 */
import type { NumberSeries } from "./branch-config";

/** The label of the n-th number (1-based) of a field's series. */
export function formatTicketLabel(series: NumberSeries, n: number): string {
  if (series.kind === "block") return String(series.start + n - 1);
  return `${series.prefix}${String(n).padStart(series.digits, "0")}`;
}
