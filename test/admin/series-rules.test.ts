/** The cross-row numbering rules of a branch's fields (shared/admin-schemas.ts), as plain functions. */
import { describe, expect, it } from "vitest";
import { seriesCapacity, seriesConflicts, type NumberedField } from "../../shared/admin-schemas";

const prefix = (code: string, p: string, digits = 3, dailyCap = 10): NumberedField => ({ code, series: { kind: "prefix", prefix: p, digits }, dailyCap });
const block = (code: string, start: number, dailyCap: number): NumberedField => ({ code, series: { kind: "block", start }, dailyCap });

describe("numbering rules of a branch's fields", () => {
  it("a series numbers up to its last label: A999, or 999999 for a block", () => {
    expect(seriesCapacity({ kind: "prefix", prefix: "A", digits: 3 })).toBe(999);
    expect(seriesCapacity({ kind: "prefix", prefix: "A", digits: 1 })).toBe(9);
    expect(seriesCapacity({ kind: "block", start: 2001 })).toBe(997_999);
  });

  it("block ranges touch without overlapping: 2001–2060 and 2061–2065 are fine, 2001–2061 is not", () => {
    expect(seriesConflicts([block("TUPHAP", 2001, 60), block("B", 2061, 5)])).toEqual([]);
    expect(seriesConflicts([block("TUPHAP", 2001, 61), block("B", 2061, 5)])).toEqual([{ kind: "series_overlap", field: "TUPHAP", other: "B" }]);
  });

  it("a block with cap 0 still keeps its first number", () => {
    expect(seriesConflicts([block("A", 1001, 0), block("B", 1001, 3)])).toHaveLength(1);
  });

  it("the same prefix twice overlaps whatever the digits; prefixes never collide with blocks", () => {
    expect(seriesConflicts([prefix("X", "A", 3), prefix("Y", "A", 4)])).toEqual([{ kind: "series_overlap", field: "X", other: "Y" }]);
    expect(seriesConflicts([prefix("X", "A"), prefix("Y", "AB"), block("Z", 1, 999)])).toEqual([]);
  });

  it("a cap beyond the series is named with the series' capacity", () => {
    expect(seriesConflicts([prefix("X", "A", 2, 100)])).toEqual([{ kind: "cap_exceeds_series", field: "X", capacity: 99 }]);
    expect(seriesConflicts([block("Z", 999_990, 11)])).toEqual([{ kind: "cap_exceeds_series", field: "Z", capacity: 10 }]);
  });
});
