/**
 * Calendar dates and wall-clock times in a branch's time zone.
 *
 * Service days, booking windows and opening hours are all local to the branch, so every
 * instant is converted through the zone's rules (Intl), never through a hardcoded offset:
 * Vietnam is UTC+7 today, but the zone database knows its history and other zones differ.
 * Pure calendar arithmetic (weekdays, adding days) works on day numbers and needs no zone.
 */
import type { Weekday } from "./branch-config";

export const VN_TIME_ZONE = "Asia/Ho_Chi_Minh";

/** A calendar date "YYYY-MM-DD" (proleptic Gregorian, years 0001–9999). */
export type IsoDate = string;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

// Keep instants inside years 0001–9999 (with a day of margin for zone offsets) so a local
// date always fits "YYYY-MM-DD" and Intl never has to print an era.
const MIN_EPOCH_MS = -62_135_596_800_000 + MS_PER_DAY; // 0001-01-02T00:00Z
const MAX_EPOCH_MS = 253_402_300_800_000 - MS_PER_DAY; // 9999-12-31T00:00Z

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM_RE = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** True when `s` is a strictly formatted "YYYY-MM-DD" that names a real calendar day. */
export function isIsoDate(s: unknown): s is IsoDate {
  if (typeof s !== "string") return false;
  const m = ISO_DATE_RE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** True when `s` is "HH:MM" in 24 h (00:00–23:59), or "24:00" meaning the end of the day. */
export function isHhmm(s: unknown): boolean {
  return typeof s === "string" && HHMM_RE.test(s);
}

/** Minutes since midnight of an "HH:MM" time: "08:30" → 510, "24:00" → 1440. */
export function minutesOfHhmm(hhmm: string): number {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new RangeError(`Not an HH:MM time: ${JSON.stringify(hhmm)}`);
  // The "24:00" alternative has no capture groups.
  if (m[1] === undefined || m[2] === undefined) return 24 * 60;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The local calendar date at `epochMs` in `timeZone`. */
export function localDateOf(epochMs: number, timeZone: string): IsoDate {
  return wallClockOf(epochMs, timeZone).date;
}

/** Minutes since local midnight at `epochMs` in `timeZone` (0–1439). */
export function localMinuteOf(epochMs: number, timeZone: string): number {
  const w = wallClockOf(epochMs, timeZone);
  return w.hour * 60 + w.minute;
}

/** Local date, minute of day and ISO weekday at `epochMs` in `timeZone`, from one Intl call. */
export function localPartsOf(
  epochMs: number,
  timeZone: string,
): { date: IsoDate; minute: number; weekday: Weekday } {
  const w = wallClockOf(epochMs, timeZone);
  return { date: w.date, minute: w.hour * 60 + w.minute, weekday: weekdayOfDayNumber(daysFromCivil(w.year, w.month, w.day)) };
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: IsoDate): Weekday {
  return weekdayOfDayNumber(dayNumberOf(date));
}

function weekdayOfDayNumber(n: number): Weekday {
  // Day 0 (1970-01-01) was a Thursday, ISO weekday 4.
  return ((((n + 3) % 7) + 7) % 7 + 1) as Weekday;
}

/** The instant at which the wall clock in `timeZone` shows `date` `hhmm` ("24:00" = next day 00:00). */
export function epochAt(date: IsoDate, hhmm: string, timeZone: string): number {
  // Read the wall time as if it were UTC, then subtract the zone's offset at that instant.
  // The offset is looked up twice because the first guess may sit on the other side of an
  // offset change; this settles for every zone without DST and for ordinary DST zones.
  // (A wall time skipped by a DST gap, which Vietnam never has, comes out shifted by the gap.)
  const naive = dayNumberOf(date) * MS_PER_DAY + minutesOfHhmm(hhmm) * MS_PER_MINUTE;
  const first = naive - offsetMsAt(naive, timeZone);
  const offset2 = offsetMsAt(first, timeZone);
  return naive - offset2;
}

/** The calendar date `n` days after `date` (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Not a whole number of days: ${n}`);
  return isoDateOfDayNumber(dayNumberOf(date) + n);
}

/** Whole days from `from` to `to` (to − from; negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumberOf(to) - dayNumberOf(from);
}

/** A date the way Vietnamese users write it: "2026-11-23" → "23/11/2026". */
export function formatDateVi(date: IsoDate): string {
  if (!isIsoDate(date)) throw new RangeError(`Not a calendar date: ${JSON.stringify(date)}`);
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** The local 24 h time "HH:MM" at `epochMs` in `timeZone`, e.g. "08:05". */
export function formatTimeVi(epochMs: number, timeZone: string): string {
  const w = wallClockOf(epochMs, timeZone);
  return `${pad2(w.hour)}:${pad2(w.minute)}`;
}

// ---------------------------------------------------------------------------------------------
// Internals

interface WallClock {
  date: IsoDate;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building an Intl.DateTimeFormat is far costlier than using one, and a branch has one zone,
// so keep one per zone. Invalid zones throw before being cached, so the map only ever holds
// real zone names (a bounded set).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      // h23, not hour12:false: some engines print midnight as "24" with the latter.
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      // Seconds matter for historical offsets such as local mean time (+7:06:40).
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The wall clock at `epochMs` in `timeZone`. Asking Intl (formatToParts) is the costly part, and
 * a service asks about "now" several times per request (booking window, today's date, a token's
 * ID check, usage day), so the zone's offset is cached per UTC hour: once it is known, any
 * instant of that hour is plain arithmetic (offset + calendar), with no Intl call.
 *
 * Correct for any zone, not only Vietnam's: an hour is cached only when Intl reports the same
 * offset at its first and its last millisecond, i.e. no offset change (DST, a zone's history)
 * happens inside it; otherwise every instant of that hour still asks Intl. This assumes a zone
 * never changes its offset twice within one hour and back again (no zone in the tz database
 * does). Offsets are whole seconds (even historical ones such as +7:06:40), so the arithmetic
 * truncates to the second exactly as Intl does.
 */
function wallClockOf(epochMs: number, timeZone: string): WallClock {
  checkInstant(epochMs);
  const offset = hourOffsetOf(epochMs, timeZone);
  return offset === null ? intlWallClockOf(epochMs, timeZone) : wallClockOfLocalMs(epochMs + offset);
}

function checkInstant(epochMs: number): void {
  if (!Number.isFinite(epochMs) || epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) {
    throw new RangeError(`Instant out of supported range: ${epochMs}`);
  }
}

const MS_PER_HOUR = 3_600_000;
/** Hours remembered per zone (a service mostly asks about the current one). */
const MAX_CACHED_HOURS = 256;
// zone → UTC hour number → the zone's offset (ms) during all of that hour, or null when it
// changes inside that hour. Only zones Intl accepted get an entry (a bounded set of names).
const hourOffsets = new Map<string, Map<number, number | null>>();

/** The zone's offset throughout the UTC hour holding `epochMs` (cached), or null if it changes within it. */
function hourOffsetOf(epochMs: number, timeZone: string): number | null {
  const hour = Math.floor(epochMs / MS_PER_HOUR);
  let hours = hourOffsets.get(timeZone);
  const known = hours?.get(hour);
  if (known !== undefined) return known;
  const start = hour * MS_PER_HOUR;
  const atStart = intlOffsetMsAt(start, timeZone); // throws for an unknown zone: nothing cached
  const atEnd = intlOffsetMsAt(start + MS_PER_HOUR - 1, timeZone);
  const offset = atStart === atEnd ? atStart : null;
  if (hours === undefined) hourOffsets.set(timeZone, (hours = new Map()));
  else if (hours.size >= MAX_CACHED_HOURS) hours.clear();
  hours.set(hour, offset);
  return offset;
}

// The last local day turned into a date string: "now" keeps asking for the same one.
let lastDayNumber = Number.NaN;
let lastDay = { date: "", year: 0, month: 0, day: 0 };

/** The wall clock of a local time given as milliseconds since 1970-01-01T00:00 local. */
function wallClockOfLocalMs(localMs: number): WallClock {
  const dayNumber = Math.floor(localMs / MS_PER_DAY);
  if (dayNumber !== lastDayNumber) {
    const { y, m, d } = civilFromDays(dayNumber);
    lastDay = { date: `${String(y).padStart(4, "0")}-${pad2(m)}-${pad2(d)}`, year: y, month: m, day: d };
    lastDayNumber = dayNumber;
  }
  const secondOfDay = Math.floor((localMs - dayNumber * MS_PER_DAY) / 1000);
  return {
    ...lastDay,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
  };
}

/** The wall clock as Intl reads it (the reference the cached arithmetic must agree with). */
function intlWallClockOf(epochMs: number, timeZone: string): WallClock {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of formatterFor(timeZone).formatToParts(epochMs)) {
    switch (p.type) {
      case "year": year = Number(p.value); break;
      case "month": month = Number(p.value); break;
      case "day": day = Number(p.value); break;
      case "hour": hour = Number(p.value) % 24; break; // defensive against a "24" midnight
      case "minute": minute = Number(p.value); break;
      case "second": second = Number(p.value); break;
    }
  }
  const date = `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
  return { date, year, month, day, hour, minute, second };
}

/** Zone offset (local wall time minus UTC) in ms at the instant `epochMs`. */
function offsetMsAt(epochMs: number, timeZone: string): number {
  checkInstant(epochMs);
  return hourOffsetOf(epochMs, timeZone) ?? intlOffsetMsAt(epochMs, timeZone);
}

/** The offset at `epochMs` as Intl reports it (whole seconds). */
function intlOffsetMsAt(epochMs: number, timeZone: string): number {
  const w = intlWallClockOf(epochMs, timeZone);
  const wallAsUtc =
    daysFromCivil(w.year, w.month, w.day) * MS_PER_DAY +
    ((w.hour * 60 + w.minute) * 60 + w.second) * 1000;
  // Intl drops milliseconds; compare against the instant truncated to the whole second.
  const truncated = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return wallAsUtc - truncated;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Dates already checked and converted: the same few (today, the booking days) come up on every
// request, and checking one costs a regular expression and three number parses.
const dayNumbers = new Map<string, number>();
const MAX_REMEMBERED_DATES = 4096;

function dayNumberOf(date: IsoDate): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  if (!isIsoDate(date)) throw new RangeError(`Not a calendar date: ${JSON.stringify(date)}`);
  const n = daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
  if (dayNumbers.size >= MAX_REMEMBERED_DATES) dayNumbers.clear();
  dayNumbers.set(date, n);
  return n;
}

function isoDateOfDayNumber(n: number): IsoDate {
  const { y, m, d } = civilFromDays(n);
  if (y < 1 || y > 9999) throw new RangeError(`Date out of range (years 0001–9999): day ${n}`);
  return `${String(y).padStart(4, "0")}-${pad2(m)}-${pad2(d)}`;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
// Done by hand rather than with Date.UTC, which maps years 0–99 to 1900–1999.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(n: number): { y: number; m: number; d: number } {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}
