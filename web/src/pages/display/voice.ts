/**
 * The hall display's voice: each call is announced twice in Vietnamese ("Mời công dân có số thứ tự
 * … đến quầy số …"), one announcement at a time, in the order the calls came. It speaks with the
 * browser's own speech synthesis when a Vietnamese voice is installed, otherwise with the recorded
 * clips shipped in /audio/vi/ (no network voice service either way).
 */
import { CALL_COUNTER_VI, CALL_PREFIX_VI, readLabelTokens, readNumberWords } from "@shared/vi-number-words";
import { clipName } from "./clip-names";

export const ANNOUNCE_TIMES = 2;
const PAUSE_BETWEEN_MS = 700;

/** The clip names for one announcement, in order. */
export function announcementClips(label: string, counter: number): string[] {
  const spoken = readLabelTokens(label).map((t) => (t.kind === "letter" ? t.spoken : t.word));
  return [CALL_PREFIX_VI, ...spoken, CALL_COUNTER_VI, ...readNumberWords(counter)].map(clipName);
}

function vietnameseVoice(): SpeechSynthesisVoice | null {
  if (!("speechSynthesis" in window)) return null;
  return speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().replace("_", "-").startsWith("vi")) ?? null;
}

function speak(text: string, voice: SpeechSynthesisVoice): Promise<void> {
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(text);
    u.voice = voice;
    u.lang = voice.lang;
    u.rate = 0.9;
    u.onend = () => resolve();
    u.onerror = () => resolve();
    speechSynthesis.speak(u);
  });
}

const clipCache = new Map<string, HTMLAudioElement>();

function playClip(name: string): Promise<void> {
  return new Promise((resolve) => {
    let audio = clipCache.get(name);
    if (!audio) {
      audio = new Audio(`/audio/vi/${name}.ogg`);
      audio.preload = "auto";
      clipCache.set(name, audio);
    }
    audio.currentTime = 0;
    audio.onended = () => resolve();
    audio.onerror = () => resolve(); // a missing clip must not stop the queue
    audio.play().catch(() => resolve());
  });
}

/** Loads every clip once so the first announcement has no gaps (the display runs for days). */
export function preloadClips(names: string[]): void {
  for (const name of names) {
    if (!clipCache.has(name)) {
      const audio = new Audio(`/audio/vi/${name}.ogg`);
      audio.preload = "auto";
      clipCache.set(name, audio);
    }
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type VoiceMode = "speech" | "clips";

export interface Announcer {
  announce(label: string, counter: number, text: string): void;
  mode(): VoiceMode;
  /** Announcements waiting or playing (for tests and the on-screen indicator). */
  pending(): number;
}

export function createAnnouncer(onSpoken?: (text: string, mode: VoiceMode) => void): Announcer {
  const queue: Array<{ label: string; counter: number; text: string }> = [];
  let busy = false;
  const mode = (): VoiceMode => (vietnameseVoice() ? "speech" : "clips");

  async function drain(): Promise<void> {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const next = queue[0]!;
      const voice = vietnameseVoice();
      onSpoken?.(next.text, voice ? "speech" : "clips");
      for (let i = 0; i < ANNOUNCE_TIMES; i++) {
        if (voice) await speak(next.text, voice);
        else for (const clip of announcementClips(next.label, next.counter)) await playClip(clip);
        await wait(PAUSE_BETWEEN_MS);
      }
      queue.shift();
    }
    busy = false;
  }

  return {
    announce(label, counter, text) {
      // A hall with a long backlog hears only the latest calls: drop the oldest beyond five.
      if (queue.length >= 5) queue.splice(1, 1);
      queue.push({ label, counter, text });
      void drain();
    },
    mode,
    pending: () => queue.length,
  };
}
