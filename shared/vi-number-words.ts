/**
 * Numbers read aloud as Vietnamese words, for the hall display's announcements
 * ("Mời công dân có số thứ tự một nghìn không trăm bốn mươi đến quầy số ba").
 *
 * The irregular cases the ear expects:
 *   - "mốt" for 1 after a tens word from twenty up (21 "hai mươi mốt"), "một" after "mười" (11);
 *   - "tư" for 4 after a tens word from twenty up (24 "hai mươi tư"), "bốn" otherwise (14);
 *   - "lăm" for 5 after any tens word (15 "mười lăm", 25 "hai mươi lăm"), "năm" otherwise (105);
 *   - "linh" (northern, Hanoi) or "lẻ" (southern) for an empty tens place before a unit (101);
 *   - "không trăm" for an empty hundreds place once a thousands group was read (1040).
 * Both styles are in use; Hanoi's centers say "linh" and "nghìn", so those are the default.
 * The result is a list of words so an audio player can map each word to a recorded clip.
 */

export interface ReadingStyle {
  /** Word for an empty tens place before a unit: "linh" (north, default) or "lẻ" (south). */
  zeroTens: "linh" | "lẻ";
  /** Word for thousand: "nghìn" (north, default) or "ngàn" (south). */
  thousand: "nghìn" | "ngàn";
}

export const NORTHERN: ReadingStyle = { zeroTens: "linh", thousand: "nghìn" };
export const SOUTHERN: ReadingStyle = { zeroTens: "lẻ", thousand: "ngàn" };

const DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"] as const;

/** Every word readNumberWords can produce (the audio clips the display ships cover these). */
export const NUMBER_WORDS = [...DIGITS, "mốt", "tư", "lăm", "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "ngàn"] as const;
export type NumberWord = (typeof NUMBER_WORDS)[number];

export const MAX_READABLE = 99_999;

/** 0–99 as words; `full` when a hundreds place was read before (so 5 reads "linh năm"). */
function tensAndUnits(n: number, afterHundreds: boolean, style: ReadingStyle): NumberWord[] {
  const tens = Math.floor(n / 10);
  const unit = n % 10;
  if (tens === 0) {
    if (unit === 0) return [];
    return afterHundreds ? [style.zeroTens, DIGITS[unit]!] : [DIGITS[unit]!];
  }
  const words: NumberWord[] = tens === 1 ? ["mười"] : [DIGITS[tens]!, "mươi"];
  if (unit === 0) return words;
  if (unit === 5) words.push("lăm");
  else if (unit === 1 && tens >= 2) words.push("mốt");
  else if (unit === 4 && tens >= 2) words.push("tư");
  else words.push(DIGITS[unit]!);
  return words;
}

/** 0–999 as words; `inner` when a thousands group precedes it (so 40 reads "không trăm bốn mươi"). */
function hundreds(n: number, inner: boolean, style: ReadingStyle): NumberWord[] {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h === 0 && !inner) return tensAndUnits(rest, false, style);
  if (h === 0 && rest === 0) return [];
  return [DIGITS[h]!, "trăm", ...tensAndUnits(rest, true, style)];
}

/** The words for an integer 0–99,999. */
export function readNumberWords(n: number, style: ReadingStyle = NORTHERN): NumberWord[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_READABLE) throw new RangeError(`readNumberWords: ${n} is not an integer in 0–${MAX_READABLE}`);
  if (n === 0) return ["không"];
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  if (thousands === 0) return hundreds(rest, false, style);
  return [...tensAndUnits(thousands, false, style), style.thousand, ...hundreds(rest, true, style)];
}

/** The number as a Vietnamese phrase, e.g. 1040 → "một nghìn không trăm bốn mươi". */
export function readNumberVi(n: number, style: ReadingStyle = NORTHERN): string {
  return readNumberWords(n, style).join(" ");
}

/** How a ticket label's letter prefix is spoken (Vietnamese letter names). */
const LETTER_NAMES: Record<string, string> = {
  A: "a", B: "bê", C: "xê", D: "dê", E: "e", F: "ép", G: "giê", H: "hát", I: "i", J: "gi", K: "ca",
  L: "e-lờ", M: "em-mờ", N: "en-nờ", O: "o", P: "pê", Q: "quy", R: "e-rờ", S: "ét-xì", T: "tê",
  U: "u", V: "vê", W: "vê kép", X: "ích-xì", Y: "i dài", Z: "dét",
};

export const LETTERS = Object.keys(LETTER_NAMES);

export type LabelToken = { kind: "letter"; letter: string; spoken: string } | { kind: "word"; word: NumberWord };

/**
 * A ticket label ("A015", "2001") as spoken tokens: letter names, then the number's value
 * ("A015" → "a mười lăm": leading zeros are padding on the ticket, not spoken).
 */
export function readLabelTokens(label: string, style: ReadingStyle = NORTHERN): LabelToken[] {
  const m = /^([A-Z]{0,3})(\d{1,6})$/.exec(label);
  if (!m) throw new RangeError(`readLabelTokens: "${label}" is not a ticket number`);
  const tokens: LabelToken[] = [...m[1]!].map((letter) => ({ kind: "letter" as const, letter, spoken: LETTER_NAMES[letter]! }));
  const value = Number(m[2]);
  // Labels above the readable range do not occur (series stop at 99,999); read digits if one does.
  const words = value <= MAX_READABLE ? readNumberWords(value, style) : [...m[2]!].map((d) => DIGITS[Number(d)]!);
  return [...tokens, ...words.map((word) => ({ kind: "word" as const, word }))];
}

/** The label as a phrase: "A015" → "a mười lăm", "2001" → "hai nghìn không trăm linh một". */
export function readLabelVi(label: string, style: ReadingStyle = NORTHERN): string {
  return readLabelTokens(label, style)
    .map((t) => (t.kind === "letter" ? t.spoken : t.word))
    .join(" ");
}

export const CALL_PREFIX_VI = "Mời công dân có số thứ tự";
export const CALL_COUNTER_VI = "đến quầy số";

/** The announcement: "Mời công dân có số thứ tự a mười lăm đến quầy số ba". */
export function callAnnouncementVi(label: string, counter: number, style: ReadingStyle = NORTHERN): string {
  return `${CALL_PREFIX_VI} ${readLabelVi(label, style)} ${CALL_COUNTER_VI} ${readNumberVi(counter, style)}`;
}
