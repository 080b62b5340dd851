/** Small pieces every section of the manager page uses: a save status line and list fetching. */
import { useState } from "preact/hooks";
import { ApiError, apiFetch, problemMessage } from "../../lib/api";
import { t } from "./messages";
import type { Page } from "./types";

export type Status = { kind: "ok" | "error"; text: string } | null;

/** One status line per form: the refusal in the user's language, or "saved". */
export function StatusLine({ status, testId }: { status: Status; testId?: string }) {
  if (!status) return null;
  return (
    <p class={`notice ${status.kind === "ok" ? "notice-ok" : "notice-error"}`} role={status.kind === "ok" ? "status" : "alert"} data-testid={testId}>
      {status.text}
    </p>
  );
}

export function errorText(err: unknown): string {
  return err instanceof ApiError ? problemMessage(err.problem) : String(err);
}

/** Runs a save: busy flag, status line, and the caller's follow-up with the answer. */
export function useSave() {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status>(null);
  async function run<T>(work: () => Promise<T>, done?: (answer: T) => void, okText = t("saved")): Promise<void> {
    if (busy) return;
    setBusy(true);
    setStatus(null);
    try {
      const answer = await work();
      done?.(answer);
      setStatus({ kind: "ok", text: okText });
    } catch (err) {
      setStatus({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
    }
  }
  return { busy, status, setStatus, run };
}

/** Every page of a cursor-paginated list (`{items, nextCursor}`), up to `maxPages`. */
export async function fetchAll<T>(path: string, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page: Page<T> = await apiFetch<Page<T>>("GET", `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}
