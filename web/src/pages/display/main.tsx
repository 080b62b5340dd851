/**
 * The hall display (TV): now serving per counter in very large type, the last calls, the queue
 * per field, and each call announced by voice. Runs unattended for days: reconnects by itself
 * (LiveClient), reloads once a night to start the new service day, and tells staff plainly when
 * its token was revoked. The token arrives in the URL fragment (never sent to servers or logs),
 * is kept on the device, and is removed from the address bar.
 */
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { LiveClient, type LiveStatus } from "@shared/live-client";
import type { DisplayView, LiveEvent } from "@shared/live-protocol";
import { lang, translator } from "../../lib/i18n";
import { formatDateLong, formatNumber, formatTime, todayInVietnam, VN_TIME_ZONE } from "../../lib/format";
import { announcementClips, createAnnouncer, preloadClips } from "./voice";
import { messages } from "./messages";
import { serverNow, syncServerClock } from "../../lib/server-clock";
import "./display.css";

const t = translator(messages);

interface FieldName {
  code: string;
  nameVi: string;
  nameEn: string;
}

function readSetup(): { branchId: string | null; token: string | null } {
  const params = new URLSearchParams(location.search);
  const branchId = params.get("branch");
  if (!branchId || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(branchId)) return { branchId: null, token: null };
  const storageKey = `sothutu.display.${branchId}`;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    try {
      localStorage.setItem(storageKey, fromHash);
    } catch {
      // Kept for this visit only.
    }
    history.replaceState(null, "", `${location.pathname}${location.search}`);
    return { branchId, token: fromHash };
  }
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(storageKey);
  } catch {
    saved = null;
  }
  return { branchId, token: saved };
}

/** Milliseconds until 00:05 tomorrow in Hanoi: the display reloads to follow the new day. */
function msUntilNightlyReload(now = Date.now()): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: VN_TIME_ZONE, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const sinceMidnight = ((get("hour") % 24) * 3600 + get("minute") * 60 + get("second")) * 1000;
  return 24 * 3600_000 - sinceMidnight + 5 * 60_000;
}

function Clock() {
  const [now, setNow] = useState(serverNow());
  useEffect(() => {
    void syncServerClock().then(() => setNow(serverNow()));
    const tick = setInterval(() => setNow(serverNow()), 10_000);
    const resync = setInterval(() => void syncServerClock(), 3600_000);
    return () => {
      clearInterval(tick);
      clearInterval(resync);
    };
  }, []);
  return (
    <div class="clock" aria-hidden="true">
      <span class="clock-time">{formatTime(now)}</span>
      <span class="clock-date">{formatDateLong(todayInVietnam(now))}</span>
    </div>
  );
}

function Setup({ revoked }: { revoked: boolean }) {
  return (
    <main class="setup">
      <h1>{t("setupTitle")}</h1>
      <p role={revoked ? "alert" : undefined} data-testid={revoked ? "display-revoked" : "display-setup"}>
        {revoked ? t("revoked") : t("setupHelp")}
      </p>
    </main>
  );
}

