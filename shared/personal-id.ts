/**
 * The 12-digit personal identification number (số định danh cá nhân) printed on the CCCD:
 * digits 1–3 province of birth registration, digit 4 century and gender, digits 5–6 the last two
 * digits of the birth year, digits 7–12 random. There is no check digit, so only the structure
 * can be checked; messages name what is wrong so a citizen can fix a typo themselves.
 */
import { localDateOf, VN_TIME_ZONE } from "./time";

/** Province codes of the 63 pre-2025 provinces; the 34 post-merger codes are a subset. */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
  "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
  "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
  "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
  "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
  "094", "095", "096",
]);

export type PersonalIdOk = {
  ok: true;
  idNumber: string;
  provinceCode: string;
  /** False for a code outside the list (e.g. births registered abroad): not an error, the caller decides. */
  knownProvince: boolean;
  gender: "male" | "female";
  birthYear: number;
};

export type PersonalIdError = {
  ok: false;
  reason: "not_text" | "length" | "digits" | "century_gender" | "birth_year_future";
  vi: string;
  en: string;
};

// Digit 4: an even digit is male, odd female; each pair names a century.
const CENTURY_BY_DIGIT: Readonly<Record<string, number>> = {
  "0": 1900, "1": 1900, "2": 2000, "3": 2000, "4": 2100,
  "5": 2100, "6": 2200, "7": 2200, "8": 2300, "9": 2300,
};

// People type the number the way it is grouped on the card ("001 090 012 345") or with dots or
// dashes; those separators carry no meaning. Any other character is refused, not dropped.
const SEPARATORS_RE = /[\s.\-‐‑–—]/g;
// Anything longer is not someone typing an ID number; don't spend work on it.
const MAX_RAW_LENGTH = 64;

/** Validates and normalises a typed personal ID number, explaining any problem in Vietnamese and English. */
export function checkPersonalId(raw: unknown, nowEpochMs: number): PersonalIdOk | PersonalIdError {
  if (typeof raw !== "string") {
    return fail(
      "not_text",
      "Vui lòng nhập số định danh cá nhân (12 chữ số).",
      "Please enter the personal identification number (12 digits).",
    );
  }
  const trimmed = raw.trim();
  if (trimmed.length > MAX_RAW_LENGTH) {
    return fail(
      "length",
      "Số định danh cá nhân phải có đúng 12 chữ số (nội dung bạn nhập quá dài).",
      "The personal identification number must have exactly 12 digits (what you entered is far too long).",
    );
  }
  const compact = trimmed.replace(SEPARATORS_RE, "");
  // Report the first offending character by its position in what the person typed.
  const bad = /[^0-9\s.\-‐‑–—]/u.exec(trimmed);
  if (bad) {
    const position = [...trimmed.slice(0, bad.index)].length + 1;
    const ch = [...trimmed.slice(bad.index)][0] ?? "";
    // Echo letters and digits only (e.g. the letter O typed for a zero); never echo other input.
    const shown = /^[\p{L}\p{N}]$/u.test(ch) ? ` ("${ch}")` : "";
    return fail(
      "digits",
      `Số định danh cá nhân chỉ gồm chữ số; ký tự thứ ${position}${shown} không phải chữ số.`,
      `The personal identification number contains only digits; character ${position}${shown} is not a digit.`,
    );
  }
  if (compact.length === 0) {
    return fail(
      "length",
      "Vui lòng nhập số định danh cá nhân (12 chữ số).",
      "Please enter the personal identification number (12 digits).",
    );
  }
  if (compact.length !== 12) {
    return fail(
      "length",
      `Số định danh cá nhân phải có đúng 12 chữ số (bạn nhập ${compact.length}).`,
      `The personal identification number must have exactly 12 digits (you entered ${compact.length}).`,
    );
  }
  const centuryDigit = compact.charAt(3);
  const century = CENTURY_BY_DIGIT[centuryDigit];
  if (century === undefined) {
    // Unreachable today (every digit names a century), kept so a narrowed table stays safe.
    return fail(
      "century_gender",
      `Chữ số thứ 4 của số định danh cá nhân (${centuryDigit}) không ứng với thế kỷ và giới tính nào.`,
      `Digit 4 of the personal identification number (${centuryDigit}) does not encode a century and gender.`,
    );
  }
  const birthYear = century + Number(compact.slice(4, 6));
  // The year as it is in Vietnam, where the number was issued.
  const currentYear = Number(localDateOf(nowEpochMs, VN_TIME_ZONE).slice(0, 4));
  if (birthYear > currentYear) {
    return fail(
      "birth_year_future",
      `Số định danh cá nhân không hợp lệ: chữ số thứ 4–6 cho năm sinh ${birthYear}, sau năm hiện tại (${currentYear}). Vui lòng kiểm tra lại.`,
      `The personal identification number is not valid: digits 4–6 give birth year ${birthYear}, after the current year (${currentYear}). Please check it.`,
    );
  }
  const provinceCode = compact.slice(0, 3);
  return {
    ok: true,
    idNumber: compact,
    provinceCode,
    knownProvince: PROVINCE_CODES.has(provinceCode),
    gender: Number(centuryDigit) % 2 === 0 ? "male" : "female",
    birthYear,
  };
}

/** A personal ID number for display, showing only the first and last three digits: "001******345". */
export function maskPersonalId(idNumber: string): string {
  // Anything that is not a well-formed number is fully hidden: a malformed value may still be
  // someone's real number with a stray character, and masking must never leak it.
  if (!/^\d{12}$/.test(idNumber)) return "************";
  return `${idNumber.slice(0, 3)}******${idNumber.slice(9)}`;
}

function fail(reason: PersonalIdError["reason"], vi: string, en: string): PersonalIdError {
  return { ok: false, reason, vi, en };
}
