/**
 * A staff screen's live view of today's branch-day (a counter's view or reception's), kept in
 * step over a WebSocket (shared/live-client.ts) and, while the socket is down, by polling the same
 * URL (plain GET answers the snapshot). Tokens come from POST /staff/branches/:b/live-tokens; an
 * expired or refused token is replaced by asking again with the staff session.
 *
 * Nothing here replays anything: after a network blip the screen re-reads the state and the person
 * decides what to do next.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { LiveClient, type LiveStatus } from "@shared/live-client";
import type { AudienceView, LiveEvent } from "@shared/live-protocol";
import { apiFetch, ApiError } from "./api";

export type StaffLiveClaims = { audience: "counter"; counter: number } | { audience: "reception" };

/** While the socket is not live, poll this often. */
const POLL_MS = 4_000;

export interface StaffLive<V extends AudienceView> {
  view: V | null;
  /** "live" (socket), "polling" (socket down, polling works), "offline" (nothing gets through). */
  status: "connecting" | "live" | "polling" | "offline";
  /** Re-reads the snapshot now (after a blip, before letting the person act). */
  refresh: () => Promise<V | null>;
  lastEvent: LiveEvent | null;
}

function wsUrl(path: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${path}`;
}

export function useStaffLive<V extends AudienceView>(branchId: string | null, claims: StaffLiveClaims | null): StaffLive<V> {
  const [view, setView] = useState<V | null>(null);
  const [socket, setSocket] = useState<LiveStatus>("connecting");
  const [pollOk, setPollOk] = useState<boolean | null>(null);
  const [lastEvent, setLastEvent] = useState<LiveEvent | null>(null);
  const version = useRef(-1);
  const url = useRef<string | null>(null);
  const client = useRef<LiveClient | null>(null);
  const key = branchId && claims ? `${branchId}|${JSON.stringify(claims)}` : null;

  const accept = useCallback((next: AudienceView, v: number) => {
    if (v < version.current) return;
    version.current = v;
    setView(next as V);
  }, []);

  const connect = useCallback(async () => {
    if (!branchId || !claims) return;
    const issued = await apiFetch<{ token: string; url: string }>("POST", `/staff/branches/${branchId}/live-tokens`, { body: claims });
    url.current = issued.url;
    client.current?.stop();
    const live = new LiveClient({
      url: wsUrl(issued.url),
      onView: (v, _a, n) => accept(v, n),
      onEvent: (e) => setLastEvent(e),
      onStatus: (s) => setSocket(s),
      backoffMaxMs: 8_000,
    });
    client.current = live;
    live.start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const refresh = useCallback(async (): Promise<V | null> => {
    if (!url.current) {
      try {
        await connect();
      } catch {
        setPollOk(false);
        return null;
      }
    }
    try {
      const snap = await apiFetch<{ v: number; view: V }>("GET", url.current!);
      setPollOk(true);
      // A fresh read wins over what we had, even at the same version.
      version.current = Math.max(version.current, snap.v);
      setView(snap.view);
      return snap.view;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 401)) {
        // The live token expired or was refused: ask for a new one (needs a staff session).
        url.current = null;
        try {
          await connect();
        } catch {
          // Signed out: the page shows its sign-in again on the next command.
        }
      }
      setPollOk(false);
      return null;
    }
  }, [connect]);

  useEffect(() => {
    if (!key) return;
    version.current = -1;
    setView(null);
    connect().catch(() => setPollOk(false));
    return () => {
      client.current?.stop();
      client.current = null;
      url.current = null;
    };
  }, [key, connect]);

  // Polling while the socket is down.
  useEffect(() => {
    if (!key || socket === "live") return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [key, socket, refresh]);

  // The browser says it is back: read the state at once rather than waiting for the backoff.
  useEffect(() => {
    const back = () => void refresh();
    const gone = () => setPollOk(false);
    addEventListener("online", back);
    addEventListener("offline", gone);
    return () => {
      removeEventListener("online", back);
      removeEventListener("offline", gone);
    };
  }, [refresh]);

  const online = typeof navigator === "undefined" || navigator.onLine;
  const status: StaffLive<V>["status"] =
    socket === "live" && online ? "live" : !online || pollOk === false ? "offline" : pollOk === true ? "polling" : "connecting";
  return { view, status, refresh, lastEvent };
}
