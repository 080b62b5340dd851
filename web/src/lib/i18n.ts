/**
 * Vietnamese first, English switchable. Each page keeps its own message table (so a page ships
 * only its words); the chosen language is remembered per device. Problem titles come from
 * shared/problems.ts, the one list the server also uses.
 */
import { signal } from "@preact/signals";

export type Lang = "vi" | "en";
const STORAGE_KEY = "sothutu.lang";

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "vi" || saved === "en") return saved;
  } catch {
    // Private mode or storage disabled: Vietnamese.
  }
  const fromUrl = new URLSearchParams(location.search).get("lang");
  return fromUrl === "en" ? "en" : "vi";
}

/** The current language; components that read `lang.value` re-render when it changes. */
export const lang = signal<Lang>(initialLang());

export function setLang(next: Lang): void {
  lang.value = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered; still switched for this visit.
  }
}
document.documentElement.lang = lang.value;

export type Messages<K extends string> = Record<K, { vi: string; en: string }>;

/**
 * A translator for one page's table: `t("key")`, with `{name}` placeholders filled from `vars`.
 */
export function translator<K extends string>(messages: Messages<K>) {
  return (key: K, vars?: Record<string, string | number>): string => {
    const entry = messages[key];
    let text = entry ? entry[lang.value] : key;
    if (vars) for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}
