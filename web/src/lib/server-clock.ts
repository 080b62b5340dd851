/**
 * The service's clock as seen from this device: screens that show the time (hall display, kiosk,
 * counter) follow the server, not a device clock that may be wrong — or, in the local demo,
 * deliberately shifted (CLOCK_OFFSET_MS). Half the round trip is added as the network delay.
 */
let offsetMs = 0;

export async function syncServerClock(): Promise<void> {
  try {
    const sent = Date.now();
    const res = await fetch("/api/v1", { headers: { accept: "application/json" } });
    const received = Date.now();
    const body = (await res.json()) as { now?: unknown };
    if (typeof body.now === "number") offsetMs = body.now + (received - sent) / 2 - received;
  } catch {
    // Keep the last offset (or the device clock).
  }
}

/** Now, by the service's clock. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
