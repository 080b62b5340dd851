/**
 * Every refusal the service can give, once: a stable machine code, the HTTP status, and a human
 * title in Vietnamese and English. Rules return `Refusal` values; the Worker turns them into
 * RFC 9457 problem details. Clients switch on `code`, people read `title`/`detail`.
 */

export interface ProblemSpec {
  status: number;
  vi: string;
  en: string;
}

export const PROBLEMS = {
  // Input
  invalid_request: { status: 400, vi: "Yêu cầu không hợp lệ.", en: "The request is not valid." },
  malformed_json: { status: 400, vi: "Nội dung gửi lên không phải JSON hợp lệ.", en: "The request body is not valid JSON." },
  payload_too_large: { status: 413, vi: "Nội dung gửi lên quá lớn.", en: "The request body is too large." },
  unsupported_media_type: { status: 415, vi: "Nội dung phải ở dạng JSON.", en: "The request body must be JSON." },
  not_found: { status: 404, vi: "Không tìm thấy.", en: "Not found." },
  method_not_allowed: { status: 405, vi: "Phương thức không được hỗ trợ.", en: "Method not allowed." },
  unauthorized: { status: 401, vi: "Cần đăng nhập.", en: "Sign-in required." },
  forbidden: { status: 403, vi: "Bạn không có quyền thực hiện thao tác này.", en: "You may not do this." },
  // Identity
  invalid_id_number: { status: 422, vi: "Số định danh cá nhân không hợp lệ.", en: "The personal ID number is not valid." },
  id_number_unknown_province: {
    status: 422,
    vi: "Mã tỉnh trong số định danh không có trong danh sách; vui lòng đến quầy lễ tân để được hỗ trợ.",
    en: "The ID number's province code is not in our list; please go to reception for help.",
  },
  identity_mismatch: {
    status: 409,
    vi: "Thông tin công dân không khớp với số thứ tự.",
    en: "The citizen's identity does not match this ticket.",
  },
  // Branch, field, day
  branch_not_found: { status: 404, vi: "Không tìm thấy chi nhánh.", en: "Branch not found." },
  field_not_offered: { status: 422, vi: "Chi nhánh không tiếp nhận lĩnh vực này.", en: "This branch does not offer this field." },
  service_day_past: { status: 422, vi: "Ngày này đã qua.", en: "This day is in the past." },
  too_far_ahead: { status: 422, vi: "Chưa mở đặt số cho ngày này.", en: "Booking is not open for this day yet." },
  not_a_working_day: { status: 422, vi: "Ngày này không phải ngày làm việc.", en: "This is not a working day." },
  booking_window_closed: { status: 409, vi: "Ngoài giờ lấy số.", en: "Numbers cannot be taken at this time." },
  field_cap_reached: {
    status: 409,
    vi: "Lĩnh vực này đã hết số trong ngày; vui lòng đặt lại vào ngày làm việc tiếp theo.",
    en: "This field has no numbers left for the day; please book again on the next working day.",
  },
  // Citizen limits
  citizen_daily_limit: {
    status: 409,
    vi: "Mỗi công dân chỉ được lấy tối đa 2 số thứ tự mỗi ngày.",
    en: "Each citizen may take at most 2 numbers a day.",
  },
  citizen_field_limit: {
    status: 409,
    vi: "Mỗi công dân chỉ được lấy 1 số thứ tự cho mỗi lĩnh vực mỗi ngày.",
    en: "Each citizen may take only 1 number per field a day.",
  },
  idempotency_key_reused: {
    status: 422,
    vi: "Khoá chống trùng (Idempotency-Key) đã được dùng cho một yêu cầu khác.",
    en: "This Idempotency-Key was already used for a different request.",
  },
  reservation_expired: {
    status: 409,
    vi: "Yêu cầu lấy số đã hết hiệu lực; vui lòng thử lại.",
    en: "This booking attempt expired; please try again.",
  },
  // Tickets and counters
  ticket_not_found: { status: 404, vi: "Không tìm thấy số thứ tự.", en: "Ticket not found." },
  invalid_transition: { status: 409, vi: "Không thể thực hiện thao tác với số thứ tự ở trạng thái hiện tại.", en: "The ticket is not in a state that allows this." },
  counter_not_found: { status: 404, vi: "Không tìm thấy quầy.", en: "Counter not found." },
  counter_not_open: { status: 409, vi: "Quầy chưa mở hoặc đang tạm dừng.", en: "The counter is not open." },
  counter_busy: {
    status: 409,
    vi: "Quầy đang phục vụ một số khác; hãy hoàn tất, chuyển hoặc đánh dấu vắng mặt trước.",
    en: "The counter is still handling a ticket; complete, transfer or mark it no-show first.",
  },
  counter_idle: { status: 409, vi: "Quầy không có số đang gọi.", en: "The counter has no current ticket." },
  counter_field_not_served: { status: 409, vi: "Quầy không phục vụ lĩnh vực này.", en: "This counter does not serve this field." },
  queue_empty: { status: 409, vi: "Không còn số nào đang chờ.", en: "No ticket is waiting." },
  service_day_not_ready: { status: 409, vi: "Ngày phục vụ chưa được cấu hình.", en: "This service day is not configured." },
  // Platform
  rate_limited: { status: 429, vi: "Quá nhiều yêu cầu; vui lòng thử lại sau.", en: "Too many requests; please retry later." },
  overloaded: { status: 503, vi: "Hệ thống đang quá tải; vui lòng thử lại sau giây lát.", en: "The service is busy; please retry shortly." },
  internal: { status: 500, vi: "Đã xảy ra lỗi hệ thống.", en: "Something went wrong on our side." },
} as const satisfies Record<string, ProblemSpec>;

export type ProblemCode = keyof typeof PROBLEMS;

/** Extra facts a refusal carries for the client (dates are "YYYY-MM-DD", instants epoch ms). */
export interface RefusalFacts {
  nextWorkingDay?: string | null;
  lastBookableDay?: string;
  bookingOpensAt?: number | null;
  retryAfterSeconds?: number;
  ticketId?: string;
  errors?: Array<{ path: string; message: string }>;
  /** Which rule of the ID number failed, e.g. "length". */
  reason?: string;
  provinceCode?: string;
  window?: { from: string; until: string };
}

/** A rule's "no": what the engine and the Durable Objects return instead of throwing. */
export interface Refusal {
  ok: false;
  code: ProblemCode;
  detail?: { vi: string; en: string };
  facts?: RefusalFacts;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

/** Builds a refusal value. */
export function refuse(code: ProblemCode, facts?: RefusalFacts, detail?: { vi: string; en: string }): Refusal {
  return { ok: false, code, ...(facts ? { facts } : {}), ...(detail ? { detail } : {}) };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && (value as Refusal).ok === false && typeof (value as Refusal).code === "string";
}
