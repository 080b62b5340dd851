import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  daysBetween,
  epochAt,
  formatDateVi,
  formatTimeVi,
  isHhmm,
  isIsoDate,
  localDateOf,
  localMinuteOf,
  localPartsOf,
  minutesOfHhmm,
  VN_TIME_ZONE,
  weekdayOf,
} from "../../shared/time";

// 2026-11-23 08:05 in Vietnam is 2026-11-23 01:05 UTC.
const MON_0805_VN = Date.UTC(2026, 10, 23, 1, 5);

const isoDateArb = fc
  .date({ min: new Date("1976-01-01T00:00:00Z"), max: new Date("2199-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe("calendar dates", () => {
  it("accepts only strictly formatted real dates", () => {
    expect(isIsoDate("2026-11-23")).toBe(true);
    expect(isIsoDate("2028-02-29")).toBe(true);
    expect(isIsoDate("2000-02-29")).toBe(true);
    expect(isIsoDate("2026-02-30")).toBe(false);
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2100-02-29")).toBe(false);
    expect(isIsoDate("2026-13-01")).toBe(false);
    expect(isIsoDate("2026-04-31")).toBe(false);
    expect(isIsoDate("2026-1-5")).toBe(false);
    expect(isIsoDate(" 2026-11-23")).toBe(false);
    expect(isIsoDate("2026-11-23T00:00")).toBe(false);
    expect(isIsoDate("0000-01-01")).toBe(false);
    expect(isIsoDate(20261123)).toBe(false);
    expect(isIsoDate(null)).toBe(false);
  });

  it("knows the ISO weekday of a date, Monday = 1 … Sunday = 7", () => {
    expect(weekdayOf("2026-11-23")).toBe(1);
    expect(weekdayOf("2026-08-22")).toBe(6);
    expect(weekdayOf("2026-04-26")).toBe(7);
    expect(weekdayOf("1970-01-01")).toBe(4);
    expect(weekdayOf("1969-12-28")).toBe(7);
    expect(weekdayOf("2000-02-29")).toBe(2);
  });

  it("agrees with Date on weekdays", () => {
    fc.assert(
      fc.property(isoDateArb, (d) => {
        const jsDay = new Date(`${d}T00:00:00Z`).getUTCDay();
        expect(weekdayOf(d)).toBe(jsDay === 0 ? 7 : jsDay);
      }),
    );
  });

  it("adds days across month, year and leap-day boundaries", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(addDays("2026-11-23", 0)).toBe("2026-11-23");
    expect(daysBetween("2026-01-01", "2027-01-01")).toBe(365);
    expect(daysBetween("2028-01-01", "2029-01-01")).toBe(366);
    expect(daysBetween("2026-09-02", "2026-08-29")).toBe(-4);
  });

  it("refuses malformed dates and fractional day counts", () => {
    expect(() => addDays("2026-02-30", 1)).toThrow(RangeError);
    expect(() => addDays("2026-11-23", 1.5)).toThrow(RangeError);
    expect(() => daysBetween("23/11/2026", "2026-11-23")).toThrow(RangeError);
    expect(() => weekdayOf("2026-13-01")).toThrow(RangeError);
  });

  it("addDays and daysBetween undo each other", () => {
    fc.assert(
      fc.property(isoDateArb, fc.integer({ min: -20_000, max: 20_000 }), (d, n) => {
        const later = addDays(d, n);
        expect(isIsoDate(later)).toBe(true);
        expect(daysBetween(d, later)).toBe(n);
        expect(addDays(later, -n)).toBe(d);
      }),
    );
  });
});