function Display({ branchId, token }: { branchId: string; token: string }) {
  const [view, setView] = useState<DisplayView | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [revoked, setRevoked] = useState(false);
  const [branchName, setBranchName] = useState("");
  const [fieldNames, setFieldNames] = useState<Map<string, FieldName>>(new Map());
  const [caption, setCaption] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [needsSound, setNeedsSound] = useState(false);
  const announcer = useMemo(() => createAnnouncer((text) => setCaption(text)), []);

  useEffect(() => {
    fetch(`/api/v1/branches/${branchId}`)
      .then((r) => (r.ok ? r.json() : null))
      .then((b: { branch: { name: string; fields: FieldName[] } } | null) => {
        if (!b) return;
        setBranchName(b.branch.name);
        setFieldNames(new Map(b.branch.fields.map((f) => [f.code, f])));
      })
      .catch(() => undefined);
    preloadClips(announcementClips("A1", 1));
    // Without a user gesture (or the kiosk flag --autoplay-policy=no-user-gesture-required) the
    // browser keeps audio muted: offer a button once.
    const probe = new Audio("/audio/vi/khoong.ogg");
    probe.volume = 0;
    probe.play().then(
      () => probe.pause(),
      () => setNeedsSound(true),
    );
    const reload = setTimeout(() => location.reload(), msUntilNightlyReload(serverNow()));
    return () => clearTimeout(reload);
  }, [branchId]);

  useEffect(() => {
    const query = `token=${encodeURIComponent(token)}`;
    const path = `/api/v1/live/branches/${branchId}/display?${query}`;
    let failures = 0;
    const onEvent = (e: LiveEvent) => {
      if ((e.kind === "called" || e.kind === "recalled") && e.label && e.counter !== null) {
        setFlash(e.label);
        setTimeout(() => setFlash((f) => (f === e.label ? null : f)), 8000);
        const text = t("callCaption", { label: e.label, counter: e.counter });
        announcer.announce(e.label, e.counter, lang.value === "vi" ? text : messages.callCaption.vi.replace("{label}", e.label).replace("{counter}", String(e.counter)));
      }
    };
    const client = new LiveClient({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`,
      onView: (v) => {
        failures = 0;
        setView(v as DisplayView);
      },
      onEvent,
      onStatus: async (s) => {
        setStatus(s);
        if (s !== "reconnecting") return;
        // A socket cannot see why it was refused: ask over HTTP whether the token still holds.
        if (++failures % 3 !== 0) return;
        try {
          const res = await fetch(path);
          if (res.status === 403 || res.status === 401) {
            setRevoked(true);
            client.stop();
          } else if (res.ok) {
            setView((await res.json()) as DisplayView);
          }
        } catch {
          // Network down: keep trying.
        }
      },
    });
    // First paint from a plain GET (also tells at once whether the token is good).
    fetch(path)
      .then(async (res) => {
        if (res.status === 403 || res.status === 401) {
          setRevoked(true);
          return;
        }
        if (res.ok) setView((await res.json()) as DisplayView);
        client.start();
      })
      .catch(() => client.start());
    return () => client.stop();
  }, [branchId, token]);

  if (revoked) return <Setup revoked />;
  const fieldName = (code: string) => {
    const f = fieldNames.get(code);
    return f ? (lang.value === "vi" ? f.nameVi : f.nameEn) : code;
  };
  const counters = (view?.counters ?? []).filter((c) => c.status !== "closed");
  return (
    <main class="display" data-status={status}>
      <header class="top">
        <div>
          <h1>{t("title")}</h1>
          <p class="branch">{branchName}</p>
        </div>
        <Clock />
      </header>
      {needsSound && (
        <button class="sound" type="button" onClick={() => setNeedsSound(false)}>
          {t("soundOn")}
        </button>
      )}
      <section class="serving" aria-label={t("title")}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("counter")}</th>
              <th scope="col">{t("number")}</th>
            </tr>
          </thead>
          <tbody>
            {counters.map((c) => (
              <tr key={c.number} data-testid={`display-counter-${c.number}`} class={c.currentLabel && c.currentLabel === flash ? "flash" : ""}>
                <th scope="row">{formatNumber(c.number)}</th>
                <td class="label">{c.status === "paused" ? <span class="paused">{t("paused")}</span> : (c.currentLabel ?? t("idle"))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <aside class="side">
        <section aria-label={t("recent")}>
          <h2>{t("recent")}</h2>
          <ol class="recent">
            {(view?.recentCalls ?? []).map((call) => (
              <li key={`${call.label}-${call.at}`} data-testid="display-call" data-label={call.label} data-counter={call.counter}>
                <span class="label">{call.label}</span>
                <span class="arrow" aria-hidden="true">→</span>
                <span>
                  {t("counter")} {formatNumber(call.counter)}
                </span>
              </li>
            ))}
          </ol>
        </section>
        <section aria-label={t("waiting")}>
          <h2>{t("waiting")}</h2>
          <ul class="fields">
            {(view?.fields ?? []).map((f) => (
              <li key={f.code} data-testid={`display-field-${f.code}`}>
                <span class="field-name">{fieldName(f.code)}</span>
                <span class="field-count">{t("waitingCount", { n: formatNumber(f.waiting) })}</span>
              </li>
            ))}
          </ul>
        </section>
      </aside>
      <footer class="bottom">
        <p class="caption" aria-live="polite" data-testid="announcement">
          {caption ?? ""}
        </p>
        <span class={`status status-${status}`} data-testid="display-status">
          {status === "live" ? t("live") : t("reconnecting")}
        </span>
      </footer>
    </main>
  );
}

function App() {
  const { branchId, token } = readSetup();
  if (!branchId || !token) return <Setup revoked={false} />;
  return <Display branchId={branchId} token={token} />;
}

render(<App />, document.getElementById("app")!);
