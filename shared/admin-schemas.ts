/**
 * Request schemas of the administration API (worker/routes/staff-admin.ts): branches, the
 * national catalog of service fields, a branch's field offers (daily caps), counters, opening
 * hours and the holiday calendar. Shared by the Worker (validation), the manager page (forms)
 * and the OpenAPI document. Strict objects: an unknown key is refused, never ignored.
 *
 * Rules that involve one request only are here (HH:MM order, real dates, series shapes, cap
 * bounds). Rules across rows (two fields of a branch numbering the same labels, a cap larger
 * than the field's series can write) are `seriesConflicts` below, checked by the Worker against
 * the stored configuration.
 */
import { z } from "zod";
import { branchIdSchema, counterNumberSchema, fieldCodeSchema, isoDateSchema } from "./api-schemas";
import type { NumberSeries } from "./branch-config";
import { isHhmm, minutesOfHhmm, VN_TIME_ZONE } from "./time";

/** No branch hands out more numbers of one field a day (branch 1's land desk: 800). */
export const MAX_DAILY_CAP = 5_000;
/** The most calendar days ahead a branch may open booking for (the database allows 60). */
export const MAX_BOOKING_DAYS_AHEAD = 60;
/** Ticket labels have at most 6 digits (shared/api-schemas.ts ticketLabelSchema). */
export const MAX_SERIES_NUMBER = 999_999;

const text = (max: number) => z.string().trim().min(1).max(max);

/** "HH:MM" 24 h, "24:00" allowed as the end of a day. */
export const hhmmSchema = z.string().refine((s) => isHhmm(s), "time: HH:MM (00:00–24:00)");

export const dailyCapSchema = z.number().int().min(0).max(MAX_DAILY_CAP);
export const sortOrderSchema = z.number().int().min(0).max(999);
export const bookingDaysAheadSchema = z.number().int().min(0).max(MAX_BOOKING_DAYS_AHEAD);

/** From/until pairs must run forward. */
function runsForward(from: string, until: string): boolean {
  return isHhmm(from) && isHhmm(until) && minutesOfHhmm(from) < minutesOfHhmm(until);
}

// ---- Branches ------------------------------------------------------------------------------------

/** A branch's identity: administrators only. */
const branchIdentity = {
  name: text(200),
  address: text(300),
  resultsAddress: text(300).nullable(),
};

/** How a branch takes bookings: its managers may change these. */
const branchSettings = {
  bookingFrom: hhmmSchema,
  bookingUntil: hhmmSchema,
  bookingDaysAhead: bookingDaysAheadSchema,
  /** Counters call only tickets reception marked arrived and verified. */
  callVerifiedOnly: z.boolean(),
};

const windowRunsForward = (b: { bookingFrom?: string; bookingUntil?: string }) =>
  b.bookingFrom === undefined || b.bookingUntil === undefined || runsForward(b.bookingFrom, b.bookingUntil);
const WINDOW_MESSAGE = { message: "bookingFrom must be before bookingUntil", path: ["bookingUntil"] };

/** `POST /staff/branches` (admin). The time zone is Vietnam's, always. */
export const createBranchBody = z
  .strictObject({
    id: branchIdSchema,
    ...branchIdentity,
    resultsAddress: branchIdentity.resultsAddress.default(null),
    timeZone: z.literal(VN_TIME_ZONE).default(VN_TIME_ZONE),
    bookingFrom: branchSettings.bookingFrom.default("08:00"),
    bookingUntil: branchSettings.bookingUntil.default("16:00"),
    bookingDaysAhead: branchSettings.bookingDaysAhead.default(6),
    callVerifiedOnly: branchSettings.callVerifiedOnly.default(false),
  })
  .refine(windowRunsForward, WINDOW_MESSAGE);

const nonEmpty = (b: object) => Object.keys(b).length > 0;
const NOTHING = "nothing to change";

/** `PATCH /staff/branches/:branchId` (admin): name and addresses. */
export const patchBranchBody = z
  .strictObject({
    name: branchIdentity.name.optional(),
    address: branchIdentity.address.optional(),
    resultsAddress: branchIdentity.resultsAddress.optional(),
  })
  .refine(nonEmpty, NOTHING);

/** `PATCH /staff/branches/:branchId/settings` (manager, admin): booking window, days ahead, verified-only. */
export const branchSettingsBody = z
  .strictObject({
    bookingFrom: branchSettings.bookingFrom.optional(),
    bookingUntil: branchSettings.bookingUntil.optional(),
    bookingDaysAhead: branchSettings.bookingDaysAhead.optional(),
    callVerifiedOnly: branchSettings.callVerifiedOnly.optional(),
  })
  .refine(nonEmpty, NOTHING)
  .refine(windowRunsForward, WINDOW_MESSAGE);

// ---- Opening hours -------------------------------------------------------------------------------

export const weekdaySchema = z.number().int().min(1).max(7);

export const openingHoursSchema = z
  .strictObject({ weekday: weekdaySchema, opensAt: hhmmSchema, closesAt: hhmmSchema })
  .refine((h) => runsForward(h.opensAt, h.closesAt), { message: "opensAt must be before closesAt", path: ["closesAt"] });

/**
 * `PUT /staff/branches/:branchId/hours` (manager, admin): the whole week; a weekday not listed
 * is closed (Sunday usually, Saturday at branches that do not open Saturday mornings).
 */
export const weeklyHoursBody = z
  .strictObject({ hours: z.array(openingHoursSchema).max(7) })
  .refine((b) => new Set(b.hours.map((h) => h.weekday)).size === b.hours.length, { message: "each weekday at most once", path: ["hours"] });

// ---- Service fields ------------------------------------------------------------------------------

