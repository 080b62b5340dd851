/**
 * What the service holds about the signed-in citizen (the right of access, Law 91/2025): read
 * from where it lives (D1, the citizen ledger, the branch-days), never the raw ID number, never
 * the phone number itself. During a key rotation this covers what is held under the citizen's
 * previous keys too (numbers booked, history and consents recorded before it).
 */
import { now } from "../../shared/clock";
import { localDateOf, VN_TIME_ZONE } from "../../shared/time";
import type { TicketView } from "../../durable/engine/views";
import type { CitizenSession } from "../auth/session";
import { branchDay, citizenLedger, parseTicketId } from "../booking";
import { citizenKeys } from "../identity/citizen-key";
import { listConsents, type ConsentRecord } from "./consent";
import { retentionDaysOf } from "./retention";

export interface HeldTicket {
  ticketId: string | null;
  label: string | null;
  branchId: string;
  serviceDate: string;
  fieldCode: string;
  channel: string;
  /** The ledger's view: pending (being issued), confirmed, cancelled. */
  status: string;
  /** The ticket as its branch-day holds it now (null while pending). */
  ticket: TicketView | null;
}

export interface SubjectAccess {
  citizen: { masked: string };
  /** This sign-in: how, the policy version consented to with it, until when. */
  session: { via: string; policyVersion: string | null; expiresAt: number };
  consents: { currentPolicyVersion: string; current: boolean; records: ConsentRecord[] };
  /** Today's and upcoming numbers. */
  tickets: HeldTicket[];
  phone: { held: boolean };
  history: { tickets: number; firstSeenAt: number | null; lastSeenAt: number | null; retentionDays: number | null };
}

export async function subjectAccess(env: Env, session: CitizenSession): Promise<SubjectAccess> {
  const today = localDateOf(now(), VN_TIME_ZONE);
  const keys = citizenKeys(session);
  const ledgers = keys.map((key) => citizenLedger(env, key));
  const inKeys = keys.map(() => "?").join(", ");
  const [recordsByKey, reservationsByKey, summaries, counts] = await Promise.all([
    Promise.all(keys.map((key) => listConsents(env.DB, key))),
    Promise.all(ledgers.map((ledger) => ledger.list(today))),
    Promise.all(ledgers.map((ledger) => ledger.privacySummary())),
    env.DB.batch([
      env.DB.prepare(`SELECT COUNT(*) AS n FROM ticket_history WHERE citizen_key IN (${inKeys})`).bind(...keys),
      env.DB.prepare(`SELECT MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at FROM citizens WHERE key IN (${inKeys})`).bind(...keys),
    ]),
  ]);
  const records = recordsByKey.flat().sort((a, b) => a.givenAt - b.givenAt);
  const reservations = reservationsByKey.flat().sort((a, b) => a.serviceDate.localeCompare(b.serviceDate) || a.createdAt - b.createdAt);
  const tickets = await Promise.all(
    reservations
      .filter((r) => r.status !== "refused")
      .map(async (r): Promise<HeldTicket> => {
        const ref = r.ticketId ? parseTicketId(r.ticketId) : null;
        const found = ref ? await branchDay(env, ref.branchId, ref.date).citizenTicket(ref.seq, keys) : null;
        return {
          ticketId: r.ticketId,
          label: r.ticketLabel,
          branchId: r.branchId,
          serviceDate: r.serviceDate,
          fieldCode: r.fieldCode,
          channel: r.channel,
          status: r.status,
          ticket: found?.ok ? found.ticket : null,
        };
      }),
  );
  const historyCount = (counts[0]?.results[0] as { n: number } | undefined)?.n ?? 0;
  const seen = counts[1]?.results[0] as { first_seen_at: number | null; last_seen_at: number | null } | undefined;
  const current = env.PRIVACY_POLICY_VERSION;
  return {
    citizen: { masked: session.masked },
    session: { via: session.via, policyVersion: session.policyVersion, expiresAt: session.expiresAt },
    consents: {
      currentPolicyVersion: current,
      // Booking reads consent under the current key only (worker/privacy/consent.ts).
      current: recordsByKey[0]!.some((r) => r.policyVersion === current && r.withdrawnAt === null),
      records,
    },
    tickets,
    phone: { held: summaries.some((s) => s.phoneHeld) },
    history: {
      tickets: historyCount,
      firstSeenAt: seen?.first_seen_at ?? null,
      lastSeenAt: seen?.last_seen_at ?? null,
      retentionDays: retentionDaysOf(env),
    },
  };
}
