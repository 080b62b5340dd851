/**
 * Records the hall display's voice clips: every word a call announcement can contain (number
 * words, letter names, the two fixed phrases) spoken by espeak-ng's Vietnamese voice and encoded
 * as Ogg Opus (a few KB each) into web/public/audio/vi/. The display plays them in sequence when
 * the browser has no Vietnamese speech voice (most TV browsers and kiosks have none).
 * The clips are committed; re-run only to change the voice:
 *   apt-get install espeak-ng opus-tools && bash scripts/with-node.sh npx tsx scripts/make-voice-clips.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clipName } from "../web/src/pages/display/clip-names";
import { CALL_COUNTER_VI, CALL_PREFIX_VI, LETTERS, NUMBER_WORDS, readLabelTokens } from "../shared/vi-number-words";

const out = join(import.meta.dirname, "..", "web", "public", "audio", "vi");
mkdirSync(out, { recursive: true });

const letterWords = LETTERS.map((l) => readLabelTokens(`${l}1`)[0]).map((t) => (t && t.kind === "letter" ? t.spoken : ""));
const phrases = [CALL_PREFIX_VI, CALL_COUNTER_VI, ...NUMBER_WORDS, ...letterWords];
const manifest: Record<string, string> = {};
for (const text of phrases) {
  const name = clipName(text);
  const wav = join(out, `${name}.wav`);
  execFileSync("espeak-ng", ["-v", "vi", "-s", "140", "-w", wav, text.replace(/-/g, " ")]);
  execFileSync("opusenc", ["--quiet", "--bitrate", "24", "--downmix-mono", wav, join(out, `${name}.ogg`)]);
  rmSync(wav);
  manifest[text] = `${name}.ogg`;
}
writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${Object.keys(manifest).length} clips in ${out}`);
