/**
 * D1 schema: the configuration every branch-day needs (branches, opening hours, service fields,
 * counters, the holiday calendar) and the archive the branch-day objects flush into (ticket
 * history, citizens). Live queue state is NOT here: it lives in each branch-day object's SQLite.
 *
 * Conventions: snake_case columns, text ids, timestamps as integer milliseconds since the epoch.
 * Every configuration row carries `updated_at`; a branch's configuration version is the largest
 * `updated_at` over its rows (see config-store.ts). Whoever deletes configuration rows (a counter,
 * an hours row, a counter's field) must also bump `branches.updated_at`, or the deletion would not
 * raise the version and running branch-days would keep the old plan.
 *
 * Personal data: a citizen is known only by a keyed hash of the ID number (`citizens.key`) and a
 * masked form for display. The raw 12-digit number is never stored.
 *
 * Migrations: `npm run db:generate -- --name <what_changed>` writes migrations/NNNN_<name>.sql.
 */
import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
} from "drizzle-orm/sqlite-core";
import { VN_TIME_ZONE } from "../../shared/time";
import { CHANNELS, IDENTITY_CHECKS, TICKET_STATUSES, type Channel, type IdentityCheck, type TicketStatus } from "../../shared/ticket-vocabulary";

const now = () => Date.now();

/** Configuration rows: set on insert and on every drizzle update; explicit values win (seeds). */
const updatedAt = () =>
  integer("updated_at").notNull().$defaultFn(now).$onUpdateFn(now);

/** "HH:MM" (24 h, "24:00" allowed as end of day) — the shape, the meaning is checked in code. */
const hhmmCheck = (column: string) =>
  sql.raw(`${column} GLOB '[0-2][0-9]:[0-5][0-9]'`);

export const SERIES_KINDS = ["prefix", "block"] as const;
export const CALENDAR_KINDS = ["holiday", "working_day"] as const;

export type SeriesKind = (typeof SERIES_KINDS)[number];
export type CalendarKind = (typeof CALENDAR_KINDS)[number];
export { CHANNELS, TICKET_STATUSES, IDENTITY_CHECKS as VERIFICATION_METHODS };
export type { Channel, TicketStatus, IdentityCheck as VerificationMethod };

/** "column IN ('a', 'b')" for a check constraint (the values are our own constants). */
const inList = (column: string, values: readonly string[]) =>
  `${column} IN (${values.map((v) => `'${v}'`).join(", ")})`;

// ---------------------------------------------------------------------------------------------
// Configuration

/** A branch (chi nhánh) of a public administrative service center. */
export const branches = sqliteTable(
  "branches",
  {
    /** Short slug, e.g. "hn-cn01": part of every branch-day object name. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    address: text("address").notNull(),
    /** Where results are returned, when that is another place (branch 1: 657 Lạc Long Quân). */
    resultsAddress: text("results_address"),
    timeZone: text("time_zone").notNull().default(VN_TIME_ZONE),
    bookingFrom: text("booking_from").notNull().default("08:00"),
    bookingUntil: text("booking_until").notNull().default("16:00"),
    /** Calendar days after today that can be booked (iHanoi: 6 since Oct 2025). */
    bookingDaysAhead: integer("booking_days_ahead").notNull().default(6),
    /** Counters call only tickets that reception marked arrived and verified. */
    callVerifiedOnly: integer("call_verified_only", { mode: "boolean" })
      .notNull()
      .default(false),
    updatedAt: updatedAt(),
  },
  () => [
    check(
      "branches_id_slug",
      sql.raw(`length(id) BETWEEN 1 AND 32 AND id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9-]*'`),
    ),
    check("branches_booking_from", hhmmCheck("booking_from")),
    check("branches_booking_until", hhmmCheck("booking_until")),
    check("branches_booking_days_ahead", sql.raw(`booking_days_ahead BETWEEN 0 AND 60`)),
  ],
);

