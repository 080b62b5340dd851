/**
 * Administration API (issue 6): branches, the national catalog of service fields, each branch's
 * field offers and daily caps, counters, opening hours, and the holiday calendar with swapped
 * ("extra") working days. Full paths under /api/v1/staff.
 *
 * Who may do what (the authorization matrix in test/staff/authorization.test.ts lists each route):
 * - administrators: everything;
 * - branch managers, at their own branches only: the branch's booking settings (window, days
 *   ahead, verified-only), opening hours, field offers and caps, counters; reading the branch's
 *   whole configuration, the field catalog and the calendar. Not: creating branches, renaming
 *   them, the national field catalog, the national calendar.
 *
 * Every write is validated by a strict schema (shared/admin-schemas.ts) and the cross-row rules
 * (series overlap, cap within the series), stamped with a configuration version above every
 * existing one (worker/admin/config-version.ts), audited, and pushed to the running branch-days
 * (worker/admin/propagate.ts) so the next booking obeys it.
 */
import { and, asc, eq, gt, gte, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import {
  branchFieldBody,
  branchSettingsBody,
  calendarDateSchema,
  calendarEntryBody,
  CALENDAR_MAX_RANGE_DAYS,
  calendarRangeQuery,
  counterBody,
  counterNumberSchema,
  createBranchBody,
  createFieldBody,
  patchBranchBody,
  patchFieldBody,
  seriesConflicts,
  weeklyHoursBody,
  type NumberedField,
  type SeriesConflict,
} from "../../shared/admin-schemas";
import { branchIdSchema, fieldCodeSchema } from "../../shared/api-schemas";
import type { NumberSeries } from "../../shared/branch-config";
import { now } from "../../shared/clock";
import { addDays, daysBetween, localDateOf, minutesOfHhmm, VN_TIME_ZONE } from "../../shared/time";
import { fieldView, readBranchAdminView, type AdminBranchView } from "../admin/branch-admin-view";
import { nextConfigVersion } from "../admin/config-version";
import { propagateBranch, propagateCalendarDate, type Propagation } from "../admin/propagate";
import { listBranches, loadCalendar } from "../db/config-store";
import { branches, branchFields, branchHours, calendarOverrides, counterFields, counters, fields } from "../db/schema";
import { readJson, validate } from "../http/body";
import { afterCursor, pageInMemory, pageOf, pageQuery } from "../http/pagination";
import { ProblemError } from "../http/problem";
import { audit } from "../staff/audit";
import { allow, staffOf, worksAt, type StaffEnv } from "../staff/authorize";

export const staffAdminRoutes = new Hono<StaffEnv>();

/** Mounted at "/" under /api/v1 (worker/app.ts): paths here are the rest of the full path. */
const BASE = "/staff";
const ADMIN = ["admin"] as const;
const MANAGERS = ["manager", "admin"] as const;

/** Weekdays a new branch opens (Monday–Friday 08:00–17:00) until its hours are set. */
const DEFAULT_HOURS = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opensAt: "08:00", closesAt: "17:00" }));

// ---- Helpers --------------------------------------------------------------------------------------

function branchIdOf(raw: string | undefined): string {
  return validate(branchIdSchema, raw);
}

async function requireView(env: Env, branchId: string): Promise<AdminBranchView> {
  const view = await readBranchAdminView(env.DB, branchId);
  if (!view) throw new ProblemError("branch_not_found");
  return view;
}

/** The refusal for the first cross-row conflict, naming the fields involved. */
function conflictProblem(conflict: SeriesConflict, path: string): ProblemError {
  if (conflict.kind === "cap_exceeds_series") {
    return new ProblemError("cap_exceeds_series", { errors: [{ path, message: `${conflict.field}: at most ${conflict.capacity}` }] }, {
      vi: `Dãy số của lĩnh vực ${conflict.field} chỉ đánh được tối đa ${conflict.capacity} số mỗi ngày.`,
      en: `Field ${conflict.field}'s number series can number at most ${conflict.capacity} a day.`,
    });
  }
  return new ProblemError("series_overlap", { errors: [{ path, message: `${conflict.field} overlaps ${conflict.other}` }] }, {
    vi: `Dãy số của lĩnh vực ${conflict.field} trùng với lĩnh vực ${conflict.other} tại chi nhánh này.`,
    en: `Field ${conflict.field}'s numbers overlap field ${conflict.other}'s at this branch.`,
  });
}

