/**
 * Prints the service-clock offset (ms) for the local demo, which scripts/start.sh passes to
 * `wrangler dev --var CLOCK_OFFSET_MS:<n>` (see shared/clock.ts).
 *
 * Numbers can only be taken 08:00–16:00 on working days (Asia/Ho_Chi_Minh), so a newcomer who
 * starts the demo at 21:00 or on a Sunday could not book anything. The offset is:
 *   - 0 when real time is already inside demo branch "hn-cn01"'s booking window on a working day
 *     (and stays inside it for the next few minutes, so a smoke test does not race 16:00);
 *   - otherwise the offset that puts the service clock 30 minutes after booking next opens.
 * The booking rules and the calendar are the project's own (shared/booking-rules.ts,
 * shared/calendar.ts); nothing is re-implemented here.
 *
 *   bash scripts/with-node.sh node_modules/.bin/tsx scripts/demo-clock.ts [now]
 *
 * `now` (optional, for trying it out): an ISO date-time such as 2026-11-22T21:00:00+07:00, or
 * epoch milliseconds. Diagnostics go to stderr; stdout carries only the number.
 */
import { DEMO_BRANCHES, DEMO_FIELDS, DEMO_UPDATED_AT, type DemoBranch } from "../seed/demo-center";
import { checkBookingOpen, nextBookingOpening } from "../shared/booking-rules";
import type { BranchConfig, DayPlan, FieldOffer } from "../shared/branch-config";
import { VN_CALENDAR_2026 } from "../shared/calendar";
import { formatTimeVi, localDateOf, VN_TIME_ZONE } from "../shared/time";

// The project's tsconfig carries Workers types only (no @types/node): declare the little used.
declare const process: { argv: string[]; exitCode?: number };

const DEMO_BRANCH_ID = "hn-cn01";
/** Where the shifted clock lands: this long after booking opens. */
const AFTER_OPENING_MS = 30 * 60_000;
/** Real time this close to the end of the window counts as outside it. */
const MIN_TIME_LEFT_MS = 10 * 60_000;

/**
 * seed/demo-center.ts exports the demo as seed rows (DemoBranch), not as a BranchConfig, so this
 * builds the BranchConfig the Worker would load from the seeded D1 (worker/db/config-store.ts
 * `loadBranchConfig`): disabled field offers are left out, counters keep only offered fields,
 * and the version is the rows' fixed updated-at.
 */
function branchConfigOf(demo: DemoBranch): BranchConfig {
  const fieldByCode = new Map(DEMO_FIELDS.map((f) => [f.code, f]));
  const fields: FieldOffer[] = demo.fields.flatMap((offer) => {
    const field = fieldByCode.get(offer.code);
    if (!offer.enabled || field === undefined) return [];
    return [{ code: field.code, nameVi: field.nameVi, nameEn: field.nameEn, series: field.series, dailyCap: offer.dailyCap }];
  });
  const offered = new Set(fields.map((f) => f.code));
  return {
    id: demo.id,
    name: demo.name,
    address: demo.address,
    resultsAddress: demo.resultsAddress,
    timeZone: demo.timeZone,
    weeklyHours: demo.hours,
    bookingWindow: { from: demo.bookingFrom, until: demo.bookingUntil },
    bookingDaysAhead: demo.bookingDaysAhead,
    callVerifiedOnly: demo.callVerifiedOnly,
    fields,
    counters: demo.counters.map((c) => ({ number: c.number, fieldCodes: c.fieldCodes.filter((code) => offered.has(code)) })),
    version: DEMO_UPDATED_AT,
  };
}

function parseNow(arg: string | undefined): number {
  if (arg === undefined || arg === "") return Date.now();
  const ms = /^\d+$/.test(arg) ? Number(arg) : Date.parse(arg);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${arg}`);
  return ms;
}

function demoClockOffset(nowMs: number): number {
  const demo = DEMO_BRANCHES.find((b) => b.id === DEMO_BRANCH_ID);
  if (demo === undefined) throw new Error(`demo branch ${DEMO_BRANCH_ID} not found in seed/demo-center.ts`);
  const branch = branchConfigOf(demo);
  const calendar = [...VN_CALENDAR_2026];
  const planAt = (ms: number): DayPlan => ({ branch, date: localDateOf(ms, branch.timeZone), calendar, version: branch.version });

  // Today can be booked now, and still a little later: the real clock will do.
  if (checkBookingOpen(planAt(nowMs), nowMs).ok && checkBookingOpen(planAt(nowMs), nowMs + MIN_TIME_LEFT_MS).ok) {
    return 0;
  }
  // Before today's window this is today's opening; inside or after it, the next working day's.
  const opening = nextBookingOpening(branch, calendar, nowMs);
  if (opening === null) throw new Error(`branch ${DEMO_BRANCH_ID} opens for booking on no day in the next two months`);
  return opening + AFTER_OPENING_MS - nowMs;
}

try {
  const nowMs = parseNow(process.argv[2]);
  const offset = demoClockOffset(nowMs);
  const service = nowMs + offset;
  const shown = `${localDateOf(service, VN_TIME_ZONE)} ${formatTimeVi(service, VN_TIME_ZONE)}`;
  console.error(`demo clock: offset ${offset} ms; service time ${shown} (${VN_TIME_ZONE})`);
  console.log(String(offset));
} catch (err) {
  console.error(`demo-clock: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
