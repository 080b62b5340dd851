/**
 * The live protocol between a branch-day and its watchers (citizens' phones, counter tablets,
 * reception, the hall display), over WebSocket. One typed schema for both ends, validated on
 * both ends.
 *
 * On connect the server sends a `snapshot` carrying the branch-day's version `v`. After every
 * state change it sends a `delta` from version `from` to `v` with a patch of the audience's
 * view. A client whose version is not `from` has missed something and sends `resync`; the
 * server answers with a fresh snapshot. Heartbeats: the client sends the text "ping", the
 * server answers "pong" without waking the object.
 */
import { z } from "zod";
import {
  counterViewSchema,
  displayCounterSchema,
  fieldDayViewSchema,
  recentCallSchema,
  ticketViewSchema,
  type FieldDayView,
  type TicketView,
} from "./live-views";
import { PROBLEMS, type ProblemCode } from "./problems";

export const HEARTBEAT_REQUEST = "ping";
export const HEARTBEAT_RESPONSE = "pong";
/** How many recent calls the hall display keeps. */
export const RECENT_CALLS_KEPT = 10;
/** How many waiting tickets per field reception sees in its list. */
export const RECEPTION_WAITING_SHOWN = 50;

export const AUDIENCES = ["citizen", "counter", "reception", "display"] as const;
export type Audience = (typeof AUDIENCES)[number];

export const citizenViewSchema = z.object({ ticket: ticketViewSchema, field: fieldDayViewSchema.nullable() });
export const counterAudienceViewSchema = z.object({ counter: counterViewSchema, fields: z.array(fieldDayViewSchema) });
export const receptionViewSchema = z.object({
  fields: z.array(fieldDayViewSchema),
  counters: z.array(counterViewSchema),
  /** Waiting tickets in service order (first RECEPTION_WAITING_SHOWN per field). */
  tickets: z.array(ticketViewSchema),
});
export const displayViewSchema = z.object({
  counters: z.array(displayCounterSchema),
  fields: z.array(fieldDayViewSchema),
  recentCalls: z.array(recentCallSchema),
});

export type CitizenView = z.infer<typeof citizenViewSchema>;
export type CounterAudienceView = z.infer<typeof counterAudienceViewSchema>;
export type ReceptionView = z.infer<typeof receptionViewSchema>;
export type DisplayView = z.infer<typeof displayViewSchema>;
export type AudienceView = CitizenView | CounterAudienceView | ReceptionView | DisplayView;

export const liveEventSchema = z.object({
  kind: z.enum(["issued", "called", "recalled", "started", "served", "no_show", "transferred", "cancelled", "checked_in", "expired", "counter"]),
  label: z.string().nullable(),
  counter: z.number().int().nullable(),
  fieldCode: z.string().nullable(),
  at: z.number(),
});
export type LiveEvent = z.infer<typeof liveEventSchema>;

/**
 * A delta's patch: top-level keys replace the view's keys, except `fields`, `counters` and
 * `tickets`, whose entries are upserted by code / number / id (a reception list drops tickets
 * that are no longer waiting).
 */
export const patchSchema = z.object({
  ticket: ticketViewSchema.optional(),
  field: fieldDayViewSchema.nullable().optional(),
  counter: counterViewSchema.optional(),
  fields: z.array(fieldDayViewSchema).optional(),
  counters: z.array(z.union([counterViewSchema, displayCounterSchema])).optional(),
  tickets: z.array(ticketViewSchema).optional(),
  recentCalls: z.array(recentCallSchema).optional(),
});
export type Patch = z.infer<typeof patchSchema>;

export const serverMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("snapshot"),
    v: z.number().int(),
    audience: z.enum(AUDIENCES),
    view: z.union([citizenViewSchema, counterAudienceViewSchema, receptionViewSchema, displayViewSchema]),
  }),
  z.object({ type: z.literal("delta"), from: z.number().int(), v: z.number().int(), event: liveEventSchema.nullable(), patch: patchSchema }),
  z.object({ type: z.literal("error"), code: z.string().refine((c) => c in PROBLEMS) }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export const clientMessageSchema = z.discriminatedUnion("type", [z.object({ type: z.literal("resync") })]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** Largest client message the server reads; anything bigger is dropped unparsed. */
export const MAX_CLIENT_MESSAGE_BYTES = 256;

/** Parses a client's text frame, or null (unknown or malformed messages are ignored). */
export function parseClientMessage(raw: string | ArrayBuffer): ClientMessage | null {
  if (typeof raw !== "string" || raw.length > MAX_CLIENT_MESSAGE_BYTES) return null;
  try {
    const parsed = clientMessageSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Parses a server frame on the client side, or null when it does not match the protocol. */
export function parseServerMessage(raw: unknown): ServerMessage | null {
  if (typeof raw !== "string") return null;
  try {
    const parsed = serverMessageSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function errorMessage(code: ProblemCode): ServerMessage {
  return { type: "error", code };
}

function upsert<T>(list: readonly T[], updates: readonly T[], keyOf: (item: T) => string | number): T[] {
  const out = [...list];
  const at = new Map(out.map((item, i) => [keyOf(item), i]));
  for (const u of updates) {
    const i = at.get(keyOf(u));
    if (i === undefined) {
      at.set(keyOf(u), out.length);
      out.push(u);
    } else out[i] = u;
  }
  return out;
}

/** Applies a delta's patch to a view (client side; the server uses it in tests). */
export function applyPatch<V extends AudienceView>(view: V, patch: Patch): V {
  const next: Record<string, unknown> = { ...view };
  if (patch.ticket) next.ticket = patch.ticket;
  if (patch.field !== undefined) next.field = patch.field;
  if (patch.counter) next.counter = patch.counter;
  if (patch.recentCalls) next.recentCalls = patch.recentCalls;
  if (patch.fields && "fields" in view) next.fields = upsert(view.fields, patch.fields, (f: FieldDayView) => f.code);
  if (patch.counters && "counters" in view) {
    next.counters = upsert(view.counters as Array<{ number: number }>, patch.counters as Array<{ number: number }>, (c) => c.number);
  }
  if (patch.tickets && "tickets" in view) {
    const merged = upsert(view.tickets, patch.tickets, (t: TicketView) => t.id);
    next.tickets = merged.filter((t) => t.status === "waiting");
  }
  return next as V;
}