describe("wall-clock times", () => {
  it("reads HH:MM in 24 h, with 24:00 as the end of the day", () => {
    expect(isHhmm("08:30")).toBe(true);
    expect(isHhmm("00:00")).toBe(true);
    expect(isHhmm("23:59")).toBe(true);
    expect(isHhmm("24:00")).toBe(true);
    expect(isHhmm("24:01")).toBe(false);
    expect(isHhmm("8:30")).toBe(false);
    expect(isHhmm("08:60")).toBe(false);
    expect(isHhmm("08:30:00")).toBe(false);
    expect(isHhmm(830)).toBe(false);
    expect(minutesOfHhmm("08:30")).toBe(510);
    expect(minutesOfHhmm("16:00")).toBe(960);
    expect(minutesOfHhmm("00:00")).toBe(0);
    expect(minutesOfHhmm("24:00")).toBe(1440);
    expect(() => minutesOfHhmm("8h30")).toThrow(RangeError);
  });
});

describe("Vietnam time zone", () => {
  it("a moment late on Sunday evening UTC is already Monday morning in Vietnam", () => {
    const sundayUtc = Date.UTC(2026, 10, 22, 23, 30); // Sun 22 Nov 23:30 UTC
    expect(localDateOf(sundayUtc, VN_TIME_ZONE)).toBe("2026-11-23");
    expect(localMinuteOf(sundayUtc, VN_TIME_ZONE)).toBe(6 * 60 + 30);
    expect(localPartsOf(sundayUtc, VN_TIME_ZONE)).toEqual({ date: "2026-11-23", minute: 390, weekday: 1 });
    // The same instant is still Sunday in UTC: the zone is really applied.
    expect(localPartsOf(sundayUtc, "UTC")).toEqual({ date: "2026-11-22", minute: 1410, weekday: 7 });
  });

  it("local midnight is minute 0, not 1440", () => {
    const midnightVn = Date.UTC(2026, 10, 22, 17, 0);
    expect(localPartsOf(midnightVn, VN_TIME_ZONE)).toEqual({ date: "2026-11-23", minute: 0, weekday: 1 });
  });

  it("finds the instant of a local wall-clock time", () => {
    expect(epochAt("2026-11-23", "08:05", VN_TIME_ZONE)).toBe(MON_0805_VN);
    expect(epochAt("2026-11-23", "00:00", VN_TIME_ZONE)).toBe(Date.UTC(2026, 10, 22, 17, 0));
    expect(epochAt("2026-11-23", "24:00", VN_TIME_ZONE)).toBe(epochAt("2026-11-24", "00:00", VN_TIME_ZONE));
    expect(epochAt("2026-11-23", "08:05", "UTC")).toBe(Date.UTC(2026, 10, 23, 8, 5));
  });

  it("follows a zone's daylight saving rules (zones are not hardcoded)", () => {
    // Europe/Berlin is UTC+1 in winter and UTC+2 in summer.
    expect(epochAt("2026-01-15", "09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 0, 15, 8, 0));
    expect(epochAt("2026-07-15", "09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 6, 15, 7, 0));
    // On the day of the spring change (02:00 → 03:00 local on 29 Mar 2026), times before and
    // after it have different offsets even though both read the same date.
    expect(epochAt("2026-03-29", "01:30", "Europe/Berlin")).toBe(Date.UTC(2026, 2, 29, 0, 30));
    expect(epochAt("2026-03-29", "09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 2, 29, 7, 0));

  });

  it("rejects an unknown time zone and impossible instants", () => {
    expect(() => localDateOf(MON_0805_VN, "Asia/Hanoi_Nowhere")).toThrow(RangeError);
    expect(() => localDateOf(Number.NaN, VN_TIME_ZONE)).toThrow(RangeError);
    expect(() => localDateOf(8.64e15, VN_TIME_ZONE)).toThrow(RangeError);
  });

  it("epochAt and localPartsOf round-trip for every minute of a Vietnamese day", () => {
    fc.assert(
      fc.property(isoDateArb, fc.integer({ min: 0, max: 1439 }), (date, minute) => {
        const hhmm = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
        const t = epochAt(date, hhmm, VN_TIME_ZONE);
        expect(localPartsOf(t, VN_TIME_ZONE)).toEqual({ date, minute, weekday: weekdayOf(date) });
        // Vietnam has been UTC+7 since 1975.
        expect(t).toBe(Date.parse(`${date}T${hhmm}:00+07:00`));
      }),
    );
  });

  it("localPartsOf then epochAt returns the start of that minute", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1976, 0, 1), max: Date.UTC(2199, 0, 1) }), (t) => {
        const p = localPartsOf(t, VN_TIME_ZONE);
        const hhmm = `${String(Math.floor(p.minute / 60)).padStart(2, "0")}:${String(p.minute % 60).padStart(2, "0")}`;
        expect(epochAt(p.date, hhmm, VN_TIME_ZONE)).toBe(t - (t % 60_000));
      }),
    );
  });
});

