/**
 * A citizen's request to delete their data (Personal Data Protection Law 91/2025).
 *
 * What happens:
 * - the citizen ledger forgets the phone, the sign-in code state and every reservation except
 *   the active ones of today and later (see durable/ledger-erasure.ts for why those stay);
 * - in D1, every ticket_history row of the citizen gets its own random token instead of the
 *   citizen key (counts and reports still add up, nothing links the rows to each other or to
 *   the person), the `citizens` row is deleted, the consent records are deleted;
 * - the session cookie is cleared (the route does that).
 *
 * What does not happen: no ticket is cancelled, least of all one being called or served; the
 * citizen can cancel upcoming numbers first (and GET /api/v1/me lists them). While kept tickets
 * live their branch-days go on writing history rows that name the citizen; the ledger unlinks
 * those again the morning after the last kept day. Branch-day objects keep the day's tickets
 * (keyed hash and masked ID only) as the record of that day's queue.
 *
 * During a key rotation the citizen's data under their previous keys (numbers booked before it,
 * their history and consents) is erased the same way, each key on its own.
 *
 * Every step is idempotent: a failed request can simply be repeated.
 */
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import { citizenLedger } from "../booking";
import { eraseCitizenInD1 } from "./anonymize";

export interface ErasureResult {
  /** History rows unlinked from the citizen now. */
  historyRowsUnlinked: number;
  /** Tickets of today and later that stay valid (their ids). */
  keptTickets: string[];
  /** The last day a kept ticket is for: its history is unlinked again the morning after. */
  keptThrough: string | null;
}

/** Erases everything held under the citizen's keys (current first, then previous ones). */
export async function eraseCitizen(env: Env, citizenKeys: string[]): Promise<ErasureResult> {
  const today = localDateOf(now(), VN_TIME_ZONE);
  const result: ErasureResult = { historyRowsUnlinked: 0, keptTickets: [], keptThrough: null };
  for (const citizenKey of citizenKeys) {
    const { kept, keptThrough } = await citizenLedger(env, citizenKey).forget(citizenKey, today);
    const { historyRows } = await eraseCitizenInD1(env.DB, citizenKey);
    result.historyRowsUnlinked += historyRows;
    result.keptTickets.push(...kept.map((r) => r.ticketId).filter((id): id is string => id !== null));
    if (keptThrough !== null && (result.keptThrough === null || keptThrough > result.keptThrough)) result.keptThrough = keptThrough;
  }
  return result;
}
