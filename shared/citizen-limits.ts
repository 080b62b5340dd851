/**
 * The pilot's per-citizen limits (iHanoi): counted per service day across every branch and
 * channel (online, kiosk, reception, priority walk-ins); a cancelled number frees its slot.
 */
export const MAX_TICKETS_PER_CITIZEN_DAY = 2;
export const MAX_TICKETS_PER_CITIZEN_FIELD_DAY = 1;
