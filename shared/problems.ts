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
  invalid_token: {
    status: 401,
    vi: "Mã xác thực không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
    en: "The access token is not valid or has expired; please sign in again.",
  },
  consent_required: {
    status: 403,
    vi: "Cần đồng ý với chính sách xử lý dữ liệu cá nhân hiện hành trước khi tiếp tục; vui lòng đăng nhập lại để xem và đồng ý.",
    en: "You need to agree to the current personal data policy first; please sign in again to read and accept it.",
  },
  identity_mismatch: {
    status: 409,
    vi: "Thông tin công dân không khớp với số thứ tự.",
    en: "The citizen's identity does not match this ticket.",
  },
  // Sign-in with the national SSO (OpenID Connect)
  sso_not_configured: {
    status: 404,
    vi: "Chưa cấu hình đăng nhập bằng tài khoản định danh điện tử (VNeID) tại đây; vui lòng đăng nhập cách khác.",
    en: "Sign-in with the national digital identity (VNeID) is not configured here; please sign in another way.",
  },
  sso_flow_invalid: {
    status: 400,
    vi: "Lượt đăng nhập đã hết hạn hoặc không hợp lệ; vui lòng đăng nhập lại từ đầu.",
    en: "This sign-in attempt expired or is not valid; please start signing in again.",
  },
  sso_sign_in_failed: {
    status: 401,
    vi: "Đăng nhập qua hệ thống định danh không thành công; vui lòng thử lại.",
    en: "Signing in with the identity provider failed; please try again.",
  },
  sso_unavailable: {
    status: 502,
    vi: "Hệ thống đăng nhập định danh đang không phản hồi; vui lòng thử lại sau hoặc đăng nhập cách khác.",
    en: "The identity provider is not responding; please retry later or sign in another way.",
  },
  // Sign-in with a one-time code (OTP)
  phone_not_vietnamese_mobile: {
    status: 422,
    vi: "Số điện thoại phải là số di động Việt Nam (ví dụ 0912 345 678).",
    en: "The phone number must be a Vietnamese mobile number (e.g. 0912 345 678).",
  },
  otp_code_invalid: { status: 401, vi: "Mã xác thực không đúng.", en: "The verification code is not correct." },
  otp_code_expired: {
    status: 401,
    vi: "Mã xác thực đã hết hiệu lực hoặc chưa được gửi; vui lòng yêu cầu mã mới.",
    en: "The verification code has expired or was never sent; please request a new one.",
  },
  otp_locked: {
    status: 429,
    vi: "Nhập sai mã xác thực quá nhiều lần; vui lòng thử lại sau 15 phút hoặc đăng nhập bằng VNeID.",
    en: "Too many wrong codes; please try again in 15 minutes or sign in with VNeID.",
  },
  otp_resend_too_soon: {
    status: 429,
    vi: "Mã xác thực vừa được gửi; vui lòng chờ trước khi yêu cầu mã mới.",
    en: "A code was just sent; please wait before asking for a new one.",
  },
  otp_daily_limit: {
    status: 429,
    vi: "Đã gửi quá nhiều mã xác thực cho số định danh này trong 24 giờ; vui lòng thử lại sau hoặc đăng nhập bằng VNeID.",
    en: "Too many codes were sent for this ID number in 24 hours; please try later or sign in with VNeID.",
  },
  sms_unavailable: {
    status: 503,
    vi: "Hiện không gửi được tin nhắn mã xác thực; vui lòng thử lại sau hoặc đăng nhập bằng VNeID.",
    en: "The verification SMS cannot be sent right now; please retry later or sign in with VNeID.",
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
  idempotency_in_progress: {
    status: 409,
    vi: "Một yêu cầu với cùng khoá chống trùng (Idempotency-Key) đang được xử lý; vui lòng thử lại sau giây lát.",
    en: "A request with this Idempotency-Key is still being processed; please retry shortly.",
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
  // Administration (branch configuration, worker/routes/staff-admin.ts)
  branch_exists: { status: 409, vi: "Mã chi nhánh đã tồn tại.", en: "A branch with this id already exists." },
  field_exists: { status: 409, vi: "Mã lĩnh vực đã tồn tại.", en: "A field with this code already exists." },
  field_not_found: { status: 404, vi: "Không tìm thấy lĩnh vực.", en: "Field not found." },
  series_overlap: {
    status: 409,
    vi: "Dãy số của lĩnh vực này trùng với dãy số của lĩnh vực khác tại cùng chi nhánh (cùng tiền tố, hoặc khối số chồng lên nhau theo chỉ tiêu).",
    en: "This field's number series overlaps another field's at the same branch (same prefix, or number blocks that overlap given the caps).",
  },
  cap_exceeds_series: {
    status: 422,
    vi: "Chỉ tiêu trong ngày lớn hơn số lượng số mà dãy số của lĩnh vực có thể đánh.",
    en: "The daily cap is larger than the field's number series can number.",
  },
  counter_field_not_offered: {
    status: 422,
    vi: "Quầy chỉ phục vụ được các lĩnh vực chi nhánh đang tiếp nhận.",
    en: "A counter can serve only fields the branch offers.",
  },
  // Ratings (shared/ratings.ts)
  rating_not_open: {
    status: 409,
    vi: "Chỉ đánh giá được sau khi hồ sơ đã được giải quyết xong tại quầy.",
    en: "A ticket can be rated only after it was served at a counter.",
  },
  rating_already_given: { status: 409, vi: "Số thứ tự này đã được đánh giá; cảm ơn bạn.", en: "This ticket was already rated; thank you." },
  rating_nothing_to_rate: {
    status: 409,
    vi: "Quầy không có lượt phục vụ nào vừa hoàn tất để đánh giá.",
    en: "This counter has no just-completed service to rate.",
  },
  // Reports
  report_range_invalid: {
    status: 422,
    vi: "Khoảng ngày của báo cáo không hợp lệ (từ ngày phải trước đến ngày, tối đa 92 ngày).",
    en: "The report's date range is not valid (from must not be after to; at most 92 days).",
  },
  // Staff accounts and sign-in
  invalid_credentials: {
    status: 401,
    vi: "Tên đăng nhập hoặc mật khẩu không đúng. Sau 5 lần nhập sai liên tiếp, tài khoản tạm khoá 15 phút.",
    en: "Wrong username or password. After 5 failed attempts in a row the account is locked for 15 minutes.",
  },
  current_password_incorrect: { status: 403, vi: "Mật khẩu hiện tại không đúng.", en: "The current password is wrong." },
  username_taken: { status: 409, vi: "Tên đăng nhập đã được sử dụng.", en: "This username is already taken." },
  last_admin: {
    status: 409,
    vi: "Phải còn ít nhất một quản trị viên đang hoạt động; hãy tạo quản trị viên khác trước.",
    en: "At least one active administrator must remain; create another administrator first.",
  },
  counter_opened_by_other: {
    status: 403,
    vi: "Quầy này do cán bộ khác mở; chỉ người mở quầy hoặc quản lý chi nhánh mới thao tác được.",
    en: "Another staff member opened this counter; only they or a branch manager may act at it.",
  },
  // Platform
  rate_limited: { status: 429, vi: "Quá nhiều yêu cầu; vui lòng thử lại sau.", en: "Too many requests; please retry later." },
  // Human check on the public booking page (Cloudflare Turnstile, when configured)
  human_check_failed: {
    status: 403,
    vi: "Chưa xác minh được bạn là người dùng thật; vui lòng hoàn tất bước kiểm tra trên trang và thử lại.",
    en: "We could not confirm you are a person; please complete the check on the page and try again.",
  },
  human_check_unavailable: {
    status: 503,
    vi: "Hiện chưa kiểm tra được bước xác minh người dùng; vui lòng thử lại sau giây lát.",
    en: "The human check cannot be verified right now; please retry shortly.",
  },
  platform_keys_unavailable: {
    status: 503,
    vi: "Chưa kiểm tra được mã xác thực của nền tảng thành phố (không tải được khoá công khai); vui lòng thử lại sau giây lát.",
    en: "The city platform's token could not be checked (its public keys could not be loaded); please retry shortly.",
  },
  // Platform clients and webhooks (issue 6)
  platform_scope_missing: {
    status: 403,
    vi: "Ứng dụng nền tảng không được cấp quyền (scope) cho thao tác này.",
    en: "The platform client is not granted the scope this call needs.",
  },
  platform_client_not_found: { status: 404, vi: "Không tìm thấy ứng dụng nền tảng.", en: "Platform client not found." },
  platform_issuer_taken: {
    status: 409,
    vi: "Mã nhà phát hành (issuer) đã được một ứng dụng nền tảng khác sử dụng.",
    en: "This issuer is already used by another platform client.",
  },
  platform_jwks_invalid: {
    status: 422,
    vi: "Bộ khoá công khai (JWKS) không hợp lệ: chỉ chấp nhận khoá công khai bất đối xứng (RSA, EC P-256, Ed25519).",
    en: "The key set (JWKS) is not valid: only public asymmetric keys (RSA, EC P-256, Ed25519) are accepted.",
  },
  webhook_url_invalid: {
    status: 422,
    vi: "Địa chỉ nhận sự kiện (webhook) phải là URL https.",
    en: "The webhook URL must be an https URL.",
  },
  webhook_endpoint_not_found: { status: 404, vi: "Không tìm thấy địa chỉ nhận sự kiện.", en: "Webhook endpoint not found." },
  webhook_delivery_not_found: { status: 404, vi: "Không tìm thấy lượt gửi sự kiện.", en: "Webhook delivery not found." },
  // Verifiable fairness
  fairness_chain_not_found: {
    status: 404,
    vi: "Không có chuỗi kiểm chứng cho chi nhánh và ngày này (chưa có hoạt động, hoặc ngày đã quá xa và chưa được công bố).",
    en: "There is no fairness chain for this branch and day (nothing happened yet, or the day is too old and was not published).",
  },
  webhook_delivery_not_dead: {
    status: 409,
    vi: "Chỉ gửi lại được các lượt gửi đã thất bại hẳn.",
    en: "Only dead deliveries can be replayed.",
  },
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
  /** Wrong one-time codes still allowed before the lockout (otp_code_invalid). */
  attemptsLeft?: number;
  /** The identity provider's OAuth error code (e.g. access_denied), for sso_sign_in_failed. */
  providerError?: string;
  /** The personal-data policy version a citizen must have accepted (consent_required). */
  policyVersion?: string;
}

/** A rule's "no": what the engine and the Durable Objects return instead of throwing. */
export interface Refusal {
  ok: false;
  code: ProblemCode;
  detail?: { vi: string; en: string };
  facts?: RefusalFacts;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

/** Why booking is refused after the citizen withdrew consent (the ledger and the Worker say it). */
export const CONSENT_WITHDRAWN_DETAIL = {
  vi: "Bạn đã rút lại sự đồng ý xử lý dữ liệu cá nhân; hãy đồng ý lại với chính sách hiện hành để lấy số thứ tự trực tuyến.",
  en: "You withdrew your consent to the personal data policy; agree to the current policy again to take numbers online.",
} as const;

/** Builds a refusal value. */
export function refuse(code: ProblemCode, facts?: RefusalFacts, detail?: { vi: string; en: string }): Refusal {
  return { ok: false, code, ...(facts ? { facts } : {}), ...(detail ? { detail } : {}) };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && (value as Refusal).ok === false && typeof (value as Refusal).code === "string";
}
