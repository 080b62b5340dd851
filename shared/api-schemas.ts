/**
 * Request schemas of the HTTP API, shared by the Worker (validation) and the web clients.
 * Strict objects: unknown keys are refused rather than silently ignored.
 */
import { z } from "zod";
import { RATING_REASON_CODES } from "./ratings";
import { CHANNELS, IDENTITY_CHECKS, PRIORITY_GROUPS } from "./ticket-vocabulary";
import { isIsoDate } from "./time";

export const branchIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "branch id: lowercase letters, digits and '-'");
export const fieldCodeSchema = z.string().regex(/^[A-Z0-9_]{1,16}$/, "field code: capital letters, digits and '_'");
export const isoDateSchema = z.string().refine((s) => isIsoDate(s), "date: YYYY-MM-DD");
export const ticketLabelSchema = z.string().regex(/^[A-Z]{0,3}[0-9]{1,6}$/, "ticket number, e.g. A015 or 2015");
export const counterNumberSchema = z.coerce.number().int().min(1).max(999);
/** Raw ID number as typed; its rules (12 digits, province, century) are checked after parsing. */
export const idNumberInputSchema = z.string().max(40);
export const cccdQrSchema = z.string().min(1).max(1000);
/** Ticket ids are "<branchId>:<YYYY-MM-DD>:<seq>". */
export const TICKET_ID_RE = /^([a-z0-9][a-z0-9-]{0,31}):(\d{4}-\d{2}-\d{2}):([1-9]\d{0,6})$/;

/** A citizen books a number (identity comes from sign-in, not the body). */
export const bookTicketBody = z.strictObject({
  branchId: branchIdSchema,
  fieldCode: fieldCodeSchema,
  /** Defaults to today in the branch's time zone. */
  serviceDate: isoDateSchema.optional(),
});

/** The ID number typed at a desk, or the chip card's QR text scanned there. */
const identityEvidence = {
  idNumber: idNumberInputSchema.optional(),
  cccdQr: cccdQrSchema.optional(),
  identityCheck: z.enum(IDENTITY_CHECKS.filter((m) => m !== "platform") as ["typed", "chip_qr"]),
};

/** Reception or kiosk issues a walk-in (or priority) number after checking identity. */
export const walkInBody = z
  .strictObject({
    ...identityEvidence,
    fieldCode: fieldCodeSchema,
    channel: z.enum(CHANNELS.filter((c) => c === "kiosk" || c === "reception") as ["kiosk", "reception"]).default("reception"),
    priority: z.enum(PRIORITY_GROUPS).nullable().default(null),
    acceptUnknownProvince: z.boolean().default(false),
  })
  .refine((b) => (b.idNumber === undefined) !== (b.cccdQr === undefined), "give exactly one of idNumber or cccdQr");

/** Reception checks a citizen's identity against their ticket. */
export const checkInBody = z
  .strictObject({
    ...identityEvidence,
    ticket: z.union([ticketLabelSchema, z.string().regex(TICKET_ID_RE)]),
  })
  .refine((b) => (b.idNumber === undefined) !== (b.cccdQr === undefined), "give exactly one of idNumber or cccdQr");

export const openCounterBody = z.strictObject({ fieldCodes: z.array(fieldCodeSchema).max(32).optional() });
export const callSpecificBody = z.strictObject({ label: ticketLabelSchema });
export const transferBody = z.strictObject({ toFieldCode: fieldCodeSchema });
export const emptyBody = z.strictObject({});

/** The body of both rating routes (citizen's phone and counter-facing screen). */
export const ratingBody = z.strictObject({
  score: z.number().int().min(1).max(5),
  reason: z.enum(RATING_REASON_CODES).optional(),
});
export type RatingBody = z.infer<typeof ratingBody>;
