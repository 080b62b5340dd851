/**
 * The text of the QR code on the front of the chip ID card (CCCD), as scanned at reception and
 * kiosks: seven fields separated by "|": ID number | old 9-digit ID (may be empty) | full name |
 * date of birth DDMMYYYY | gender | address | issue date DDMMYYYY.
 *
 * A scanner is a keyboard as far as the software knows, so the text is treated as hostile:
 * bounded in length, split strictly, and every field checked before anything is trusted.
 */
import { type IsoDate, isIsoDate } from "./time";

export type CccdQrOk = {
  ok: true;
  idNumber: string;
  oldIdNumber: string | null;
  fullName: string;
  dateOfBirth: IsoDate;
  gender: string;
  address: string;
  issuedOn: IsoDate;
};

export type CccdQrReason =
  | "not_text"
  | "too_long"
  | "control_chars"
  | "field_count"
  | "id_number"
  | "old_id_number"
  | "full_name"
  | "date_of_birth"
  | "gender"
  | "address"
  | "issued_on"
  | "dates_order";

export type CccdQrError = { ok: false; reason: CccdQrReason; vi: string; en: string };

// A real card's text is a few hundred characters at most (long addresses included).
const MAX_LENGTH = 1000;
// Generous bounds per field: far above real names and addresses, far below MAX_LENGTH.
const MAX_NAME_LENGTH = 120;
const MAX_GENDER_LENGTH = 10;
const MAX_ADDRESS_LENGTH = 400;

/** Parses the text of a CCCD QR code into checked fields, or explains in Vietnamese and English why it cannot. */
export function parseCccdQr(text: unknown): CccdQrOk | CccdQrError {
  if (typeof text !== "string") {
    return fail("not_text", "Không đọc được mã QR trên thẻ CCCD.", "The CCCD QR code could not be read.");
  }
  if (text.length > MAX_LENGTH) {
    return fail(
      "too_long",
      "Nội dung mã QR quá dài, không phải mã QR của thẻ CCCD.",
      "The QR text is too long to be a CCCD QR code.",
    );
  }
  // Scanners often add a trailing newline, and some cards' text ends with "|".
  let body = text.trim();
  if (body.endsWith("|")) body = body.slice(0, -1);
  // Control characters (other than the trimmed ends) never occur on a card; they would also
  // let a forged code smuggle line breaks into logs and printed slips.
  if (/\p{Cc}/u.test(body)) {
    return fail(
      "control_chars",
      "Mã QR chứa ký tự điều khiển không hợp lệ.",
      "The QR text contains invalid control characters.",
    );
  }
  const fields = body.split("|").map((f) => f.trim());
  if (fields.length !== 7) {
    return fail(
      "field_count",
      `Mã QR CCCD phải có 7 trường ngăn cách bởi dấu "|" (mã này có ${fields.length}).`,
      `A CCCD QR code has 7 fields separated by "|" (this one has ${fields.length}).`,
    );
  }
  const [idNumber = "", oldId = "", rawName = "", rawDob = "", rawGender = "", rawAddress = "", rawIssued = ""] =
    fields;

  if (!/^\d{12}$/.test(idNumber)) {
    return fail(
      "id_number",
      "Trường đầu tiên của mã QR phải là số định danh cá nhân gồm 12 chữ số.",
      "The first field of the QR code must be the 12-digit personal identification number.",
    );
  }
  // The old ID card (CMND) number was 9 digits; 12-digit CMND were also issued (2012–2016).
  if (oldId !== "" && !/^(?:\d{9}|\d{12})$/.test(oldId)) {
    return fail(
      "old_id_number",
      "Số CMND cũ trong mã QR không hợp lệ (phải để trống hoặc gồm 9 hay 12 chữ số).",
      "The old ID card number in the QR code is not valid (it must be empty, 9 or 12 digits).",
    );
  }
  // NFC so that the same Vietnamese name always compares equal, however it was encoded.
  const fullName = rawName.normalize("NFC");
  if (fullName === "" || fullName.length > MAX_NAME_LENGTH) {
    return fail("full_name", "Họ và tên trong mã QR không hợp lệ.", "The full name in the QR code is not valid.");
  }
  const dateOfBirth = isoOfDdmmyyyy(rawDob);
  if (dateOfBirth === null) {
    return fail(
      "date_of_birth",
      "Ngày sinh trong mã QR không hợp lệ (cần dạng ngày tháng năm DDMMYYYY).",
      "The date of birth in the QR code is not valid (expected DDMMYYYY).",
    );
  }
  const gender = rawGender.normalize("NFC");
  if (gender === "" || gender.length > MAX_GENDER_LENGTH) {
    return fail("gender", "Giới tính trong mã QR không hợp lệ.", "The gender in the QR code is not valid.");
  }
  const address = rawAddress.normalize("NFC");
  if (address === "" || address.length > MAX_ADDRESS_LENGTH) {
    return fail("address", "Địa chỉ trong mã QR không hợp lệ.", "The address in the QR code is not valid.");
  }
  const issuedOn = isoOfDdmmyyyy(rawIssued);
  if (issuedOn === null) {
    return fail(
      "issued_on",
      "Ngày cấp trong mã QR không hợp lệ (cần dạng ngày tháng năm DDMMYYYY).",
      "The issue date in the QR code is not valid (expected DDMMYYYY).",
    );
  }
  // ISO dates compare correctly as strings.
  if (issuedOn < dateOfBirth) {
    return fail(
      "dates_order",
      "Ngày cấp trong mã QR trước ngày sinh: mã QR không hợp lệ.",
      "The issue date in the QR code is before the date of birth: the QR code is not valid.",
    );
  }
  return {
    ok: true,
    idNumber,
    oldIdNumber: oldId === "" ? null : oldId,
    fullName,
    dateOfBirth,
    gender,
    address,
    issuedOn,
  };
}

/** "23112026" → "2026-11-23", or null when it is not a real calendar date. */
function isoOfDdmmyyyy(s: string): IsoDate | null {
  if (!/^\d{8}$/.test(s)) return null;
  const iso = `${s.slice(4, 8)}-${s.slice(2, 4)}-${s.slice(0, 2)}`;
  return isIsoDate(iso) ? iso : null;
}

function fail(reason: CccdQrReason, vi: string, en: string): CccdQrError {
  return { ok: false, reason, vi, en };
}
