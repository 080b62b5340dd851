/**
 * Dates, times and numbers as Vietnamese users write them (22/11/2026, 08:05, 1.040), always in
 * the branch's time zone (Asia/Ho_Chi_Minh), whatever the device's zone. English uses the same
 * zone with English conventions.
 */
import { lang } from "./i18n";

export const VN_TIME_ZONE = "Asia/Ho_Chi_Minh";
const locale = () => (lang.value === "vi" ? "vi-VN" : "en-GB");

/** "08:05" */
export function formatTime(epochMs: number): string {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: VN_TIME_ZONE }).format(epochMs);
}

/** "22/11/2026" from "2026-11-22" (a calendar date, no time zone arithmetic). */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-");
  return `${d}/${m}/${y}`;
}

/** "Chủ nhật, 22/11/2026" / "Sunday, 22/11/2026" */
export function formatDateLong(isoDate: string): string {
  const noonUtc = Date.parse(`${isoDate}T05:00:00Z`); // noon in Hanoi: never crosses a day
  const weekday = new Intl.DateTimeFormat(locale(), { weekday: "long", timeZone: VN_TIME_ZONE }).format(noonUtc);
  const cap = weekday.charAt(0).toUpperCase() + weekday.slice(1);
  return `${cap}, ${formatDate(isoDate)}`;
}

/** "1.040" in Vietnamese, "1,040" in English. */
export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** "15–25 phút" / "15–25 min" for a wait range in minutes. */
export function formatMinutesRange(lo: number, hi: number): string {
  const unit = lang.value === "vi" ? "phút" : "min";
  const a = Math.max(0, Math.round(lo));
  const b = Math.max(a, Math.round(hi));
  return a === b ? `${a} ${unit}` : `${a}–${b} ${unit}`;
}

/** Today's date in Hanoi as YYYY-MM-DD. */
export function todayInVietnam(now = Date.now()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: VN_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}