/** Weekly opening hours; a weekday without a row is closed (Saturday mornings are per branch). */
export const branchHours = sqliteTable(
  "branch_hours",
  {
    branchId: text("branch_id")
      .notNull()
      .references(() => branches.id, { onDelete: "cascade" }),
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: integer("weekday").notNull(),
    opensAt: text("opens_at").notNull(),
    closesAt: text("closes_at").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.branchId, t.weekday] }),
    check("branch_hours_weekday", sql.raw(`weekday BETWEEN 1 AND 7`)),
    check("branch_hours_opens_at", hhmmCheck("opens_at")),
    check("branch_hours_closes_at", hhmmCheck("closes_at")),
    check("branch_hours_order", sql.raw(`opens_at < closes_at`)),
  ],
);

/**
 * A service field (lĩnh vực) and how its numbers are written: prefix "A" + 3 digits → A001, or a
 * block starting at 2001 → 2001, 2002 …
 */
export const fields = sqliteTable(
  "fields",
  {
    code: text("code").primaryKey(),
    nameVi: text("name_vi").notNull(),
    nameEn: text("name_en").notNull(),
    seriesKind: text("series_kind", { enum: SERIES_KINDS }).notNull(),
    seriesPrefix: text("series_prefix"),
    seriesDigits: integer("series_digits"),
    seriesStart: integer("series_start"),
    sortOrder: integer("sort_order").notNull().default(0),
    updatedAt: updatedAt(),
  },
  () => [
    check(
      "fields_code",
      sql.raw(`length(code) BETWEEN 1 AND 32 AND code NOT GLOB '*[^A-Z0-9_]*'`),
    ),
    check("fields_series_kind", sql.raw(inList("series_kind", SERIES_KINDS))),
    check(
      "fields_series",
      sql.raw(
        `(series_kind = 'prefix' AND series_prefix IS NOT NULL AND series_digits BETWEEN 1 AND 6)` +
          ` OR (series_kind = 'block' AND series_start >= 0)`,
      ),
    ),
  ],
);

/** A field as offered by one branch, with that branch's daily cap on numbers. */
export const branchFields = sqliteTable(
  "branch_fields",
  {
    branchId: text("branch_id")
      .notNull()
      .references(() => branches.id, { onDelete: "cascade" }),
    fieldCode: text("field_code")
      .notNull()
      .references(() => fields.code),
    dailyCap: integer("daily_cap").notNull(),
    /** Disabled rows are kept (their caps and counters survive a pause) but not offered. */
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    sortOrder: integer("sort_order").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.branchId, t.fieldCode] }),
    check("branch_fields_daily_cap", sql.raw(`daily_cap >= 0`)),
  ],
);

/** A counter (quầy) of a branch, by its number on the hall display. */
export const counters = sqliteTable(
  "counters",
  {
    branchId: text("branch_id")
      .notNull()
      .references(() => branches.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.branchId, t.number] }),
    check("counters_number", sql.raw(`number >= 1`)),
  ],
);

/**
 * The fields a counter serves. No `updated_at` of its own: a change here must bump the
 * counter's `updated_at`. The field must be offered by the counter's branch.
 */
export const counterFields = sqliteTable(
  "counter_fields",
  {
    branchId: text("branch_id").notNull(),
    counterNumber: integer("counter_number").notNull(),
    fieldCode: text("field_code").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.branchId, t.counterNumber, t.fieldCode] }),
    foreignKey({
      columns: [t.branchId, t.counterNumber],
      foreignColumns: [counters.branchId, counters.number],
    }).onDelete("cascade"),
    foreignKey({
      columns: [t.branchId, t.fieldCode],
      foreignColumns: [branchFields.branchId, branchFields.fieldCode],
    }).onDelete("cascade"),
  ],
);

