/** The verifier page's words, Vietnamese first. */
import { translator, type Messages } from "../../lib/i18n";

const messages = {
  title: { vi: "Kiểm chứng công bằng", en: "Verify fairness" },
  intro: {
    vi: "Mỗi ngày, mỗi chi nhánh ghi một chuỗi băm các sự kiện cấp số và gọi số. Trang này tải chuỗi về và tự kiểm tra ngay trên máy của bạn: không cần tin máy chủ.",
    en: "Every branch-day keeps a hash chain of numbers issued and called. This page downloads it and checks it on your own device: you need not trust the server.",
  },
  branch: { vi: "Chi nhánh", en: "Branch" },
  date: { vi: "Ngày", en: "Date" },
  receiptLegend: { vi: "Biên nhận của bạn (không bắt buộc)", en: "Your receipt (optional)" },
  position: { vi: "Vị trí trong chuỗi", en: "Chain position" },
  hash: { vi: "Mã băm của mục", en: "Entry hash" },
  label: { vi: "Số thứ tự", en: "Ticket number" },
  verify: { vi: "Kiểm chứng", en: "Verify" },
  working: { vi: "Đang tải và kiểm tra {n} mục…", en: "Downloading and checking {n} entries…" },
  valid: { vi: "Hợp lệ", en: "Valid" },
  invalid: { vi: "Không hợp lệ", en: "Not valid" },
  validText: {
    vi: "Mọi mã băm và liên kết đều đúng; mọi lần gọi số theo đúng thứ tự đăng ký (ưu tiên trước) hoặc có lý do được ghi lại.",
    en: "Every hash and link holds; every call followed registration order (priority first) or has a recorded reason.",
  },
  notEnded: { vi: "Ngày chưa kết thúc: chuỗi vẫn đang dài thêm.", en: "The day has not ended: the chain is still growing." },
  head: { vi: "Đầu chuỗi: {n} mục", en: "Head: {n} entries" },
  published: { vi: "Đầu chuỗi đã công bố cuối ngày: {n} mục", en: "Head published at the end of the day: {n} entries" },
  issued: { vi: "Đã cấp {n} số ({p} ưu tiên), huỷ {c}.", en: "{n} numbers issued ({p} priority), {c} cancelled." },
  calls: {
    vi: "Gọi số: {next} theo thứ tự, {priority} ưu tiên, {specific} do cán bộ chọn; gọi lại {recalls}; vắng mặt {noShows}; đã phục vụ {served}; chuyển lĩnh vực {transfers}; hết hiệu lực {expired}.",
    en: "Calls: {next} in order, {priority} priority, {specific} chosen by a clerk; {recalls} recalls; {noShows} no-shows; {served} served; {transfers} transfers; {expired} expired.",
  },
  outOfTurn: {
    vi: "Số {label} được gọi ngoài thứ tự tại quầy {counter} lúc {time}, trước {bypassed} số đang chờ.",
    en: "{label} was called out of turn at counter {counter} at {time}, ahead of {bypassed} waiting numbers.",
  },
  receiptOk: { vi: "Biên nhận số {label} (đăng ký lúc {time}) có trong chuỗi.", en: "Receipt {label} (registered at {time}) is in the chain." },
  receiptBad: { vi: "Biên nhận không khớp: {why}", en: "The receipt does not match: {why}" },
  languageLabel: { vi: "Switch to English", en: "Chuyển sang tiếng Việt" },
  what: {
    vi: "Chuỗi không chứa thông tin cá nhân: công dân chỉ xuất hiện dưới dạng mã băm có khoá, khác nhau mỗi ngày.",
    en: "The chain holds no personal data: a citizen appears only as a keyed hash that differs every day.",
  },
} satisfies Messages<string>;

export const t = translator(messages);
