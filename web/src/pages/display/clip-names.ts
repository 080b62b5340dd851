/**
 * File names of the recorded voice clips (web/public/audio/vi/<name>.ogg): the Vietnamese word
 * typed in Telex (the way Vietnamese keyboards spell tones with letters), so names stay ASCII,
 * readable and distinct ("một" → "mootj", "mốt" → "moots", "mười" → "muwowif").
 */
const TONES: Record<string, string> = { "\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j" };
const MARKS: Record<string, string> = { "\u0302": "", "\u0306": "w", "\u031b": "w" };

export function clipName(text: string): string {
  let out = "";
  let tone = "";
  for (const ch of text.toLowerCase().normalize("NFD")) {
    if (ch in TONES) tone = TONES[ch]!;
    else if (ch === "\u0302") out += out.slice(-1); // circumflex: â → aa, ê → ee, ô → oo
    else if (ch in MARKS) out += MARKS[ch];
    else if (ch === "đ") out += "dd";
    else if (/[a-z0-9]/.test(ch)) out += ch;
    else {
      out += tone + (ch === " " || ch === "-" ? "-" : "");
      tone = "";
    }
  }
  return (out + tone).replace(/-+/g, "-").replace(/^-|-$/g, "");
}
