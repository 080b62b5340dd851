import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OpeningHours, Weekday } from "../../shared/branch-config";
import {
  type CalendarOverride,
  isWorkingDay,
  nextWorkingDay,
  openingHoursOn,
  VN_CALENDAR_2026,
} from "../../shared/calendar";
import { addDays, isIsoDate, weekdayOf } from "../../shared/time";

const FULL_DAY: OpeningHours = { opensAt: "08:00", closesAt: "17:00" };
const FRIDAY: OpeningHours = { opensAt: "08:00", closesAt: "16:30" };
const SATURDAY_MORNING: OpeningHours = { opensAt: "08:00", closesAt: "11:30" };

/** A branch open Monday–Friday (Friday closes earlier). */
const WEEKDAYS_ONLY: Partial<Record<Weekday, OpeningHours>> = { 1: FULL_DAY, 2: FULL_DAY, 3: FULL_DAY, 4: FULL_DAY, 5: FRIDAY };
/** A branch that also opens on Saturday mornings. */
const WITH_SATURDAY: Partial<Record<Weekday, OpeningHours>> = { ...WEEKDAYS_ONLY, 6: SATURDAY_MORNING };

describe("weekly opening hours without overrides", () => {
  it("a weekday the branch opens has that weekday's hours", () => {
    expect(openingHoursOn("2026-11-23", WEEKDAYS_ONLY, [])).toEqual(FULL_DAY); // Monday
    expect(openingHoursOn("2026-11-27", WEEKDAYS_ONLY, [])).toEqual(FRIDAY);
  });

  it("a weekday the branch does not open is closed", () => {
    expect(openingHoursOn("2026-11-28", WEEKDAYS_ONLY, [])).toBeNull(); // Saturday
    expect(openingHoursOn("2026-11-28", WITH_SATURDAY, [])).toEqual(SATURDAY_MORNING);
    expect(isWorkingDay("2026-11-29", WITH_SATURDAY, [])).toBe(false); // Sunday
  });
});

