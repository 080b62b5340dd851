/**
 * Counter commands as one typed value, so the Worker, the branch-day object and (later) the live
 * socket protocol all speak the same shape, and every command runs through one dispatcher.
 */
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

export type CounterCommand =
  | { action: "open"; counter: number; fieldCodes?: string[] }
  | { action: "call_specific"; counter: number; label: string }
  | { action: "transfer"; counter: number; toFieldCode: string }
  | { action: Exclude<CounterAction, "open" | "call_specific" | "transfer">; counter: number };

/** Decides a counter command against the day's state. */
export function decideCounterCommand(state: DayState, cmd: CounterCommand, nowMs: number): ServingOutcome {
  switch (cmd.action) {
    case "open":
      return openCounter(state, cmd.counter, cmd.fieldCodes);
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
