/** Shapes the manager page reads from the administration API (worker/routes/staff-admin.ts). */
export type { NumberSeries } from "@shared/branch-config";
import type { NumberSeries } from "@shared/branch-config";

export interface FieldOfferView {
  code: string;
  nameVi: string;
  nameEn: string;
  series: NumberSeries;
  dailyCap: number;
  enabled: boolean;
  sortOrder: number;
}

export interface CatalogField {
  code: string;
  nameVi: string;
  nameEn: string;
  series: NumberSeries;
  sortOrder: number;
}

export interface CalendarEntry {
  date: string;
  kind: "holiday" | "working_day";
  nameVi: string;
  nameEn: string;
}

export interface BranchConfigView {
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
  hours: Array<{ weekday: number; opensAt: string; closesAt: string }>;
  fields: FieldOfferView[];
  counters: Array<{ number: number; fieldCodes: string[] }>;
  version: number;
  today: string;
  calendar: CalendarEntry[];
  fieldCatalog: CatalogField[];
}

/** After a write: the branch's configuration as now stored. */
export interface ConfigAnswer {
  config: Omit<BranchConfigView, "today" | "calendar" | "fieldCatalog">;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
