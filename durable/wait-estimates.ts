/**
 * Wait estimates for a branch-day's views. Today's service-time statistics per field are cached
 * and dropped only when a ticket of that field is served, so an estimate costs O(1) per watching
 * ticket after one estimator per field per change. The same weekday's history comes from D1,
 * loaded once per object in the background.
 */
import { fieldCounters, fieldEstimator, serviceTimeStats, todayServiceSamples, type ServiceTimeStats, type WaitEstimator } from "./engine/estimate";
import type { Changes, DayState } from "./engine/types";
import type { ViewContext } from "./engine/views";
import { loadServiceTimeHistory } from "../worker/db/service-history";

export class WaitEstimates {
  private todayStats = new Map<string, ServiceTimeStats | null>();
  private history = new Map<string, ServiceTimeStats | null>();
  private historyRequested = false;

  /** Starts loading the same weekday's history once (views use defaults until it arrives). */
  loadHistory(db: D1Database, branchId: string, date: string, waitUntil: (p: Promise<unknown>) => void): void {
    if (this.historyRequested) return;
    this.historyRequested = true;
    waitUntil(
      loadServiceTimeHistory(db, branchId, date)
        .then((byField) => {
          for (const [field, samples] of Object.entries(byField)) this.history.set(field, serviceTimeStats(samples));
        })
        .catch((err: unknown) => {
          this.historyRequested = false;
          console.warn("service-time history unavailable", err instanceof Error ? err.message : err);
        }),
    );
  }

  /** A change served someone: that field's statistics are stale. */
  invalidate(changes: Changes): void {
    for (const t of changes.tickets) if (t.status === "served") this.todayStats.delete(t.fieldCode);
  }

  /** A view context whose estimators are built at most once per field. */
  context(state: DayState, nowMs: number): ViewContext {
    const estimators = new Map<string, WaitEstimator | null>();
    return {
      estimate: (ticket, ahead) => {
        let estimator = estimators.get(ticket.fieldCode);
        if (estimator === undefined) {
          estimator = fieldEstimator({ today: this.statsToday(state, ticket.fieldCode), history: this.history.get(ticket.fieldCode) ?? null, ...fieldCounters(state, ticket.fieldCode, nowMs) });
          estimators.set(ticket.fieldCode, estimator);
        }
        return estimator ? estimator(ahead) : null;
      },
    };
  }

  private statsToday(state: DayState, fieldCode: string): ServiceTimeStats | null {
    if (!this.todayStats.has(fieldCode)) this.todayStats.set(fieldCode, serviceTimeStats(todayServiceSamples(state.tickets, fieldCode)));
    return this.todayStats.get(fieldCode) ?? null;
  }
}
