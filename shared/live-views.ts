/**
 * What people see of a branch-day, as zod schemas: the single definition of these shapes for
 * the branch-day object (which builds them), the HTTP API and the live socket protocol (which
 * carry them) and the web clients (which validate and show them).
 */
import { z } from "zod";
import { CHANNELS, PRIORITY_GROUPS, TICKET_STATUSES } from "./ticket-vocabulary";

/** A wait shown as a range, not a false exact minute (e.g. 50th–90th percentile). */
export const waitEstimateSchema = z.object({
  lowMinutes: z.number().int().nonnegative(),
  highMinutes: z.number().int().nonnegative(),
  /** Where the service times came from: today's, the same weekday's history, or a default. */
  basis: z.enum(["today", "history", "default"]),
});
export type WaitEstimate = z.infer<typeof waitEstimateSchema>;

/**
 * Where a ticket's issue entry sits in its branch-day's fairness chain (shared/fairness.ts): the
 * holder's proof that their number was registered when and where it says.
 */
export const receiptRefSchema = z.strictObject({ position: z.number().int().min(0), entryHash: z.string().regex(/^[0-9a-f]{64}$/) });
export type ReceiptRef = z.infer<typeof receiptRefSchema>;

export const ticketViewSchema = z.object({
  id: z.string(),
  branchId: z.string(),
  serviceDate: z.string(),
  label: z.string(),
  number: z.number().int(),
  fieldCode: z.string(),
  originalFieldCode: z.string().nullable(),
  channel: z.enum(CHANNELS),
  priority: z.enum(PRIORITY_GROUPS).nullable(),
  status: z.enum(TICKET_STATUSES),
  citizenMasked: z.string(),
  registeredAt: z.number(),
  arrivedAt: z.number().nullable(),
  verified: z.boolean(),
  calledAt: z.number().nullable(),
  counterNumber: z.number().int().nullable(),
  endedAt: z.number().nullable(),
  /** Tickets that will be called before this one in its field (0 = next); null once not waiting. */
  ahead: z.number().int().nullable(),
  /** The number most recently called in this ticket's field. */
  nowServing: z.string().nullable(),
  /** For expired tickets: the day to book again. */
  bookAgainOn: z.string().nullable(),
  estimate: waitEstimateSchema.nullable(),
  /** The ticket's place in the day's fairness chain: check it at /api/v1/fairness/verify (shared/fairness.ts). */
  receipt: receiptRefSchema.nullable().optional(),
});
export type TicketView = z.infer<typeof ticketViewSchema>;

export const fieldDayViewSchema = z.object({
  code: z.string(),
  nameVi: z.string(),
  nameEn: z.string(),
  dailyCap: z.number().int(),
  issued: z.number().int(),
  remaining: z.number().int(),
  waiting: z.number().int(),
  nowServing: z.string().nullable(),
  /** Counters open for this field right now. */
  openCounters: z.number().int(),
});
export type FieldDayView = z.infer<typeof fieldDayViewSchema>;

export const counterViewSchema = z.object({
  number: z.number().int(),
  status: z.enum(["closed", "open", "paused"]),
  fieldCodes: z.array(z.string()),
  current: ticketViewSchema.nullable(),
});
export type CounterView = z.infer<typeof counterViewSchema>;

/** The hall display shows numbers, never anything about the person. */
export const displayCounterSchema = z.object({
  number: z.number().int(),
  status: z.enum(["closed", "open", "paused"]),
  currentLabel: z.string().nullable(),
});
export type DisplayCounter = z.infer<typeof displayCounterSchema>;

export const recentCallSchema = z.object({
  label: z.string(),
  counter: z.number().int(),
  fieldCode: z.string(),
  at: z.number(),
  /** 1 for the first call, 2+ for recalls: the display announces each. */
  callCount: z.number().int(),
});
export type RecentCall = z.infer<typeof recentCallSchema>;
