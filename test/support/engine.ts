/** Drives the pure engine the way the branch-day object does: decide, then apply. */
import { decideCounterCommand, type CounterCommand } from "../../durable/engine/commands";
import { issueTicket, type IssueRequest } from "../../durable/engine/issue";
import { applyChanges } from "../../durable/engine/state";
import type { DayState } from "../../durable/engine/types";

let reservationCounter = 0;

export function walkIn(fieldCode: string, extra: Partial<IssueRequest> = {}): IssueRequest {
  reservationCounter++;
  return {
    reservationId: `res-${reservationCounter}`,
    fieldCode,
    channel: "online",
    priority: null,
    citizenKey: `citizen-${reservationCounter}`,
    citizenMasked: "001******345",
    verifiedBy: null,
    ...extra,
  };
}

export function issued(state: DayState, req: IssueRequest, at: number) {
  const out = issueTicket(state, req, at);
  if (!out.ok) throw new Error(`refused: ${out.code}`);
  applyChanges(state, out.changes);
  return out.ticket;
}

export function act(state: DayState, cmd: CounterCommand, at: number) {
  const out = decideCounterCommand(state, cmd, at);
  if (out.ok) applyChanges(state, out.changes);
  return out;
}
