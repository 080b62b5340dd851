/**
 * Reads branch configuration and the holiday calendar from D1 in the shapes the queue engine
 * uses (shared/branch-config.ts, shared/calendar.ts). Each function is one D1 round trip: its
 * queries go together in one `batch`, which D1 also runs as one transaction, so the rows are
 * read from a single consistent snapshot.
 */
import { and, asc, eq, gte, inArray, lte, max } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type {
  BranchConfig,
  CounterConfig,
  FieldOffer,
  NumberSeries,
  OpeningHours,
  Weekday,
} from "../../shared/branch-config";
import type { CalendarOverride } from "../../shared/calendar";
import { isIsoDate } from "../../shared/time";
import {
  branchFields,
  branches,
  branchHours,
  calendarOverrides,
  counterFields,
  counters,
  type FieldRow,
  fields,
} from "./schema";

/** Branch ids are short lowercase slugs ("hn-cn01"); anything else is not a branch. */
const BRANCH_ID_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function isBranchId(value: unknown): value is string {
  return typeof value === "string" && BRANCH_ID_RE.test(value);
}

export interface BranchSummary {
  id: string;
  name: string;
  address: string;
  resultsAddress: string | null;
  timeZone: string;
}

/** How a field row writes its numbers (the admin API shows it as stored). */
export function seriesOf(field: FieldRow): NumberSeries {
  if (field.seriesKind === "block") {
    return { kind: "block", start: field.seriesStart ?? 1 };
  }
  return { kind: "prefix", prefix: field.seriesPrefix ?? "", digits: field.seriesDigits ?? 3 };
}

function isWeekday(n: number): n is Weekday {
  return Number.isInteger(n) && n >= 1 && n <= 7;
}

/**
 * The configuration of one branch, or null when the id is malformed or no such branch exists.
 * Only enabled fields are offered, in the branch's order; a counter lists only the enabled
 * fields it serves. `version` is the newest `updated_at` of any row that shapes the branch
 * (including disabled field rows, so disabling a field raises it).
 */
