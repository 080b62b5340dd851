import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, newContext } from "./support/browser";

describe("the end-to-end harness", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("serves the citizen page from the local service to a real browser", async () => {
    const context = await newContext(browser, "phone");
    const page = await context.newPage();
    const res = await page.goto("/");
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute("html", "lang")).toBe("vi");
    await context.close();
  });
});
