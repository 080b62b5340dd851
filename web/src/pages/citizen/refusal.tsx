/**
 * Refusals in words a citizen understands: the problem's title (shared/problems.ts, in the
 * current language) followed by the facts it carries, formatted: the next working day, the
 * booking hours, when booking opens, how long to wait.
 */
import { ApiError, problemMessage, type Problem } from "../../lib/api";
import { formatDate, formatDateLong, formatTime, todayInVietnam } from "../../lib/format";
import { t } from "./messages";

export function refusalLines(problem: Problem): string[] {
  const lines = [problemMessage(problem)];
  const window = problem.window as { from?: string; until?: string } | undefined;
  if (window?.from && window.until) lines.push(t("bookingHours", { from: window.from, until: window.until }));
  if (typeof problem.bookingOpensAt === "number") {
    lines.push(t("opensAt", { time: formatTime(problem.bookingOpensAt), date: formatDate(todayInVietnam(problem.bookingOpensAt)) }));
  }
  if (typeof problem.nextWorkingDay === "string") lines.push(t("nextWorkingDay", { date: formatDateLong(problem.nextWorkingDay) }));
  if (typeof problem.lastBookableDay === "string") lines.push(t("lastBookableDay", { date: formatDate(problem.lastBookableDay) }));
  if (typeof problem.retryAfterSeconds === "number") lines.push(t("retryAfter", { n: problem.retryAfterSeconds }));
  if (typeof problem.attemptsLeft === "number") lines.push(t("attemptsLeft", { n: problem.attemptsLeft }));
  return lines;
}

export function problemOf(err: unknown): Problem {
  if (err instanceof ApiError) return err.problem;
  return { status: 0, code: "internal" };
}

/** The page's one message area for refusals (test hook "refusal"), announced to screen readers. */
export function Refusal({ problem, children }: { problem: Problem | null; children?: preact.ComponentChildren }) {
  if (!problem) return <div role="alert" class="refusal-empty" />;
  const [first, ...rest] = refusalLines(problem);
  return (
    <div data-testid="refusal" data-code={problem.code} role="alert" class="refusal">
      <p class="refusal-title">{first}</p>
      {rest.map((l) => (
        <p>{l}</p>
      ))}
      {children}
    </div>
  );
}
