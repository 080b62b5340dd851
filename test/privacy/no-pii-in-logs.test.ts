/**
 * Proof: during a whole service day (test/privacy/day-flow.ts), failures included (malformed and
 * unknown-province ID numbers, an impostor at check-in, a wrong one-time code, a throttled
 * citizen, a bad token, a withdrawn consent, a deletion), nothing the Worker or its objects log
 * carries an ID number, a phone number, a name, an address or a date of birth.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeService, openService } from "../support/http";
import { hanoi } from "../support/plans";
import { DAY, runDayOfService, type DayOfService } from "./day-flow";

const METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;
const lines: Array<{ method: string; text: string }> = [];

/** A log argument as text, the way a log pipeline would keep it (errors with message and stack). */
function render(arg: unknown): string {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}\n${arg.stack ?? ""}${arg.cause ? `\ncause: ${render(arg.cause)}` : ""}`;
  if (typeof arg === "string") return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}

let day: DayOfService;

beforeAll(async () => {
  for (const m of METHODS) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push({ method: m, text: args.map(render).join(" ") });
    });
  }
  await openService(hanoi(DAY, "08:00"));
  try {
    day = await runDayOfService();
  } finally {
    vi.restoreAllMocks();
  }
}, 120_000);
afterAll(closeService);

describe("no personal data in logs", () => {
  it("the capture works: the day's own log lines were seen", () => {
    expect(lines.some((l) => l.method === "info" && l.text.startsWith("retention run"))).toBe(true);
    expect(lines.some((l) => l.method === "error" && l.text.startsWith("turnstile siteverify unreachable"))).toBe(true);
  });

  it("no captured line carries an ID number, phone number, name, address or date of birth", () => {
    const found: string[] = [];
    for (const { method, text } of lines) {
      const lower = text.toLowerCase();
      const digitRuns = text.match(/\d[\d\s.-]{7,}\d/g)?.map((r) => r.replace(/\D/g, "")) ?? [];
      for (const value of day.personal) {
        const d = value.replace(/\D/g, "");
        if (lower.includes(value.toLowerCase()) || (d.length >= 9 && digitRuns.some((run) => run.includes(d)))) {
          found.push(`console.${method}: …${value.slice(0, 3)}… in "${text.slice(0, 80)}"`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("and no 12-digit number at all (an ID number not known to this test would look like one)", () => {
    const twelve = lines.filter((l) => /(?<!\d)\d{12}(?!\d)/.test(l.text));
    expect(twelve.map((l) => l.text.slice(0, 120))).toEqual([]);
  });
});
