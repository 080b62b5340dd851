/** The date range of a report: ordered, within one quarter (bounded work for D1). */
import { MAX_REPORT_DAYS } from "../../shared/report-schemas";
import { refuse, type Outcome } from "../../shared/problems";
import { daysBetween } from "../../shared/time";

/** `from`..`to` inclusive; refused when reversed or longer than MAX_REPORT_DAYS days. */
export function checkReportRange(from: string, to: string): Outcome<{ days: number }> {
  const days = daysBetween(from, to) + 1;
  if (days < 1) {
    return refuse("report_range_invalid", undefined, {
      vi: `Ngày bắt đầu (${from}) phải trước hoặc bằng ngày kết thúc (${to}).`,
      en: `The start date (${from}) must not be after the end date (${to}).`,
    });
  }
  if (days > MAX_REPORT_DAYS) {
    return refuse("report_range_invalid", undefined, {
      vi: `Mỗi báo cáo tối đa ${MAX_REPORT_DAYS} ngày; khoảng đã chọn có ${days} ngày.`,
      en: `A report covers at most ${MAX_REPORT_DAYS} days; this range has ${days}.`,
    });
  }
  return { ok: true, days };
}
