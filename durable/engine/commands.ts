/**
 * Counter commands as one typed value, so the Worker, the branch-day object and (later) the live
 * socket protocol all speak the same shape, and every command runs through one dispatcher.
 */
import { refuse, type Refusal } from "../../shared/problems";
import type { DayState } from "./types";
import {
  callNext,
  callSpecific,
  closeCounter,
  completeService,
  markNoShow,
  openCounter,
  pauseCounter,
  recall,
  resumeCounter,
  startService,
  transferTicket,
  type ServingOutcome,
} from "./serving";

export const COUNTER_ACTIONS = [
  "open",
  "pause",
  "resume",
  "close",
  "call_next",
  "call_specific",
  "recall",
  "no_show",
  "start",
  "complete",
  "transfer",
] as const;
export type CounterAction = (typeof COUNTER_ACTIONS)[number];

/**
 * Who gives a command. A clerk (`anyCounter: false`) acts only at a counter they opened; a
 * manager or administrator (`anyCounter: true`) at any counter of the branch, e.g. to close one
 * a clerk left open. Commands without `by` come from the system or tests and are not checked.
 */
export interface CounterActor {
  staffId: string;
  anyCounter: boolean;
}

export type CounterCommand = (
  | { action: "open"; counter: number; fieldCodes?: string[] }
  | { action: "call_specific"; counter: number; label: string }
  | { action: "transfer"; counter: number; toFieldCode: string }
  | { action: Exclude<CounterAction, "open" | "call_specific" | "transfer">; counter: number }
) & { by?: CounterActor };

/**
 * May the actor give this command at this counter? A closed counter is anyone's to open (the
 * rules refuse the other commands there anyway); an open or paused one belongs to its opener.
 */
export function counterOwnershipRefusal(state: DayState, cmd: CounterCommand): Refusal | null {
  const by = cmd.by;
  if (!by || by.anyCounter) return null;
  const counter = state.counters.get(cmd.counter);
  if (!counter || counter.status === "closed") return null;
  return counter.openedBy === by.staffId ? null : refuse("counter_opened_by_other");
}

/** Decides a counter command against the day's state. */
export function decideCounterCommand(state: DayState, cmd: CounterCommand, nowMs: number): ServingOutcome {
  const refused = counterOwnershipRefusal(state, cmd);
  if (refused) return refused;
  switch (cmd.action) {
    case "open":
      return openCounter(state, cmd.counter, cmd.fieldCodes, cmd.by?.staffId ?? null);
    case "pause":
      return pauseCounter(state, cmd.counter);
    case "resume":
      return resumeCounter(state, cmd.counter);
    case "close":
      return closeCounter(state, cmd.counter);
    case "call_next":
      return callNext(state, cmd.counter, nowMs);
    case "call_specific":
      return callSpecific(state, cmd.counter, cmd.label, nowMs);
    case "recall":
      return recall(state, cmd.counter);
    case "no_show":
      return markNoShow(state, cmd.counter, nowMs);
    case "start":
      return startService(state, cmd.counter, nowMs);
    case "complete":
      return completeService(state, cmd.counter, nowMs);
    case "transfer":
      return transferTicket(state, cmd.counter, cmd.toFieldCode);
  }
}
