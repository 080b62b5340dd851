/**
 * Schemas the contract needs besides the request schemas: the RFC 9457 problem every error
 * answers with, and the response shapes of the API that have no zod schema of their own yet
 * (documentation of what handlers build; the live views come from shared/live-views.ts).
 */
import { z } from "zod";
import { PROBLEMS, type ProblemCode } from "../../shared/problems";
import { counterViewSchema, fieldDayViewSchema, ticketViewSchema } from "../../shared/live-views";
import { CHANNELS } from "../../shared/ticket-vocabulary";

export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** RFC 9457 problem details, with the stable `code` and the facts a refusal may carry. */
export const problemSchema = z
  .looseObject({
    type: z.string().meta({ description: "`/problems/<code>`", example: "/problems/field_cap_reached" }),
    title: z.string().meta({ description: "Vietnamese by default, English with `?lang=en` or `Accept-Language: en`." }),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES).meta({ description: "Stable machine code; see the table in the description of the API." }),
    instance: z.string().meta({ description: "The request path." }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    nextWorkingDay: z.string().nullable().optional(),
    lastBookableDay: z.string().optional(),
    bookingOpensAt: z.number().nullable().optional(),
    retryAfterSeconds: z.number().optional(),
    ticketId: z.string().optional(),
    reason: z.string().optional(),
    provinceCode: z.string().optional(),
    window: z.object({ from: z.string(), until: z.string() }).optional(),
    attemptsLeft: z.number().int().optional(),
    providerError: z.string().optional(),
    policyVersion: z.string().optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)." });

/** Every route can answer these (input, overload, rate limits). */
export const COMMON_PROBLEMS: ProblemCode[] = ["invalid_request", "not_found", "overloaded"];
/** Routes with a body can also answer these. */
export const BODY_PROBLEMS: ProblemCode[] = ["malformed_json", "payload_too_large", "unsupported_media_type"];
/** Codes the idempotency middleware adds to state-changing routes. */
export const IDEMPOTENCY_PROBLEMS: ProblemCode[] = ["idempotency_key_reused", "idempotency_in_progress"];

// ---- Named response shapes -----------------------------------------------------------------

export const ticketView = ticketViewSchema.meta({ id: "TicketView" });
export const fieldDayView = fieldDayViewSchema.meta({ id: "FieldDayView" });
export const counterView = counterViewSchema.meta({ id: "CounterView" });

export const liveAccessSchema = z
  .object({ token: z.string(), url: z.string().meta({ description: "WebSocket (or polling) URL with the token." }) })
  .meta({ id: "LiveAccess" });

export const ticketAnswer = z.object({ ticket: ticketView, replay: z.boolean(), live: liveAccessSchema });
export const ticketOnly = z.object({ ticket: ticketView });

export const dayOverviewSchema = z
  .object({
    branchId: z.string(),
    date: z.string(),
    bookingClosed: z.boolean(),
    dayEnded: z.boolean(),
    fields: z.array(fieldDayView),
    counters: z.array(counterView),
  })
  .meta({ id: "DayOverview" });

export const staffAccountSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(["clerk", "reception", "manager", "admin"]),
    branchIds: z.array(z.string()),
    disabled: z.boolean(),
    disabledAt: z.number().nullable(),
    lockedUntil: z.number().nullable(),
    failedLogins: z.number().int(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: "StaffAccount" });

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.number(),
    staffId: z.string(),
    role: z.string(),
    branchId: z.string().nullable(),
    action: z.string(),
    ticketId: z.string().nullable(),
    counterNumber: z.number().int().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "AuditEntry" });

export const displayTokenInfoSchema = z
  .object({ id: z.string(), branchId: z.string(), label: z.string(), createdAt: z.number(), revokedAt: z.number().nullable() })
  .meta({ id: "DisplayTokenInfo" });

export const staffMeSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  role: z.enum(["clerk", "reception", "manager", "admin"]),
  allBranches: z.boolean(),
  branches: z.array(z.string()),
});

export const branchSummarySchema = z.looseObject({ id: z.string(), name: z.string() }).meta({ id: "BranchSummary" });

export const branchPublicSchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    address: z.string(),
    timeZone: z.string(),
    bookingDaysAhead: z.number().int(),
    fields: z.array(z.object({ code: z.string(), nameVi: z.string(), nameEn: z.string(), dailyCap: z.number().int() })),
    counters: z.array(z.object({ number: z.number().int(), fieldCodes: z.array(z.string()) })),
  })
  .meta({ id: "BranchPublic" });

export const dayAvailabilitySchema = z
  .object({
    date: z.string(),
    working: z.boolean(),
    bookable: z.boolean(),
    refusal: z.looseObject({ code: z.enum(PROBLEM_CODES) }).nullable(),
    nextWorkingDay: z.string().nullable(),
    fields: z.array(
      z.object({
        code: z.string(),
        nameVi: z.string(),
        nameEn: z.string(),
        dailyCap: z.number().int(),
        remaining: z.number().int(),
        waiting: z.number().int(),
        nowServing: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "DayAvailability" });

export const channelSchema = z.enum(CHANNELS);

/** Anything JSON: answers documented in words (their builders have no schema yet). */
export const jsonObject = z.looseObject({});