/** Refuses a change that would make two fields of the branch write the same labels. */
function checkSeries(fieldsAfter: NumberedField[], changedCode: string, path: string): void {
  const conflict = seriesConflicts(fieldsAfter).find((c) => c.field === changedCode || (c.kind === "series_overlap" && c.other === changedCode));
  if (conflict) throw conflictProblem(conflict, path);
}

/** The branch's configuration after a write, with what reached the running days. */
async function answerBranch(env: Env, branchId: string, propagated: Propagation) {
  return { config: await requireView(env, branchId), propagated };
}

const hoursText = (h: { weekday: number; opensAt: string; closesAt: string }) => `${h.weekday} ${h.opensAt}-${h.closesAt}`;

// ---- Branches -------------------------------------------------------------------------------------

/** The branches the caller works at (every branch for an administrator). */
staffAdminRoutes.get(`${BASE}/branches`, allow(...MANAGERS), async (c) => {
  const staff = await staffOf(c);
  const q = validate(pageQuery, c.req.query());
  const all = (await listBranches(c.env.DB)).filter((b) => worksAt(staff, b.id));
  return c.json(pageInMemory(all, q, (b) => b.id));
});

staffAdminRoutes.post(`${BASE}/branches`, allow(...ADMIN), async (c) => {
  const body = await readJson(c, createBranchBody);
  const db = drizzle(c.env.DB);
  const [inserted] = await db.batch([
    db
      .insert(branches)
      .values({ ...body, timeZone: VN_TIME_ZONE, updatedAt: nextConfigVersion(now()) })
      .onConflictDoNothing()
      .returning({ id: branches.id }),
    // Nothing happens here when the id was taken: the existing branch keeps its hours.
    db
      .insert(branchHours)
      .values(DEFAULT_HOURS.map((h) => ({ ...h, branchId: body.id, updatedAt: nextConfigVersion(now()) })))
      .onConflictDoNothing(),
  ]);
  if (inserted.length === 0) throw new ProblemError("branch_exists");
  audit(c, { action: "branch.create", branchId: body.id, detail: { name: body.name, bookingDaysAhead: body.bookingDaysAhead } });
  return c.json({ config: await requireView(c.env, body.id) }, 201);
});

/** The whole configuration of one branch, the field catalog and the calendar around today. */
staffAdminRoutes.get(`${BASE}/branches/:branchId/config`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const view = await requireView(c.env, branchId);
  const today = localDateOf(now(), view.branch.timeZone);
  const [calendar, catalog] = await Promise.all([
    loadCalendar(c.env.DB, addDays(today, -31), addDays(today, 366)),
    drizzle(c.env.DB).select().from(fields).orderBy(asc(fields.sortOrder), asc(fields.code)),
  ]);
  return c.json({
    ...view,
    today,
    calendar: calendar.overrides,
    calendarVersion: calendar.version,
    /** What running branch-days compare: max(branch, calendar). */
    planVersion: Math.max(view.version, calendar.version),
    fieldCatalog: catalog.map(fieldView),
  });
});

/** Name and addresses (administrators). */
staffAdminRoutes.patch(`${BASE}/branches/:branchId`, allow(...ADMIN), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const body = await readJson(c, patchBranchBody);
  const updated = await drizzle(c.env.DB)
    .update(branches)
    .set({ ...body, updatedAt: nextConfigVersion(now()) })
    .where(eq(branches.id, branchId))
    .returning({ id: branches.id });
  if (updated.length === 0) throw new ProblemError("branch_not_found");
  audit(c, { action: "branch.update", branchId, detail: { changed: Object.keys(body) } });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)));
});

/** Booking window, days ahead, verified-only (managers at their branch, administrators). */
staffAdminRoutes.patch(`${BASE}/branches/:branchId/settings`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const body = await readJson(c, branchSettingsBody);
  const before = await requireView(c.env, branchId);
  const from = body.bookingFrom ?? before.branch.bookingFrom;
  const until = body.bookingUntil ?? before.branch.bookingUntil;
  if (minutesOfHhmm(from) >= minutesOfHhmm(until)) {
    throw new ProblemError("invalid_request", { errors: [{ path: body.bookingUntil ? "bookingUntil" : "bookingFrom", message: `bookingFrom (${from}) must be before bookingUntil (${until})` }] });
  }
  await drizzle(c.env.DB)
    .update(branches)
    .set({ ...body, updatedAt: nextConfigVersion(now()) })
    .where(eq(branches.id, branchId));
  audit(c, { action: "branch.settings", branchId, detail: { ...body } });
  // A shortened horizon still has booked days up to the old one: they learn of it too.
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId, before.branch.bookingDaysAhead)));
});

