/**
 * The words of a ticket's life, shared by the engine, D1's schema, the API schemas and the web
 * clients: where a number was taken, who is served first, how identity was checked, statuses.
 */

export const CHANNELS = ["online", "kiosk", "reception", "platform"] as const;
/** Where a number was taken. All channels share one registration order. */
export type Channel = (typeof CHANNELS)[number];

/** Groups served first by regulation (Law on the Elderly, disability, pregnancy, merit…). */
export const PRIORITY_GROUPS = ["elderly", "disability", "pregnant", "child_under_6", "merit", "other"] as const;
export type PriorityGroup = (typeof PRIORITY_GROUPS)[number];

/** How identity was established: ID number typed, chip card QR scanned, or the city platform. */
export const IDENTITY_CHECKS = ["typed", "chip_qr", "platform"] as const;
export type IdentityCheck = (typeof IDENTITY_CHECKS)[number];

export const TICKET_STATUSES = ["waiting", "called", "serving", "served", "no_show", "cancelled", "expired"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