/** "A001" (prefix of 1–3 capital letters, 1–6 digits) or a block 1001, 1002 … */
export const numberSeriesSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("prefix"), prefix: z.string().regex(/^[A-Z]{1,3}$/, "prefix: 1–3 capital letters"), digits: z.number().int().min(1).max(6) }),
  z.strictObject({ kind: z.literal("block"), start: z.number().int().min(1).max(MAX_SERIES_NUMBER) }),
]);

/** `POST /staff/fields` (admin): a field of the national catalog. */
export const createFieldBody = z.strictObject({
  code: fieldCodeSchema,
  nameVi: text(120),
  nameEn: text(120),
  series: numberSeriesSchema,
  sortOrder: sortOrderSchema.default(0),
});

/** `PATCH /staff/fields/:fieldCode` (admin): names, numbering, order. */
export const patchFieldBody = z
  .strictObject({
    nameVi: text(120).optional(),
    nameEn: text(120).optional(),
    series: numberSeriesSchema.optional(),
    sortOrder: sortOrderSchema.optional(),
  })
  .refine(nonEmpty, NOTHING);

/** `PUT /staff/branches/:branchId/fields/:fieldCode` (manager, admin): offer a field, its cap. */
export const branchFieldBody = z.strictObject({
  dailyCap: dailyCapSchema,
  /** A disabled field keeps its cap and counters but is not offered. */
  enabled: z.boolean().default(true),
  sortOrder: sortOrderSchema.default(0),
});

// ---- Counters ------------------------------------------------------------------------------------

/** `PUT /staff/branches/:branchId/counters/:counter` (manager, admin): the fields a counter serves. */
export const counterBody = z
  .strictObject({ fieldCodes: z.array(fieldCodeSchema).max(32) })
  .refine((b) => new Set(b.fieldCodes).size === b.fieldCodes.length, { message: "each field at most once", path: ["fieldCodes"] });

export { counterNumberSchema };

// ---- Calendar ------------------------------------------------------------------------------------

/** Calendar dates the API accepts: this century, like every service day. */
export const calendarDateSchema = isoDateSchema.refine((d) => d >= "2000-01-01" && d <= "2099-12-31", "date: from 2000-01-01 to 2099-12-31");

/** `PUT /staff/calendar/:date` (admin): a holiday, or an extra (swapped) working day. */
export const calendarEntryBody = z.strictObject({
  kind: z.enum(["holiday", "working_day"]),
  nameVi: text(160),
  nameEn: text(160),
});

/**
 * `GET /staff/calendar?from&to` (plus the list's `cursor`/`limit`): both optional, the Worker
 * defaults to a month back and a year ahead; at most about two years at once.
 */
export const CALENDAR_MAX_RANGE_DAYS = 800;
export const calendarRangeQuery = z.object({
  from: calendarDateSchema.optional(),
  to: calendarDateSchema.optional(),
});

// ---- Cross-row rules -----------------------------------------------------------------------------

/** How many numbers a series can write before its labels stop being what they say. */
export function seriesCapacity(series: NumberSeries): number {
  if (series.kind === "block") return MAX_SERIES_NUMBER - series.start + 1;
  return 10 ** series.digits - 1;
}

/** A field as one branch numbers it: its series and how far its daily cap reaches. */
export interface NumberedField {
  code: string;
  series: NumberSeries;
  dailyCap: number;
}

export type SeriesConflict =
  | { kind: "cap_exceeds_series"; field: string; capacity: number }
  | { kind: "series_overlap"; field: string; other: string };

/**
 * Two fields of one branch must never write the same label (reception and counters look tickets
 * up by label): prefixes differ, and block ranges [start, start + cap − 1] do not overlap. A
 * field's cap must fit its series (A + 3 digits writes at most A999). Disabled offers count too:
 * they can be switched back on without another check.
 */
export function seriesConflicts(fieldsOfBranch: readonly NumberedField[]): SeriesConflict[] {
  const out: SeriesConflict[] = [];
  for (const f of fieldsOfBranch) {
    const capacity = seriesCapacity(f.series);
    if (f.dailyCap > capacity) out.push({ kind: "cap_exceeds_series", field: f.code, capacity });
  }
  for (let i = 0; i < fieldsOfBranch.length; i++) {
    for (let j = i + 1; j < fieldsOfBranch.length; j++) {
      const a = fieldsOfBranch[i]!;
      const b = fieldsOfBranch[j]!;
      if (seriesOverlap(a, b)) out.push({ kind: "series_overlap", field: a.code, other: b.code });
    }
  }
  return out;
}

function seriesOverlap(a: NumberedField, b: NumberedField): boolean {
  if (a.series.kind === "prefix" && b.series.kind === "prefix") return a.series.prefix === b.series.prefix;
  if (a.series.kind === "block" && b.series.kind === "block") {
    // A block with cap 0 writes nothing, but keep room for its first number so it can be raised.
    const endA = a.series.start + Math.max(a.dailyCap, 1) - 1;
    const endB = b.series.start + Math.max(b.dailyCap, 1) - 1;
    return a.series.start <= endB && b.series.start <= endA;
  }
  return false; // "A001" and "1001" never look alike
}

export type CreateBranchBody = z.infer<typeof createBranchBody>;
export type PatchBranchBody = z.infer<typeof patchBranchBody>;
export type BranchSettingsBody = z.infer<typeof branchSettingsBody>;
export type WeeklyHoursBody = z.infer<typeof weeklyHoursBody>;
export type CreateFieldBody = z.infer<typeof createFieldBody>;
export type PatchFieldBody = z.infer<typeof patchFieldBody>;
export type BranchFieldBody = z.infer<typeof branchFieldBody>;
export type CounterBody = z.infer<typeof counterBody>;
export type CalendarEntryBody = z.infer<typeof calendarEntryBody>;
