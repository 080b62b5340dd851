/**
 * Keeps one ticket's view live over the ticket's WebSocket (./ticket-socket.ts, the citizen
 * audience of the live protocol), falling back to polling the same URL every 15 seconds while
 * the socket is down (old proxies, captive portals).
 */
import { useEffect, useState } from "preact/hooks";
import type { FieldDayView, TicketView } from "@shared/live-views";
import { citizenApi } from "./session";
import { TicketSocket } from "./ticket-socket";
import type { LiveAccess } from "./types";

export type LiveState = "connecting" | "live" | "polling";

interface CitizenSnapshot {
  ticket: TicketView;
  field: FieldDayView | null;
}

const POLL_MS = 15_000;
/** How long a socket may stay down before polling takes over. */
const FALLBACK_AFTER_MS = 8_000;
const ENDED = new Set(["served", "no_show", "cancelled", "expired"]);

export function wsUrl(path: string): string {
  const u = new URL(path, location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
}

export function useTicketLive(initial: TicketView, live: LiveAccess): { ticket: TicketView; field: FieldDayView | null; state: LiveState } {
  const [snap, setSnap] = useState<CitizenSnapshot>({ ticket: initial, field: null });
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    setSnap({ ticket: initial, field: null });
    let stopped = false;
    let client: { stop(): void } | null = null;
    let pollTimer: ReturnType<typeof setInterval> | null = null;
    let fallbackTimer: ReturnType<typeof setTimeout> | null = null;

    const poll = async () => {
      try {
        const res = await citizenApi<{ view?: CitizenSnapshot } & Partial<CitizenSnapshot>>("GET", live.url);
        const view = res.view ?? (res as CitizenSnapshot);
        if (!stopped && view.ticket) setSnap(view);
      } catch {
        // Keep the last known view; the next poll tries again.
      }
    };
    const startPolling = () => {
      if (pollTimer || stopped) return;
      setState("polling");
      void poll();
      pollTimer = setInterval(poll, POLL_MS);
    };
    const stopPolling = () => {
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
    };
    const armFallback = () => {
      if (!fallbackTimer) fallbackTimer = setTimeout(startPolling, FALLBACK_AFTER_MS);
    };

    if (ENDED.has(initial.status)) {
      setState("live");
      return;
    }
    if (typeof WebSocket === "undefined") startPolling();
    else {
      armFallback();
      const c = new TicketSocket(
        wsUrl(live.url),
        (view) => {
          if (!stopped) setSnap(view);
        },
        (s) => {
          if (s === "live") {
            if (fallbackTimer) clearTimeout(fallbackTimer);
            fallbackTimer = null;
            stopPolling();
            setState("live");
          } else if (s === "reconnecting") armFallback();
        },
      );
      client = c;
      c.start();
    }
    return () => {
      stopped = true;
      client?.stop();
      stopPolling();
      if (fallbackTimer) clearTimeout(fallbackTimer);
    };
  }, [initial.id, live.url]);

  return { ticket: snap.ticket, field: snap.field, state };
}