/** Holidays and swapped working days, editable by an administrator (see shared/calendar.ts). */
export const calendarOverrides = sqliteTable(
  "calendar_overrides",
  {
    /** "YYYY-MM-DD" */
    date: text("date").primaryKey(),
    kind: text("kind", { enum: CALENDAR_KINDS }).notNull(),
    nameVi: text("name_vi").notNull(),
    nameEn: text("name_en").notNull(),
    updatedAt: updatedAt(),
  },
  () => [
    check(
      "calendar_overrides_date",
      sql.raw(`date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'`),
    ),
    check("calendar_overrides_kind", sql.raw(inList("kind", CALENDAR_KINDS))),
  ],
);

// ---------------------------------------------------------------------------------------------
// Citizens and history

/** A citizen as far as matching and reports need: never the raw ID number. */
export const citizens = sqliteTable("citizens", {
  /** Keyed hash (HMAC) of the 12-digit ID number, base64url. */
  key: text("key").primaryKey(),
  /** For display to staff, e.g. "001******345". */
  masked: text("masked").notNull(),
  firstSeenAt: integer("first_seen_at").notNull(),
  lastSeenAt: integer("last_seen_at").notNull(),
}, (t) => [
  // The retention job deletes citizens not seen within HISTORY_RETENTION_DAYS.
  index("citizens_last_seen").on(t.lastSeenAt),
]);

/**
 * Every ticket of every branch-day, flushed from the branch-day objects' outboxes. Upserts are
 * idempotent and ordered by `version`: a newer version replaces an older one, never the reverse.
 */
export const ticketHistory = sqliteTable(
  "ticket_history",
  {
    /** "<branchId>:<YYYY-MM-DD>:<seq>" */
    id: text("id").primaryKey(),
    branchId: text("branch_id")
      .notNull()
      .references(() => branches.id),
    serviceDate: text("service_date").notNull(),
    /** Order of registration in the branch-day, all fields and channels together (1, 2, …). */
    seq: integer("seq").notNull(),
    fieldCode: text("field_code").notNull(),
    /** The field the ticket was issued for, when it was later transferred to `field_code`. */
    originalFieldCode: text("original_field_code"),
    /** Number within the field's series (1 for A001, 2001 for the block's first). */
    number: integer("number").notNull(),
    /** As displayed and announced: "A001", "2001". */
    label: text("label").notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    /** Priority category (elderly, disability, …) when served first; null for the ordinary queue. */
    priority: text("priority"),
    /**
     * The citizen's key (`citizens.key`) while the person is known; after a deletion request or
     * the retention period, an unlinkable random token ("anon:…", one per row) so counts and
     * reports still add up. Hence no foreign key to `citizens`.
     */
    citizenKey: text("citizen_key").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull(),
    registeredAt: integer("registered_at").notNull(),
    arrivedAt: integer("arrived_at"),
    verifiedBy: text("verified_by", { enum: IDENTITY_CHECKS }),
    calledAt: integer("called_at"),
    counterNumber: integer("counter_number"),
    callCount: integer("call_count").notNull().default(0),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    /** The branch-day's version of this ticket: bumped on every change there. */
    version: integer("version").notNull(),
    /** When this version reached D1. */
    flushedAt: integer("flushed_at").notNull(),
  },
  (t) => [
    index("ticket_history_branch_date").on(t.branchId, t.serviceDate),
    index("ticket_history_citizen_date").on(t.citizenKey, t.serviceDate),
    // Rows still linked to a person, by day: the retention job's work list (anonymized rows leave it).
    index("ticket_history_linked_by_date").on(t.serviceDate).where(sql.raw(`citizen_key NOT LIKE 'anon:%'`)),
    check("ticket_history_channel", sql.raw(inList("channel", CHANNELS))),
    check("ticket_history_status", sql.raw(inList("status", TICKET_STATUSES))),
    check(
      "ticket_history_verified_by",
      sql.raw(`verified_by IS NULL OR ${inList("verified_by", IDENTITY_CHECKS)}`),
    ),
    check("ticket_history_call_count", sql.raw(`call_count >= 0`)),
  ],
);