/** The whole week's opening hours; a weekday not listed is closed. */
staffAdminRoutes.put(`${BASE}/branches/:branchId/hours`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const body = await readJson(c, weeklyHoursBody);
  await requireView(c.env, branchId);
  const db = drizzle(c.env.DB);
  const hours = [...body.hours].sort((a, b) => a.weekday - b.weekday);
  // Deleted rows do not raise the version by themselves: the branch row is stamped, FIRST, while
  // the rows about to go still count in "newest row + 1" (stamped after the delete, the new
  // version could equal a deleted row's and the running days would not adopt it).
  await db.batch([
    db.update(branches).set({ updatedAt: nextConfigVersion(now()) }).where(eq(branches.id, branchId)),
    db.delete(branchHours).where(eq(branchHours.branchId, branchId)),
    ...hours.map((h) => db.insert(branchHours).values({ ...h, branchId, updatedAt: nextConfigVersion(now()) })),
  ]);
  audit(c, { action: "branch.hours", branchId, detail: { hours: hours.map(hoursText) } });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)));
});

// ---- Field offers and caps --------------------------------------------------------------------------

async function requireField(env: Env, code: string) {
  const [row] = await drizzle(env.DB).select().from(fields).where(eq(fields.code, code)).limit(1);
  if (!row) throw new ProblemError("field_not_found");
  return row;
}

/** Offers a field at the branch, or changes its daily cap, on/off switch and order. */
staffAdminRoutes.put(`${BASE}/branches/:branchId/fields/:fieldCode`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const code = validate(fieldCodeSchema, c.req.param("fieldCode"));
  const body = await readJson(c, branchFieldBody);
  const view = await requireView(c.env, branchId);
  const field = await requireField(c.env, code);
  const before = view.fields.find((f) => f.code === code);
  const after: NumberedField[] = [
    ...view.fields.filter((f) => f.code !== code),
    { code, series: fieldView(field).series, dailyCap: body.dailyCap },
  ];
  checkSeries(after, code, "dailyCap");
  await drizzle(c.env.DB)
    .insert(branchFields)
    .values({ branchId, fieldCode: code, ...body, updatedAt: nextConfigVersion(now()) })
    .onConflictDoUpdate({ target: [branchFields.branchId, branchFields.fieldCode], set: { ...body, updatedAt: nextConfigVersion(now()) } });
  audit(c, {
    action: "branch_field.put",
    branchId,
    detail: { fieldCode: code, dailyCap: body.dailyCap, enabled: body.enabled, sortOrder: body.sortOrder, previousCap: before?.dailyCap ?? null, previouslyEnabled: before?.enabled ?? null },
  });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)), before ? 200 : 201);
});

/** Stops offering a field at the branch (its counters stop serving it). Disabling keeps it. */
staffAdminRoutes.delete(`${BASE}/branches/:branchId/fields/:fieldCode`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const code = validate(fieldCodeSchema, c.req.param("fieldCode"));
  const view = await requireView(c.env, branchId);
  if (!view.fields.some((f) => f.code === code)) throw new ProblemError("field_not_found");
  const db = drizzle(c.env.DB);
  await db.batch([
    // Stamped before the delete (see the hours above).
    db.update(branches).set({ updatedAt: nextConfigVersion(now()) }).where(eq(branches.id, branchId)),
    db.delete(counterFields).where(and(eq(counterFields.branchId, branchId), eq(counterFields.fieldCode, code))),
    db.delete(branchFields).where(and(eq(branchFields.branchId, branchId), eq(branchFields.fieldCode, code))),
  ]);
  audit(c, { action: "branch_field.delete", branchId, detail: { fieldCode: code } });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)));
});

// ---- Counters ---------------------------------------------------------------------------------------