/** An independent reading of the wall clock: Intl on every call (formatters of the test's own). */
const referenceFormatters = new Map<string, Intl.DateTimeFormat>();
function intlReading(epochMs: number, timeZone: string): { date: string; minute: number; hhmmss: string } {
  const parts: Record<string, string> = {};
  let f = referenceFormatters.get(timeZone);
  if (!f) referenceFormatters.set(timeZone, (f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  })));
  for (const p of f.formatToParts(epochMs)) parts[p.type] = p.value;
  const hour = Number(parts.hour) % 24;
  return {
    date: `${parts.year!.padStart(4, "0")}-${parts.month}-${parts.day}`,
    minute: hour * 60 + Number(parts.minute),
    hhmmss: `${String(hour).padStart(2, "0")}:${parts.minute}:${parts.second}`,
  };
}

// Zones with DST (north and south), half-hour and 45-minute offsets, a 30-minute DST (Lord Howe),
// negative DST (Dublin), a skipped day (Apia, 2011) and Vietnam's own history (+7:06:30 until 1911).
const ZONES = [
  VN_TIME_ZONE,
  "UTC",
  "Europe/Berlin",
  "Europe/Dublin",
  "America/New_York",
  "America/St_Johns",
  "America/Sao_Paulo",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "Pacific/Apia",
] as const;