describe("the 2026 schedule for civil servants", () => {
  it("New Year's Day, 30 Apr and 1 May are holidays", () => {
    for (const d of ["2026-01-01", "2026-04-30", "2026-05-01"]) {
      expect(isWorkingDay(d, WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe(false);
    }
    expect(isWorkingDay("2026-01-02", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe(true);
  });

  it("the Tết break closes every day from Saturday 14 to Sunday 22 Feb, even for Saturday-morning branches", () => {
    for (let d = "2026-02-14"; d <= "2026-02-22"; d = addDays(d, 1)) {
      expect(isWorkingDay(d, WITH_SATURDAY, VN_CALENDAR_2026)).toBe(false);
    }
    expect(isWorkingDay("2026-02-13", WITH_SATURDAY, VN_CALENDAR_2026)).toBe(true);
    expect(nextWorkingDay("2026-02-13", WITH_SATURDAY, VN_CALENDAR_2026)).toBe("2026-02-23");
  });

  it("Hùng Kings' day falls on Sunday 26 Apr 2026, so Monday 27 Apr is the day off", () => {
    const entry = VN_CALENDAR_2026.find((o) => o.date === "2026-04-27");
    expect(entry?.kind).toBe("holiday");
    expect(entry?.nameVi).toContain("Giỗ Tổ Hùng Vương");
    expect(isWorkingDay("2026-04-27", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe(false);
    expect(nextWorkingDay("2026-04-24", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe("2026-04-28");
  });

  it("Saturday 22 Aug 2026 is worked in place of Monday 31 Aug", () => {
    const swap = VN_CALENDAR_2026.find((o) => o.date === "2026-08-22");
    expect(swap).toEqual({
      date: "2026-08-22",
      kind: "working_day",
      nameVi: "Làm bù cho thứ Hai 31/8",
      nameEn: "Worked in place of Monday 31 Aug",
    });
    // A Monday–Friday branch opens that Saturday with Monday's full-day hours …
    expect(openingHoursOn("2026-08-22", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toEqual(FULL_DAY);
    // … and so does a branch that opens Saturday mornings: the swapped day is a full working day.
    expect(openingHoursOn("2026-08-22", WITH_SATURDAY, VN_CALENDAR_2026)).toEqual(FULL_DAY);
    // … and Monday 31 Aug is closed as part of the National Day break.
    expect(isWorkingDay("2026-08-31", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe(false);
  });

  it("the National Day break runs from Saturday 29 Aug to Wednesday 2 Sep", () => {
    for (let d = "2026-08-29"; d <= "2026-09-02"; d = addDays(d, 1)) {
      expect(isWorkingDay(d, WITH_SATURDAY, VN_CALENDAR_2026)).toBe(false);
    }
    expect(nextWorkingDay("2026-08-28", WITH_SATURDAY, VN_CALENDAR_2026)).toBe("2026-09-03");
  });

  it("lists exactly the stated days, all in 2026", () => {
    expect(VN_CALENDAR_2026.map((o) => o.date)).toEqual([
      "2026-01-01",
      "2026-02-14", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21",
      "2026-04-27", "2026-04-30", "2026-05-01",
      "2026-08-22",
      "2026-08-29", "2026-08-31", "2026-09-01", "2026-09-02",
    ]);
  });

  it("a holiday that falls on Sunday needs no entry: holidays are Monday–Saturday only", () => {
    for (const o of VN_CALENDAR_2026) {
      expect(isIsoDate(o.date)).toBe(true);
      if (o.kind === "holiday") expect(weekdayOf(o.date)).toBeLessThanOrEqual(6);
      expect(o.nameVi.length).toBeGreaterThan(0);
      expect(o.nameEn.length).toBeGreaterThan(0);
    }
  });

  it("names holidays in Vietnamese with their diacritics", () => {
    const namesVi = new Set(VN_CALENDAR_2026.map((o) => o.nameVi));
    for (const name of ["Tết Dương lịch", "Tết Nguyên đán", "Quốc khánh", "Ngày Quốc tế Lao động"]) {
      expect(namesVi.has(name)).toBe(true);
    }
    expect([...namesVi].some((n) => n.startsWith("Ngày Giải phóng miền Nam"))).toBe(true);
  });

  it("cannot be changed by a caller", () => {
    expect(Object.isFrozen(VN_CALENDAR_2026)).toBe(true);
    expect(Object.isFrozen(VN_CALENDAR_2026[0])).toBe(true);
  });
});

describe("administrator overrides", () => {
  it("an ordinary Saturday keeps a Saturday-morning branch's short hours", () => {
    expect(openingHoursOn("2026-11-28", WITH_SATURDAY, VN_CALENDAR_2026)).toEqual(SATURDAY_MORNING);
  });

  it("an extra working day for a branch without Monday hours uses its first open weekday", () => {
    // Monday's hours win over earlier-listed or longer weekdays …
    const withMonday: Partial<Record<Weekday, OpeningHours>> = { 3: FULL_DAY, 1: FRIDAY };
    expect(openingHoursOn("2026-08-22", withMonday, VN_CALENDAR_2026)).toEqual(FRIDAY);
    // … and without Monday, the first weekday the branch opens (Tuesday here) stands in.
    const tueThu: Partial<Record<Weekday, OpeningHours>> = { 4: FRIDAY, 2: FULL_DAY };
    const extra: CalendarOverride[] = [{ date: "2026-11-29", kind: "working_day", nameVi: "x", nameEn: "x" }];
    expect(openingHoursOn("2026-11-29", tueThu, extra)).toEqual(FULL_DAY);
    expect(openingHoursOn("2026-11-29", {}, extra)).toBeNull();
  });

  it("when a date is listed as both a holiday and a working day, the holiday wins", () => {
    const both: CalendarOverride[] = [
      { date: "2026-11-28", kind: "working_day", nameVi: "a", nameEn: "a" },
      { date: "2026-11-28", kind: "holiday", nameVi: "b", nameEn: "b" },
      { date: "2026-11-30", kind: "holiday", nameVi: "c", nameEn: "c" },
      { date: "2026-11-30", kind: "working_day", nameVi: "d", nameEn: "d" },
    ];
    expect(isWorkingDay("2026-11-28", WITH_SATURDAY, both)).toBe(false);
    expect(isWorkingDay("2026-11-30", WITH_SATURDAY, both)).toBe(false);
  });

  it("a day added to an override list after it was first used is seen", () => {
    const list: CalendarOverride[] = [{ date: "2026-11-23", kind: "holiday", nameVi: "Nghỉ", nameEn: "Closed" }];
    expect(isWorkingDay("2026-11-23", WEEKDAYS_ONLY, list)).toBe(false);
    expect(isWorkingDay("2026-11-24", WEEKDAYS_ONLY, list)).toBe(true);
    list.push({ date: "2026-11-24", kind: "holiday", nameVi: "Nghỉ", nameEn: "Closed" });
    expect(isWorkingDay("2026-11-24", WEEKDAYS_ONLY, list)).toBe(false);
  });
});

describe("next working day", () => {
  it("is strictly after the given day", () => {
    expect(nextWorkingDay("2026-11-23", WEEKDAYS_ONLY, [])).toBe("2026-11-24");
    expect(nextWorkingDay("2026-11-27", WEEKDAYS_ONLY, [])).toBe("2026-11-30"); // Fri → Mon
    expect(nextWorkingDay("2026-11-27", WITH_SATURDAY, [])).toBe("2026-11-28"); // Fri → Sat
  });

  it("a citizen turned away on Friday 21 Aug 2026 can come back on the swapped Saturday", () => {
    expect(nextWorkingDay("2026-08-21", WEEKDAYS_ONLY, VN_CALENDAR_2026)).toBe("2026-08-22");
  });

  it("is null when nothing opens within the search window", () => {
    expect(nextWorkingDay("2026-11-23", {}, [])).toBeNull();
    expect(nextWorkingDay("2026-11-27", WEEKDAYS_ONLY, [], 2)).toBeNull();
    expect(nextWorkingDay("2026-11-27", WEEKDAYS_ONLY, [], 3)).toBe("2026-11-30");
  });

  it("is always a working day with no working day skipped before it", () => {
    const dateArb = fc.integer({ min: 0, max: 800 }).map((n) => addDays("2025-12-01", n));
    fc.assert(
      fc.property(dateArb, (after) => {
        const next = nextWorkingDay(after, WITH_SATURDAY, VN_CALENDAR_2026);
        expect(next).not.toBeNull();
        const found = next as string;
        expect(found > after).toBe(true);
        expect(isWorkingDay(found, WITH_SATURDAY, VN_CALENDAR_2026)).toBe(true);
        for (let d = addDays(after, 1); d < found; d = addDays(d, 1)) {
          expect(isWorkingDay(d, WITH_SATURDAY, VN_CALENDAR_2026)).toBe(false);
        }
      }),
    );
  });
});
