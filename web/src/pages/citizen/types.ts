/** Shapes of the public and citizen API answers this page reads (see worker/routes/public.ts). */
import type { TicketView, WaitEstimate } from "@shared/live-views";

export type { TicketView, WaitEstimate };

export interface BranchSummary {
  id: string;
  name: string;
  address: string;
}

export interface DayField {
  code: string;
  nameVi: string;
  nameEn: string;
  dailyCap: number;
  remaining: number;
  waiting: number;
  nowServing: string | null;
  estimate?: WaitEstimate | null;
}

export interface DayAvailability {
  date: string;
  working: boolean;
  bookable: boolean;
  refusal: ({ code: string } & Record<string, unknown>) | null;
  nextWorkingDay: string | null;
  fields: DayField[];
}

export interface BranchDays {
  branchId: string;
  today: string;
  days: DayAvailability[];
}

export interface LiveAccess {
  token: string;
  url: string;
}

export interface TicketWithLive {
  ticket: TicketView;
  live: LiveAccess;
}
