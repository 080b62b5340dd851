/**
 * The top bar of the staff pages (counter, reception, manager): the page's title, who is signed
 * in, the language switch and signing out. Words come from the page's own dictionary.
 */
import type { ComponentChildren } from "preact";
import { lang, setLang } from "../i18n";
import type { StaffMe } from "../staff-session";

export interface StaffHeaderWords {
  title: string;
  signedInAs: (name: string) => string;
  /**
   * What the switch does, as a tooltip (not the accessible name: that stays the visible word, so
   * the name always contains what is shown), and what it shows ("English").
   */
  languageLabel: string;
  language: string;
  signOut: string;
}

export function StaffHeader({ me, words, onSignOut, children }: { me: StaffMe | null | undefined; words: StaffHeaderWords; onSignOut: () => void; children?: ComponentChildren }) {
  const other = lang.value === "vi" ? "en" : "vi";
  return (
    <>
      {/* staff.css hides .top when printing (slips, reports). */}
      <header class="top">
        <h1>{words.title}</h1>
        <div class="top-tools">
          {me && <span class="who">{words.signedInAs(me.displayName)}</span>}
          <button type="button" class="lang" lang={other} title={words.languageLabel} onClick={() => setLang(other)} data-testid="lang-switch">
            {words.language}
          </button>
          {me && (
            <button type="button" class="secondary" onClick={onSignOut} data-testid="sign-out">
              {words.signOut}
            </button>
          )}
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