/** Creates a counter or sets the fields it serves (fields the branch offers, enabled or paused). */
staffAdminRoutes.put(`${BASE}/branches/:branchId/counters/:counter`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const number = validate(counterNumberSchema, c.req.param("counter"));
  const body = await readJson(c, counterBody);
  const view = await requireView(c.env, branchId);
  const offered = new Set(view.fields.map((f) => f.code));
  const missing = body.fieldCodes.filter((f) => !offered.has(f));
  if (missing.length > 0) throw new ProblemError("counter_field_not_offered", { errors: [{ path: "fieldCodes", message: `not offered here: ${missing.join(", ")}` }] });
  const existed = view.counters.some((k) => k.number === number);
  const db = drizzle(c.env.DB);
  await db.batch([
    db
      .insert(counters)
      .values({ branchId, number, updatedAt: nextConfigVersion(now()) })
      .onConflictDoUpdate({ target: [counters.branchId, counters.number], set: { updatedAt: nextConfigVersion(now()) } }),
    db.delete(counterFields).where(and(eq(counterFields.branchId, branchId), eq(counterFields.counterNumber, number))),
    ...body.fieldCodes.map((fieldCode) => db.insert(counterFields).values({ branchId, counterNumber: number, fieldCode })),
  ]);
  audit(c, { action: "counter_config.put", branchId, counterNumber: number, detail: { fieldCodes: body.fieldCodes, created: !existed } });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)), existed ? 200 : 201);
});

staffAdminRoutes.delete(`${BASE}/branches/:branchId/counters/:counter`, allow(...MANAGERS), async (c) => {
  const branchId = branchIdOf(c.req.param("branchId"));
  const number = validate(counterNumberSchema, c.req.param("counter"));
  const view = await requireView(c.env, branchId);
  if (!view.counters.some((k) => k.number === number)) throw new ProblemError("counter_not_found");
  const db = drizzle(c.env.DB);
  await db.batch([
    // Stamped before the delete (see the hours above).
    db.update(branches).set({ updatedAt: nextConfigVersion(now()) }).where(eq(branches.id, branchId)),
    db.delete(counterFields).where(and(eq(counterFields.branchId, branchId), eq(counterFields.counterNumber, number))),
    db.delete(counters).where(and(eq(counters.branchId, branchId), eq(counters.number, number))),
  ]);
  audit(c, { action: "counter_config.delete", branchId, counterNumber: number });
  return c.json(await answerBranch(c.env, branchId, await propagateBranch(c.env, branchId)));
});

// ---- The national field catalog -------------------------------------------------------------------

staffAdminRoutes.get(`${BASE}/fields`, allow(...MANAGERS), async (c) => {
  const q = validate(pageQuery, c.req.query());
  const rows = await drizzle(c.env.DB).select().from(fields);
  return c.json(pageInMemory(rows.map(fieldView), q, (f) => f.code));
});

const seriesColumns = (series: NumberSeries) =>
  series.kind === "prefix"
    ? { seriesKind: "prefix" as const, seriesPrefix: series.prefix, seriesDigits: series.digits, seriesStart: null }
    : { seriesKind: "block" as const, seriesPrefix: null, seriesDigits: null, seriesStart: series.start };

staffAdminRoutes.post(`${BASE}/fields`, allow(...ADMIN), async (c) => {
  const body = await readJson(c, createFieldBody);
  const inserted = await drizzle(c.env.DB)
    .insert(fields)
    .values({ code: body.code, nameVi: body.nameVi, nameEn: body.nameEn, sortOrder: body.sortOrder, ...seriesColumns(body.series), updatedAt: nextConfigVersion(now()) })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) throw new ProblemError("field_exists");
  audit(c, { action: "field.create", detail: { fieldCode: body.code, series: JSON.stringify(body.series) } });
  return c.json({ field: fieldView(inserted[0]!) }, 201);
});

/** Names, numbering and order of a field everywhere it is offered. */
staffAdminRoutes.patch(`${BASE}/fields/:fieldCode`, allow(...ADMIN), async (c) => {
  const code = validate(fieldCodeSchema, c.req.param("fieldCode"));
  const body = await readJson(c, patchFieldBody);
  await requireField(c.env, code);
  const offeredAt = (await drizzle(c.env.DB).select({ branchId: branchFields.branchId }).from(branchFields).where(eq(branchFields.fieldCode, code))).map((r) => r.branchId);
  if (body.series) {
    for (const branchId of offeredAt) {
      const view = await requireView(c.env, branchId);
      const after = view.fields.map((f) => (f.code === code ? { ...f, series: body.series! } : f));
      checkSeries(after, code, "series");
    }
  }
  const { series, ...rest } = body;
  const [row] = await drizzle(c.env.DB)
    .update(fields)
    .set({ ...rest, ...(series ? seriesColumns(series) : {}), updatedAt: nextConfigVersion(now()) })
    .where(eq(fields.code, code))
    .returning();
  audit(c, { action: "field.update", detail: { fieldCode: code, changed: Object.keys(body), ...(series ? { series: JSON.stringify(series) } : {}) } });
  await Promise.all(offeredAt.map((b) => propagateBranch(c.env, b)));
  return c.json({ field: fieldView(row!), offeredAt });
});