export type BranchRow = typeof branches.$inferSelect;
export type NewBranchRow = typeof branches.$inferInsert;
export type BranchHoursRow = typeof branchHours.$inferSelect;
export type NewBranchHoursRow = typeof branchHours.$inferInsert;
export type FieldRow = typeof fields.$inferSelect;
export type NewFieldRow = typeof fields.$inferInsert;
export type BranchFieldRow = typeof branchFields.$inferSelect;
export type NewBranchFieldRow = typeof branchFields.$inferInsert;
export type CounterRow = typeof counters.$inferSelect;
export type NewCounterRow = typeof counters.$inferInsert;
export type CounterFieldRow = typeof counterFields.$inferSelect;
export type NewCounterFieldRow = typeof counterFields.$inferInsert;
export type CalendarOverrideRow = typeof calendarOverrides.$inferSelect;
export type NewCalendarOverrideRow = typeof calendarOverrides.$inferInsert;
export type CitizenRow = typeof citizens.$inferSelect;
export type NewCitizenRow = typeof citizens.$inferInsert;
export type TicketHistoryDbRow = typeof ticketHistory.$inferSelect;
export type NewTicketHistoryDbRow = typeof ticketHistory.$inferInsert;

/**
 * Tokens for hall displays, issued per branch by staff and revocable. Only a SHA-256 hash of the
 * token is stored; the token itself is shown once when issued.
 */
export const displayTokens = sqliteTable(
  "display_tokens",
  {
    id: text("id").primaryKey(),
    branchId: text("branch_id")
      .notNull()
      .references(() => branches.id),
    tokenHash: text("token_hash").notNull().unique(),
    label: text("label").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("display_tokens_by_branch").on(t.branchId)],
);
export type DisplayTokenRow = typeof displayTokens.$inferSelect;

export const STAFF_ROLES = ["clerk", "reception", "manager", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * Staff accounts. Passwords are stored as PBKDF2-SHA256 hashes with their salt and iteration
 * count (so the count can be raised later). An admin has every branch; other roles list theirs.
 */
export const staff = sqliteTable(
  "staff",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    role: text("role", { enum: STAFF_ROLES }).notNull(),
    /** JSON array of branch ids ("[]" for an admin: all branches). */
    branchIds: text("branch_ids").notNull().default("[]"),
    passwordHash: text("password_hash").notNull(),
    passwordSalt: text("password_salt").notNull(),
    passwordIterations: integer("password_iterations").notNull(),
    failedLogins: integer("failed_logins").notNull().default(0),
    lockedUntil: integer("locked_until"),
    /** Sessions issued before this instant are refused (sign-out everywhere, password change). */
    sessionsValidAfter: integer("sessions_valid_after").notNull().default(0),
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  () => [check("staff_role", sql.raw(`role IN ('clerk', 'reception', 'manager', 'admin')`))],
);
export type StaffRow = typeof staff.$inferSelect;

/** Who did what, when: counter calls, transfers, priority numbers, check-ins, account changes. */
export const staffAuditLog = sqliteTable(
  "staff_audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    staffId: text("staff_id").notNull(),
    role: text("role").notNull(),
    branchId: text("branch_id"),
    action: text("action").notNull(),
    ticketId: text("ticket_id"),
    counterNumber: integer("counter_number"),
    /** JSON with no personal data. */
    detail: text("detail"),
  },
  (t) => [index("staff_audit_by_branch_time").on(t.branchId, t.at), index("staff_audit_by_staff_time").on(t.staffId, t.at)],
);

/** Explicit, withdrawable consent to the personal-data policy (Law 91/2025), per version. */
export const citizenConsents = sqliteTable(
  "citizen_consents",
  {
    citizenKey: text("citizen_key").notNull(),
    policyVersion: text("policy_version").notNull(),
    givenAt: integer("given_at").notNull(),
    withdrawnAt: integer("withdrawn_at"),
  },
  (t) => [primaryKey({ columns: [t.citizenKey, t.policyVersion] })],
);

