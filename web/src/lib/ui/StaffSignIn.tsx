/**
 * Staff sign-in form for the counter, reception, kiosk and manager pages: username and password,
 * big fields for touch, the refusal in the user's language. The session is the HttpOnly cookie
 * set by the server (web/src/lib/staff-session.ts).
 */
import { useState } from "preact/hooks";
import { ApiError, problemMessage } from "../api";
import { lang } from "../i18n";
import { staffLogin, type StaffMe } from "../staff-session";

const WORDS = {
  title: { vi: "Đăng nhập cán bộ", en: "Staff sign-in" },
  username: { vi: "Tên đăng nhập", en: "Username" },
  password: { vi: "Mật khẩu", en: "Password" },
  submit: { vi: "Đăng nhập", en: "Sign in" },
  busy: { vi: "Đang đăng nhập…", en: "Signing in…" },
} as const;

export function StaffSignIn({ onSignedIn, heading }: { onSignedIn: (me: StaffMe) => void; heading?: string }) {
  const w = (k: keyof typeof WORDS) => WORDS[k][lang.value];
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await staffLogin(username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError ? problemMessage(err.problem) : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="staff-sign-in" onSubmit={submit} data-testid="staff-sign-in">
      <h2>{heading ?? w("title")}</h2>
      <label>
        {w("username")}
        <input name="username" autocomplete="username" autocapitalize="none" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} data-testid="staff-username" />
      </label>
      <label>
        {w("password")}
        <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="staff-password" />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="staff-sign-in-error">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy} data-testid="staff-sign-in-submit">
        {busy ? w("busy") : w("submit")}
      </button>
    </form>
  );
}
