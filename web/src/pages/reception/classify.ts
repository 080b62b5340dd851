/**
 * What did reception just scan or type? A scanner is a keyboard as far as the page knows, and a
 * camera reads whatever QR is held up, so the text is classified strictly:
 * - a ticket: the id the citizen page's QR carries ("<branch>:<YYYY-MM-DD>:<seq>", also found
 *   inside a longer text such as a link) or a printed number such as "A015" / "2015";
 * - an identity: the chip ID card's QR text (shared/cccd-qr.ts) or a typed 12-digit ID number.
 * The raw identity text is kept only in memory until it is sent; the page shows a masked form.
 */
import { TICKET_ID_RE } from "@shared/api-schemas";
import { parseCccdQr } from "@shared/cccd-qr";
import { maskPersonalId } from "@shared/personal-id";

export type Scanned =
  | { kind: "ticket_id"; ticketId: string; branchId: string; date: string; seq: number }
  | { kind: "label"; label: string }
  | { kind: "chip_qr"; text: string; masked: string }
  | { kind: "id_number"; idNumber: string; masked: string }
  | { kind: "unknown"; reason: string; message?: { vi: string; en: string } };

const EMBEDDED_TICKET_ID = new RegExp(TICKET_ID_RE.source.slice(1, -1));
const LABEL_RE = /^[A-Z]{0,3}[0-9]{1,6}$/;

export function classifyScan(raw: string): Scanned {
  const text = raw.trim();
  if (text === "") return { kind: "unknown", reason: "empty" };
  if (text.includes("|")) {
    const card = parseCccdQr(text);
    if (card.ok) return { kind: "chip_qr", text, masked: maskPersonalId(card.idNumber) };
    return { kind: "unknown", reason: card.reason, message: { vi: card.vi, en: card.en } };
  }
  const digits = text.replace(/[\s.-]/g, "");
  if (/^\d{12}$/.test(digits)) return { kind: "id_number", idNumber: digits, masked: maskPersonalId(digits) };
  const whole = TICKET_ID_RE.exec(text) ?? EMBEDDED_TICKET_ID.exec(decodeURIComponentSafe(text));
  if (whole) return { kind: "ticket_id", ticketId: whole[0], branchId: whole[1]!, date: whole[2]!, seq: Number(whole[3]) };
  const label = text.toUpperCase().replace(/\s/g, "");
  if (LABEL_RE.test(label)) return { kind: "label", label };
  return { kind: "unknown", reason: "format" };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