export async function loadBranchConfig(
  d1: D1Database,
  branchId: string,
): Promise<BranchConfig | null> {
  if (!isBranchId(branchId)) return null;
  const db = drizzle(d1);
  const [branchRows, hourRows, offerRows, fieldRows, counterRows, counterFieldRows] = await db.batch([
    db.select().from(branches).where(eq(branches.id, branchId)).limit(1),
    db.select().from(branchHours).where(eq(branchHours.branchId, branchId)),
    // No joins inside db.batch: drizzle maps batch results by column NAME, so two columns
    // with the same name (updated_at, sort_order) collapse and shift every later column.
    db.select().from(branchFields).where(eq(branchFields.branchId, branchId)),
    db
      .select()
      .from(fields)
      .where(
        inArray(
          fields.code,
          db
            .select({ code: branchFields.fieldCode })
            .from(branchFields)
            .where(eq(branchFields.branchId, branchId)),
        ),
      ),
    db
      .select()
      .from(counters)
      .where(eq(counters.branchId, branchId))
      .orderBy(asc(counters.number)),
    db.select().from(counterFields).where(eq(counterFields.branchId, branchId)),
  ]);

  const branch = branchRows[0];
  if (branch === undefined) return null;

  let version = branch.updatedAt;
  const bump = (t: number) => {
    if (t > version) version = t;
  };

  const weeklyHours: Partial<Record<Weekday, OpeningHours>> = {};
  for (const h of hourRows) {
    bump(h.updatedAt);
    if (isWeekday(h.weekday)) weeklyHours[h.weekday] = { opensAt: h.opensAt, closesAt: h.closesAt };
  }

  const fieldByCode = new Map(fieldRows.map((f) => [f.code, f]));
  for (const f of fieldRows) bump(f.updatedAt);
  const offers = offerRows
    .flatMap((offer) => {
      const field = fieldByCode.get(offer.fieldCode);
      bump(offer.updatedAt);
      return field === undefined ? [] : [{ offer, field }];
    })
    .sort(
      (a, b) =>
        a.offer.sortOrder - b.offer.sortOrder ||
        a.field.sortOrder - b.field.sortOrder ||
        (a.field.code < b.field.code ? -1 : a.field.code > b.field.code ? 1 : 0),
    );

  const offered: FieldOffer[] = [];
  for (const { offer, field } of offers) {
    if (!offer.enabled) continue;
    offered.push({
      code: field.code,
      nameVi: field.nameVi,
      nameEn: field.nameEn,
      series: seriesOf(field),
      dailyCap: offer.dailyCap,
    });
  }

  // A counter's fields in the branch's field order; fields not offered now are left out.
  const rank = new Map(offered.map((f, i) => [f.code, i]));
  const fieldsByCounter = new Map<number, string[]>();
  for (const cf of counterFieldRows) {
    if (!rank.has(cf.fieldCode)) continue;
    const list = fieldsByCounter.get(cf.counterNumber) ?? [];
    list.push(cf.fieldCode);
    fieldsByCounter.set(cf.counterNumber, list);
  }
  const counterConfigs: CounterConfig[] = counterRows.map((c) => {
    bump(c.updatedAt);
    const fieldCodes = (fieldsByCounter.get(c.number) ?? []).sort(
      (a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0),
    );
    return { number: c.number, fieldCodes };
  });

  return {
    id: branch.id,
    name: branch.name,
    address: branch.address,
    resultsAddress: branch.resultsAddress,
    timeZone: branch.timeZone,
    weeklyHours,
    bookingWindow: { from: branch.bookingFrom, until: branch.bookingUntil },
    bookingDaysAhead: branch.bookingDaysAhead,
    callVerifiedOnly: branch.callVerifiedOnly,
    fields: offered,
    counters: counterConfigs,
    version,
  };
}

/** All branches, by id: what a citizen chooses from. */
export async function listBranches(d1: D1Database): Promise<BranchSummary[]> {
  const db = drizzle(d1);
  return db
    .select({
      id: branches.id,
      name: branches.name,
      address: branches.address,
      resultsAddress: branches.resultsAddress,
      timeZone: branches.timeZone,
    })
    .from(branches)
    .orderBy(asc(branches.id));
}

/**
 * Holidays and swapped working days from `fromDate` to `toDate` inclusive ("YYYY-MM-DD"), by
 * date. `version` is the newest `updated_at` of the whole calendar table (0 when empty), so an
 * edit anywhere in it raises the version of every plan built from it. A deletion does not raise
 * it: whoever deletes a calendar row must also touch another row for running branch-days to
 * notice.
 *
 * @throws RangeError when a date is not a real "YYYY-MM-DD" (a caller's bug, not user input).
 */
export async function loadCalendar(
  d1: D1Database,
  fromDate: string,
  toDate: string,
): Promise<{ overrides: CalendarOverride[]; version: number }> {
  if (!isIsoDate(fromDate) || !isIsoDate(toDate)) {
    throw new RangeError(`loadCalendar: dates must be YYYY-MM-DD, got ${fromDate}..${toDate}`);
  }
  const db = drizzle(d1);
  const [rows, versionRows] = await db.batch([
    db
      .select({
        date: calendarOverrides.date,
        kind: calendarOverrides.kind,
        nameVi: calendarOverrides.nameVi,
        nameEn: calendarOverrides.nameEn,
      })
      .from(calendarOverrides)
      .where(and(gte(calendarOverrides.date, fromDate), lte(calendarOverrides.date, toDate)))
      .orderBy(asc(calendarOverrides.date)),
    db.select({ version: max(calendarOverrides.updatedAt) }).from(calendarOverrides),
  ]);
  return { overrides: rows, version: versionRows[0]?.version ?? 0 };
}