// ---------------------------------------------------------------------------------------------
// Service ratings (issue 5): after service the citizen rates it on their phone or on a
// counter-facing screen. One rating per ticket; a separate table so the branch-day's history
// upserts (which own ticket_history rows) never overwrite it.

export const ticketRatings = sqliteTable(
  "ticket_ratings",
  {
    ticketId: text("ticket_id").primaryKey(),
    branchId: text("branch_id").notNull(),
    serviceDate: text("service_date").notNull(),
    fieldCode: text("field_code").notNull(),
    counterNumber: integer("counter_number"),
    /** 1 (very poor) … 5 (very good). */
    score: integer("score").notNull(),
    /** A reason code from a fixed list (no free text: it could carry personal data). */
    reason: text("reason"),
    /** "citizen" (their phone) or "counter" (counter-facing screen). */
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ticket_ratings_branch_date").on(t.branchId, t.serviceDate),
    check("ticket_ratings_score", sql.raw(`score BETWEEN 1 AND 5`)),
  ],
);

// ---------------------------------------------------------------------------------------------
// City platform clients (issue 6): registered by an administrator, each with its own signing
// keys (JWKS, asymmetric only) and scopes; usage counted per client and day.

export const PLATFORM_SCOPES = ["book", "read_status", "events"] as const;
export type PlatformScope = (typeof PLATFORM_SCOPES)[number];

export const platformClients = sqliteTable("platform_clients", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The `iss` its tokens carry. */
  issuer: text("issuer").notNull().unique(),
  /** Public JWKS (JSON text) the client's tokens are verified with. */
  jwks: text("jwks").notNull(),
  /** JSON array of PlatformScope. */
  scopes: text("scopes").notNull().default("[]"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  disabledAt: integer("disabled_at"),
});

export const platformUsage = sqliteTable(
  "platform_usage",
  {
    clientId: text("client_id").notNull(),
    /** Service date in Asia/Ho_Chi_Minh, YYYY-MM-DD. */
    day: text("day").notNull(),
    /** What was used: "book", "read_status", "webhook_delivery", … */
    kind: text("kind").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.day, t.kind] })],
);

/** Webhook endpoints a platform client registered, with the event types it wants. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull(),
    url: text("url").notNull(),
    /** JSON array of event types. */
    eventTypes: text("event_types").notNull(),
    /** Signing secret, AES-GCM encrypted at rest; the previous one stays valid during rotation. */
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretUntil: integer("previous_secret_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    disabledAt: integer("disabled_at"),
  },
  (t) => [index("webhook_endpoints_by_client").on(t.clientId)],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "dead"] as const;

/** One event for one endpoint: its attempts, its fate, replayable by an administrator. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    /** Unique per event (receivers de-duplicate on it); shared by all endpoints of one event. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The JSON body sent (no personal data). */
    payload: text("payload").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_by_endpoint").on(t.endpointId, t.createdAt),
    index("webhook_deliveries_by_status").on(t.status, t.updatedAt),
    check("webhook_deliveries_status", sql.raw(inList("status", WEBHOOK_DELIVERY_STATUSES))),
  ],
);

// ---------------------------------------------------------------------------------------------
// Idempotency of state-changing API calls (issue 6): the first answer to (caller, key) is stored
// and replayed for retries with the same request; a different request with the same key is refused.

export const idempotencyRecords = sqliteTable(
  "idempotency_records",
  {
    /** Who called ("citizen:<key>", "staff:<id>", "platform:<client>", "ip:<addr>"). */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of method, path and body. */
    fingerprint: text("fingerprint").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    contentType: text("content_type").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_records_created").on(t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Verifiable fairness (issue 6): the head of each branch-day's hash chain, published when the
// day ends (the live head is served by the branch-day itself).

export const fairnessHeads = sqliteTable(
  "fairness_heads",
  {
    branchId: text("branch_id").notNull(),
    serviceDate: text("service_date").notNull(),
    length: integer("length").notNull(),
    headHash: text("head_hash").notNull(),
    publishedAt: integer("published_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.branchId, t.serviceDate] })],
);