describe("the wall-clock cache (offsets remembered per zone and UTC hour)", () => {
  function expectAgrees(t: number, zone: string): void {
    const ref = intlReading(t, zone);
    const parts = localPartsOf(t, zone);
    expect({ date: parts.date, minute: parts.minute }, `${zone} @ ${new Date(t).toISOString()}`).toEqual({ date: ref.date, minute: ref.minute });
    expect(formatTimeVi(t, zone)).toBe(ref.hhmmss.slice(0, 5));
    const jsDay = new Date(`${ref.date}T00:00:00Z`).getUTCDay();
    expect(parts.weekday).toBe(jsDay === 0 ? 7 : jsDay);
  }

  it("agrees with a fresh Intl reading for any zone and instant, asked once or again", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1880, 0, 1), max: Date.UTC(2150, 0, 1) }), fc.integer({ min: -3_600_000, max: 3_600_000 }), (zone, t, near) => {
        expectAgrees(t, zone); // may fill the cache for this hour
        expectAgrees(t, zone); // from the cache
        expectAgrees(t + near, zone); // the same or a neighbouring hour
      }),
      { numRuns: 2000 },
    );
  });

  it("is exact through every offset change: DST both ways, 30-minute DST, Vietnam's history", () => {
    const changes: Array<[string, number]> = [
      ["Europe/Berlin", Date.UTC(2026, 2, 29, 1, 0)], // 02:00 → 03:00
      ["Europe/Berlin", Date.UTC(2026, 9, 25, 1, 0)], // 03:00 → 02:00
      ["America/New_York", Date.UTC(2026, 2, 8, 7, 0)],
      ["America/New_York", Date.UTC(2026, 10, 1, 6, 0)],
      ["Australia/Lord_Howe", Date.UTC(2026, 3, 4, 15, 0)], // −30 minutes
      ["Australia/Lord_Howe", Date.UTC(2026, 9, 3, 15, 30)], // +30 minutes
      [VN_TIME_ZONE, Date.UTC(1911, 3, 30, 16, 53, 30)], // +7:06:30 → +7:00, mid-minute in UTC
      [VN_TIME_ZONE, Date.UTC(1975, 5, 12, 16, 0)], // +8 → +7
    ];
    for (const [zone, at] of changes) {
      // Prime the hours on both sides first, then walk second by second (and odd milliseconds).
      expectAgrees(at - 3_600_000, zone);
      expectAgrees(at + 3_600_000, zone);
      for (let t = at - 5_400_000; t <= at + 5_400_000; t += 997) expectAgrees(t, zone);
    }
  });

  it("changes date at local midnight inside one cached UTC hour (Kolkata midnight is 18:30 UTC)", () => {
    const midnight = Date.UTC(2026, 10, 22, 18, 30); // 2026-11-23 00:00 in India
    expect(localPartsOf(midnight - 1, "Asia/Kolkata")).toEqual({ date: "2026-11-22", minute: 1439, weekday: 7 });
    expect(localPartsOf(midnight, "Asia/Kolkata")).toEqual({ date: "2026-11-23", minute: 0, weekday: 1 });
    expect(localPartsOf(midnight - 1, "Asia/Kolkata")).toEqual({ date: "2026-11-22", minute: 1439, weekday: 7 });
    // Vietnam's midnight (17:00 UTC), asked repeatedly on both sides in one go.
    const vn = Date.UTC(2026, 10, 22, 17, 0);
    for (let i = 0; i < 3; i++) {
      expect(localDateOf(vn - 1, VN_TIME_ZONE)).toBe("2026-11-22");
      expect(localDateOf(vn, VN_TIME_ZONE)).toBe("2026-11-23");
      expect(localMinuteOf(vn - 1, VN_TIME_ZONE)).toBe(1439);
    }
  });

  it("epochAt stays exact for historical offsets with seconds (+7:06:30) and across DST", () => {
    // 1900-01-01 08:00 in Saigon was 00:53:30 UTC.
    expect(epochAt("1900-01-01", "08:00", VN_TIME_ZONE)).toBe(Date.UTC(1900, 0, 1, 0, 53, 30));
    expect(epochAt("1900-01-01", "08:00", VN_TIME_ZONE)).toBe(Date.UTC(1900, 0, 1, 0, 53, 30));
    expect(epochAt("2026-10-25", "09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 9, 25, 8, 0));
    expect(epochAt("2026-10-24", "09:00", "Europe/Berlin")).toBe(Date.UTC(2026, 9, 24, 7, 0));
  });

  it("still refuses an unknown zone after other zones were cached", () => {
    localDateOf(MON_0805_VN, VN_TIME_ZONE);
    expect(() => localDateOf(MON_0805_VN, "Asia/Hanoi_Nowhere")).toThrow(RangeError);
    expect(() => localDateOf(MON_0805_VN, "Asia/Hanoi_Nowhere")).toThrow(RangeError);
  });
});

describe("Vietnamese formatting", () => {
  it("writes dates as dd/mm/yyyy", () => {
    expect(formatDateVi("2026-11-23")).toBe("23/11/2026");
    expect(formatDateVi("2026-01-05")).toBe("05/01/2026");
    expect(() => formatDateVi("2026-02-30")).toThrow(RangeError);
  });

  it("writes times in 24 h with leading zeros, in the branch's zone", () => {
    expect(formatTimeVi(MON_0805_VN, VN_TIME_ZONE)).toBe("08:05");
    expect(formatTimeVi(Date.UTC(2026, 10, 23, 9, 30), VN_TIME_ZONE)).toBe("16:30");
    expect(formatTimeVi(Date.UTC(2026, 10, 22, 17, 0), VN_TIME_ZONE)).toBe("00:00");
  });
});
