/**
 * A branch's whole configuration as an administrator or the branch's manager edits it: unlike
 * the engine's BranchConfig (shared/branch-config.ts) it keeps disabled field offers, each
 * field's sort order and numbering, and the stored booking settings. One D1 batch, so the rows
 * come from one snapshot.
 */
import { asc, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { NumberSeries } from "../../shared/branch-config";
import { seriesOf } from "../db/config-store";
import { branches, branchFields, branchHours, counterFields, counters, fields, type FieldRow } from "../db/schema";

export interface AdminFieldOffer {
  code: string;
  nameVi: string;
  nameEn: string;
  series: NumberSeries;
  dailyCap: number;
  enabled: boolean;
  sortOrder: number;
}

export interface AdminBranchView {
  branch: {
    id: string;
    name: string;
    address: string;
    resultsAddress: string | null;
    timeZone: string;
    bookingFrom: string;
    bookingUntil: string;
    bookingDaysAhead: number;
    callVerifiedOnly: boolean;
  };
  /** Weekly opening hours, Monday (1) first; a weekday not listed is closed. */
  hours: Array<{ weekday: number; opensAt: string; closesAt: string }>;
  /** Every field the branch offers or has paused, in the branch's order. */
  fields: AdminFieldOffer[];
  counters: Array<{ number: number; fieldCodes: string[] }>;
  /** Newest updated_at of the branch's rows (the calendar's is separate). */
  version: number;
}

export function fieldView(f: FieldRow) {
  return { code: f.code, nameVi: f.nameVi, nameEn: f.nameEn, series: seriesOf(f), sortOrder: f.sortOrder };
}

/** The branch's configuration, or null when there is no such branch. */
export async function readBranchAdminView(d1: D1Database, branchId: string): Promise<AdminBranchView | null> {
  const db = drizzle(d1);
  // No joins inside db.batch (drizzle maps batch columns by name: see config-store.ts).
  const [branchRows, hourRows, offerRows, fieldRows, counterRows, counterFieldRows] = await db.batch([
    db.select().from(branches).where(eq(branches.id, branchId)).limit(1),
    db.select().from(branchHours).where(eq(branchHours.branchId, branchId)).orderBy(asc(branchHours.weekday)),
    db.select().from(branchFields).where(eq(branchFields.branchId, branchId)),
    db
      .select()
      .from(fields)
      .where(inArray(fields.code, db.select({ code: branchFields.fieldCode }).from(branchFields).where(eq(branchFields.branchId, branchId)))),
    db.select().from(counters).where(eq(counters.branchId, branchId)).orderBy(asc(counters.number)),
    db.select().from(counterFields).where(eq(counterFields.branchId, branchId)),
  ]);
  const b = branchRows[0];
  if (!b) return null;
  let version = b.updatedAt;
  const bump = (t: number) => {
    if (t > version) version = t;
  };
  hourRows.forEach((h) => bump(h.updatedAt));
  offerRows.forEach((o) => bump(o.updatedAt));
  fieldRows.forEach((f) => bump(f.updatedAt));
  counterRows.forEach((c) => bump(c.updatedAt));

  const fieldByCode = new Map(fieldRows.map((f) => [f.code, f]));
  const offers: AdminFieldOffer[] = offerRows
    .flatMap((o) => {
      const f = fieldByCode.get(o.fieldCode);
      return f ? [{ ...fieldView(f), dailyCap: o.dailyCap, enabled: o.enabled, sortOrder: o.sortOrder, fieldSort: f.sortOrder }] : [];
    })
    .sort((x, y) => x.sortOrder - y.sortOrder || x.fieldSort - y.fieldSort || (x.code < y.code ? -1 : 1))
    .map(({ fieldSort: _ignored, ...offer }) => offer);
  const rank = new Map(offers.map((o, i) => [o.code, i]));
  const byCounter = new Map<number, string[]>();
  for (const cf of counterFieldRows) byCounter.set(cf.counterNumber, [...(byCounter.get(cf.counterNumber) ?? []), cf.fieldCode]);

  return {
    branch: {
      id: b.id,
      name: b.name,
      address: b.address,
      resultsAddress: b.resultsAddress,
      timeZone: b.timeZone,
      bookingFrom: b.bookingFrom,
      bookingUntil: b.bookingUntil,
      bookingDaysAhead: b.bookingDaysAhead,
      callVerifiedOnly: b.callVerifiedOnly,
    },
    hours: hourRows.map((h) => ({ weekday: h.weekday, opensAt: h.opensAt, closesAt: h.closesAt })),
    fields: offers,
    counters: counterRows.map((c) => ({
      number: c.number,
      fieldCodes: (byCounter.get(c.number) ?? []).sort((x, y) => (rank.get(x) ?? 0) - (rank.get(y) ?? 0)),
    })),
    version,
  };
}
