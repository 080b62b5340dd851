/**
 * The branch-day's fairness chain in its SQLite storage. Every method is synchronous: the object
 * appends a decision's entries inside the decision's own transaction (no await), so an entry
 * exists exactly when its change does, after a crash or an eviction too. One SHA-256 per entry
 * (and one HMAC per issued number, for the citizen tag); the head is kept in memory.
 */
import { chainEntry, genesisHash, type ChainEntry, type ChainEvent, type ChainHead } from "../../shared/fairness";
import { chainEventsOf, rulesEvent, type ChainCause } from "./fairness";
import type { Changes, DayState } from "./types";

/** Entries per page read at most (the API pages through longer chains). */
export const MAX_CHAIN_PAGE = 1_000;

export class FairnessLog {
  private last: { position: number; hash: string } | null;
  private rules: boolean | null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS fairness_chain (position INTEGER PRIMARY KEY, kind TEXT NOT NULL, entry TEXT NOT NULL)");
    const last = sql.exec<{ entry: string }>("SELECT entry FROM fairness_chain ORDER BY position DESC LIMIT 1").toArray()[0];
    const parsed = last ? (JSON.parse(last.entry) as ChainEntry) : null;
    this.last = parsed ? { position: parsed.position, hash: parsed.hash } : null;
    const rules = sql.exec<{ entry: string }>("SELECT entry FROM fairness_chain WHERE kind = 'rules' ORDER BY position DESC LIMIT 1").toArray()[0];
    this.rules = rules ? (JSON.parse(rules.entry) as { callVerifiedOnly: boolean }).callVerifiedOnly : null;
  }

  /** The chain's head: its length and last hash (the genesis hash of the day while empty). */
  head(branchId: string, date: string): ChainHead {
    return this.last ? { length: this.last.position + 1, hash: this.last.hash } : { length: 0, hash: genesisHash(branchId, date) };
  }

  /**
   * Records a decision, before it is applied to `state`: the calling rule if it changed, then the
   * decision's events. A newly issued ticket gets its receipt (position and entry hash), which is
   * stored with it.
   */
  record(state: DayState, changes: Changes, atMs: number, cause: ChainCause = {}): void {
    const events = chainEventsOf(state, changes, cause);
    if (events.length === 0) return;
    this.appendRules(state, atMs);
    for (const event of events) {
      // An issue entry's time is the ticket's registration time, which the receipt shows.
      const issued = event.kind === "issue" ? changes.tickets.find((t) => t.seq === event.seq)! : null;
      const entry = this.append(state, issued?.registeredAt ?? atMs, event);
      if (issued) issued.receipt = { position: entry.position, entryHash: entry.hash };
    }
  }

  /** Appends events the changes do not show by themselves (the end of the day). */
  recordEvent(state: DayState, atMs: number, event: ChainEvent): ChainEntry {
    this.appendRules(state, atMs);
    return this.append(state, atMs, event);
  }

  /** Entries from `from` on, at most `limit`, as published. */
  page(from: number, limit: number): ChainEntry[] {
    return this.sql
      .exec<{ entry: string }>("SELECT entry FROM fairness_chain WHERE position >= ? ORDER BY position LIMIT ?", from, Math.min(limit, MAX_CHAIN_PAGE))
      .toArray()
      .map((r) => JSON.parse(r.entry) as ChainEntry);
  }

  private appendRules(state: DayState, atMs: number): void {
    const rules = rulesEvent(state, this.rules);
    if (!rules) return;
    this.append(state, atMs, rules);
    this.rules = state.plan.branch.callVerifiedOnly;
  }

  private append(state: DayState, at: number, event: ChainEvent): ChainEntry {
    const entry = chainEntry(this.head(state.branchId, state.date), at, event);
    this.sql.exec("INSERT INTO fairness_chain (position, kind, entry) VALUES (?, ?, ?)", entry.position, entry.kind, JSON.stringify(entry));
    this.last = { position: entry.position, hash: entry.hash };
    return entry;
  }
}
