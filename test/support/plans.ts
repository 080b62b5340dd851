/** Day plans and instants for tests: a Hanoi-like branch with the real 2026 calendar. */
import type { BranchConfig, DayPlan, FieldOffer } from "../../shared/branch-config";
import { VN_CALENDAR_2026 } from "../../shared/calendar";
import { epochAt, VN_TIME_ZONE } from "../../shared/time";

export const FULL_DAY = { opensAt: "08:00", closesAt: "17:00" };

export const LAND: FieldOffer = { code: "DATDAI", nameVi: "Đất đai", nameEn: "Land registration", series: { kind: "prefix", prefix: "A", digits: 3 }, dailyCap: 700 };
export const JUSTICE: FieldOffer = { code: "TUPHAP", nameVi: "Tư pháp – Hộ tịch", nameEn: "Justice and civil status", series: { kind: "block", start: 2001 }, dailyCap: 60 };
export const BUILDING: FieldOffer = { code: "XAYDUNG", nameVi: "Xây dựng", nameEn: "Construction", series: { kind: "prefix", prefix: "C", digits: 3 }, dailyCap: 40 };

export function makeBranch(overrides: Partial<BranchConfig> = {}): BranchConfig {
  return {
    id: "test-cn01",
    name: "Chi nhánh thử nghiệm",
    address: "Địa chỉ minh hoạ",
    resultsAddress: null,
    timeZone: VN_TIME_ZONE,
    weeklyHours: { 1: FULL_DAY, 2: FULL_DAY, 3: FULL_DAY, 4: FULL_DAY, 5: FULL_DAY, 6: { opensAt: "08:00", closesAt: "12:00" } },
    bookingWindow: { from: "08:00", until: "16:00" },
    bookingDaysAhead: 6,
    callVerifiedOnly: false,
    fields: [LAND, JUSTICE, BUILDING],
    counters: [
      { number: 1, fieldCodes: ["DATDAI"] },
      { number: 2, fieldCodes: ["DATDAI"] },
      { number: 3, fieldCodes: ["DATDAI", "TUPHAP", "XAYDUNG"] },
      { number: 4, fieldCodes: ["TUPHAP", "XAYDUNG"] },
    ],
    version: 1,
    ...overrides,
  };
}

export function makePlan(date: string, branch: Partial<BranchConfig> = {}): DayPlan {
  const b = makeBranch(branch);
  return { branch: b, date, calendar: [...VN_CALENDAR_2026], version: b.version };
}

/** The instant a Hanoi wall clock shows `hhmm` on `date`. */
export function hanoi(date: string, hhmm: string): number {
  return epochAt(date, hhmm, VN_TIME_ZONE);
}

/** Valid 12-digit ID numbers (Hanoi code 001, born 1990, male), distinct for distinct n. */
export function idNumber(n: number): string {
  return `0010900${String(n).padStart(5, "0")}`;
}

/** A Monday that is an ordinary working day (2026-11-23). */
export const MONDAY = "2026-11-23";