// ---- The calendar ---------------------------------------------------------------------------------

const calendarListQuery = pageQuery.extend(calendarRangeQuery.shape);

/** Holidays and extra working days in a date range (default: a month back to a year ahead). */
staffAdminRoutes.get(`${BASE}/calendar`, allow(...MANAGERS), async (c) => {
  const q = validate(calendarListQuery, c.req.query());
  const today = localDateOf(now(), VN_TIME_ZONE);
  const from = q.from ?? addDays(today, -31);
  const to = q.to ?? addDays(today, 366);
  if (from > to || daysBetween(from, to) > CALENDAR_MAX_RANGE_DAYS) {
    throw new ProblemError("invalid_request", { errors: [{ path: "to", message: `from ≤ to, at most ${CALENDAR_MAX_RANGE_DAYS} days` }] });
  }
  const after = afterCursor(q.cursor, z.object({ date: calendarDateSchema }));
  const rows = await drizzle(c.env.DB)
    .select({ date: calendarOverrides.date, kind: calendarOverrides.kind, nameVi: calendarOverrides.nameVi, nameEn: calendarOverrides.nameEn })
    .from(calendarOverrides)
    .where(and(gte(calendarOverrides.date, from), lte(calendarOverrides.date, to), after ? gt(calendarOverrides.date, after.date) : undefined))
    .orderBy(asc(calendarOverrides.date))
    .limit(q.limit + 1);
  return c.json({ from, to, ...pageOf(rows, q.limit, (r) => ({ date: r.date })) });
});

async function allBranchIds(env: Env): Promise<string[]> {
  return (await listBranches(env.DB)).map((b) => b.id);
}

/** Declares a date a holiday or an extra working day (national: every branch). */
staffAdminRoutes.put(`${BASE}/calendar/:date`, allow(...ADMIN), async (c) => {
  const date = validate(calendarDateSchema, c.req.param("date"));
  const body = await readJson(c, calendarEntryBody);
  const db = drizzle(c.env.DB);
  const [existing] = await db.select({ date: calendarOverrides.date }).from(calendarOverrides).where(eq(calendarOverrides.date, date)).limit(1);
  await db
    .insert(calendarOverrides)
    .values({ date, ...body, updatedAt: nextConfigVersion(now()) })
    .onConflictDoUpdate({ target: calendarOverrides.date, set: { ...body, updatedAt: nextConfigVersion(now()) } });
  audit(c, { action: "calendar.put", detail: { date, kind: body.kind, created: !existing } });
  const propagated = await propagateCalendarDate(c.env, await allBranchIds(c.env), date);
  return c.json({ entry: { date, ...body }, propagated }, existing ? 200 : 201);
});

/** Removes a holiday or extra working day: the weekly hours apply again that day. */
staffAdminRoutes.delete(`${BASE}/calendar/:date`, allow(...ADMIN), async (c) => {
  const date = validate(calendarDateSchema, c.req.param("date"));
  const db = drizzle(c.env.DB);
  const [existing] = await db.select({ date: calendarOverrides.date }).from(calendarOverrides).where(eq(calendarOverrides.date, date)).limit(1);
  if (!existing) throw new ProblemError("not_found");
  const ids = await allBranchIds(c.env);
  // A deleted row cannot raise the calendar's version (max updated_at): every branch row is
  // stamped instead, which raises every plan above the calendar's old version — stamped before
  // the delete, while the deleted row still counts in "newest row + 1".
  await db.batch([
    db.update(branches).set({ updatedAt: nextConfigVersion(now()) }),
    db.delete(calendarOverrides).where(eq(calendarOverrides.date, date)),
  ]);
  audit(c, { action: "calendar.delete", detail: { date } });
  const propagated = await propagateCalendarDate(c.env, ids, date);
  return c.json({ deleted: date, propagated });
});
