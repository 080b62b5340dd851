/**
 * The fairness verifier from the outside, against the running service: the /verify/ page in a
 * real browser checks a walk-in ticket's receipt (and tells an altered one apart), and the
 * command-line verifier (scripts/verify-fairness.ts) verifies the same day and fails on a head
 * it was not given. ID numbers 70000–79999 (fairness range); field KINHDOANH at hn-cn01.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, apiCall, baseUrl, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { demoIdNumber } from "./support/citizen";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");

interface Ticket {
  id: string;
  label: string;
  serviceDate: string;
  receipt: { position: number; entryHash: string };
}

describe("verifying fairness", () => {
  let browser: Browser;
  let ticket: Ticket;

  beforeAll(async () => {
    browser = await launchBrowser();
    const res = await apiCall<{ ticket: Ticket }>(
      "POST",
      "/api/v1/staff/branches/hn-cn01/tickets",
      { idNumber: demoIdNumber(70_001 + (Date.now() % 5_000)), identityCheck: "typed", fieldCode: "KINHDOANH", channel: "reception" },
      await adminToken(),
    );
    if (res.status !== 201) throw new Error(`walk-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    ticket = res.body.ticket;
  });
  afterAll(async () => {
    await browser?.close();
  });

  function pageUrl(hash: string): string {
    const q = new URLSearchParams({ branch: "hn-cn01", date: ticket.serviceDate, position: String(ticket.receipt.position), hash, label: ticket.label });
    return `/verify/?${q}`;
  }

  it("the page checks the chain and a receipt in the browser", async () => {
    for (const size of ["phone", "tablet"] as const) {
      const context = await newContext(browser, size);
      const page = await context.newPage();
      await page.goto(pageUrl(ticket.receipt.entryHash));
      await page.getByTestId("verify").click();
      const result = page.getByTestId("result");
      await result.waitFor();
      expect(await result.getAttribute("data-ok")).toBe("true");
      await page.getByTestId("receipt-ok").waitFor();
      expect(await page.getByTestId("receipt-ok").textContent()).toContain(ticket.label);
      await expectAccessible(page, `verify page (${size})`);
      await screenshot(page, `verify-valid-${size}`);
      await context.close();
    }
  });

  it("the page tells an altered receipt apart, in English too", async () => {
    const context = await newContext(browser, "phone");
    const page = await context.newPage();
    const flipped = (ticket.receipt.entryHash[0] === "0" ? "1" : "0") + ticket.receipt.entryHash.slice(1);
    await page.goto(pageUrl(flipped));
    await page.getByTestId("lang-switch").click();
    await page.getByTestId("verify").click();
    await page.getByTestId("receipt-bad").waitFor();
    expect(await page.getByTestId("result").getAttribute("data-ok")).toBe("false");
    expect(await page.getByTestId("receipt-bad").textContent()).toContain("does not match");
    await screenshot(page, "verify-altered-phone");
    await context.close();
  });

  it("the command-line verifier agrees, and fails against a head it was not given", async () => {
    const script = ["node_modules/.bin/tsx", "scripts/verify-fairness.ts", "--base", baseUrl(), "--branch", "hn-cn01", "--date", ticket.serviceDate];
    const ok = await run(script[0]!, [...script.slice(1), "--position", String(ticket.receipt.position), "--hash", ticket.receipt.entryHash, "--label", ticket.label], { cwd: ROOT });
    expect(ok.stdout).toContain("HỢP LỆ");
    expect(ok.stdout).toContain("VALID");
    const bad = await run(script[0]!, [...script.slice(1), "--head", `1:${"0".repeat(64)}`, "--lang", "en"], { cwd: ROOT }).then(
      () => ({ code: 0, stdout: "" }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("published head");
  });
});
