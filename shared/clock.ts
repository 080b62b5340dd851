/**
 * The service clock. Every rule takes `now` as an argument; only the shells (Worker routes, the
 * Durable Object classes) read it here. Production reads the system clock; the local demo shifts
 * it (CLOCK_OFFSET_MS) so a newcomer can book at any hour; tests freeze and move it.
 */
let offsetMs = 0;
let frozenAtMs: number | null = null;

/** Milliseconds since the epoch, as the service sees it. */
export function now(): number {
  return frozenAtMs ?? Date.now() + offsetMs;
}

/** Converts a service instant to the system instant (alarms are set on the system clock). */
export function toSystemTime(serviceMs: number): number {
  return frozenAtMs === null ? serviceMs - offsetMs : Date.now() + Math.max(0, serviceMs - frozenAtMs);
}

/** Applies the optional CLOCK_OFFSET_MS variable (local demo only; unset in production). */
export function configureClock(env: { CLOCK_OFFSET_MS?: string }): void {
  const parsed = Number(env.CLOCK_OFFSET_MS ?? 0);
  offsetMs = Number.isFinite(parsed) ? parsed : 0;
}

/** Test control: freeze the clock at an instant, move it, or release it. */
export const testClock = {
  set(ms: number): void {
    frozenAtMs = ms;
  },
  advance(ms: number): void {
    frozenAtMs = (frozenAtMs ?? Date.now()) + ms;
  },
  release(): void {
    frozenAtMs = null;
  },
};
