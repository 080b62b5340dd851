/**
 * A report as CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads Vietnamese as
 * mojibake), CRLF line ends, comma separator, headers in the reader's language. Values are
 * machine-plain: ISO dates, whole numbers, durations in whole seconds, the rating average with a
 * decimal point. Every field is quoted when it needs to be, and text that Excel would run as a
 * formula (=, +, -, @ first) is prefixed with an apostrophe.
 */
import type { ReportFigures, ReportResponse, ReportRow } from "../../shared/report-schemas";

export const CSV_BOM = "\uFEFF";

type Lang = "vi" | "en";

const HEADERS: Record<string, { vi: string; en: string }> = {
  from: { vi: "Từ ngày", en: "From" },
  to: { vi: "Đến ngày", en: "To" },
  key: { vi: "Nhóm", en: "Group" },
  name: { vi: "Tên", en: "Name" },
  issued: { vi: "Số đã cấp", en: "Issued" },
  served: { vi: "Đã phục vụ", en: "Served" },
  noShow: { vi: "Vắng mặt", en: "No-show" },
  expired: { vi: "Hết hiệu lực", en: "Expired" },
  cancelled: { vi: "Đã huỷ", en: "Cancelled" },
  unresolved: { vi: "Chưa kết thúc", en: "Unresolved" },
  waitCount: { vi: "Số lượt chờ", en: "Waits" },
  waitP50: { vi: "Thời gian chờ P50 (giây)", en: "Wait P50 (s)" },
  waitP90: { vi: "Thời gian chờ P90 (giây)", en: "Wait P90 (s)" },
  serviceCount: { vi: "Số lượt phục vụ", en: "Services" },
  serviceP50: { vi: "Thời gian phục vụ P50 (giây)", en: "Service P50 (s)" },
  serviceP90: { vi: "Thời gian phục vụ P90 (giây)", en: "Service P90 (s)" },
  busy: { vi: "Tổng thời gian phục vụ (giây)", en: "Busy time (s)" },
  ratingCount: { vi: "Số đánh giá", en: "Ratings" },
  ratingAverage: { vi: "Điểm đánh giá trung bình", en: "Average rating" },
};

const GROUP_HEADERS: Record<ReportResponse["groupBy"], { vi: string; en: string }> = {
  branch: { vi: "Chi nhánh", en: "Branch" },
  field: { vi: "Lĩnh vực", en: "Field" },
  hour: { vi: "Giờ", en: "Hour" },
  counter: { vi: "Quầy", en: "Counter" },
  day: { vi: "Ngày", en: "Date" },
};

/** Whole seconds of a duration in ms (null stays empty). */
export function csvSeconds(ms: number | null): string {
  return ms === null ? "" : String(Math.round(ms / 1000));
}

/** One CSV field: quoted when it holds a separator, quote or line break; formulas defused. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function figures(f: ReportFigures): Array<string | number> {
  return [
    f.issued,
    f.served,
    f.noShow,
    f.expired,
    f.cancelled,
    f.unresolved,
    f.waitMs.count,
    csvSeconds(f.waitMs.p50),
    csvSeconds(f.waitMs.p90),
    f.serviceMs.count,
    csvSeconds(f.serviceMs.p50),
    csvSeconds(f.serviceMs.p90),
    csvSeconds(f.busyMs),
    f.ratings.count,
    f.ratings.average === null ? "" : f.ratings.average.toFixed(2),
  ];
}

/** The report as CSV text, BOM first; the last line is the total ("Tổng cộng" / "Total"). */
export function reportCsv(report: ReportResponse, lang: Lang): string {
  const h = (k: string) => HEADERS[k]![lang];
  const header = [
    h("from"),
    h("to"),
    GROUP_HEADERS[report.groupBy][lang],
    h("name"),
    ...["issued", "served", "noShow", "expired", "cancelled", "unresolved", "waitCount", "waitP50", "waitP90", "serviceCount", "serviceP50", "serviceP90", "busy", "ratingCount", "ratingAverage"].map(h),
  ];
  const line = (cells: Array<string | number | null>) => cells.map(csvField).join(",");
  const rowLine = (r: ReportRow) => line([report.from, report.to, r.key ?? "", r.name?.[lang] ?? "", ...figures(r)]);
  const totalLine = line([report.from, report.to, lang === "vi" ? "Tổng cộng" : "Total", "", ...figures(report.total)]);
  return CSV_BOM + [line(header), ...report.rows.map(rowLine), totalLine].join("\r\n") + "\r\n";
}

/** A file name for the download, e.g. "bao-cao_hn-cn01_2026-11-01_2026-11-30_field.csv". */
export function reportFileName(scope: string, report: ReportResponse): string {
  return `bao-cao_${scope}_${report.from}_${report.to}_${report.groupBy}.csv`;
}
