/**
 * The hall display on a TV: shows and announces each call without reload, keeps going through a
 * network blip, and tells staff when its token was revoked.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clipName } from "../web/src/pages/display/clip-names";
import { announcementClips } from "../web/src/pages/display/voice";
import { adminToken, apiCall, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";

const BRANCH = "hn-cn01";
const COUNTER = 8;
const idNumber = (n: number) => `0010900${String(40000 + n).padStart(5, "0")}`;

describe("the hall display", () => {
  let browser: Browser;
  let token: string;
  let display: { id: string; token: string };

  beforeAll(async () => {
    browser = await launchBrowser();
    token = await adminToken();
    const issued = await apiCall<{ id: string; token: string }>("POST", `/api/v1/staff/branches/${BRANCH}/display-tokens`, { label: "Sảnh tầng 1 (e2e)" }, token);
    expect(issued.status).toBe(201);
    display = issued.body;
    const opened = await apiCall("POST", `/api/v1/staff/branches/${BRANCH}/counters/${COUNTER}/open`, { fieldCodes: ["DATDAI"] }, token);
    expect(opened.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function walkIn(n: number): Promise<string> {
    const res = await apiCall<{ ticket: { label: string } }>(
      "POST",
      `/api/v1/staff/branches/${BRANCH}/tickets`,
      { idNumber: idNumber(n), identityCheck: "typed", fieldCode: "DATDAI", channel: "reception" },
      token,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.ticket.label;
  }

  async function callNext(): Promise<string> {
    // Finish whoever is at the counter, then call the next one in order.
    await apiCall("POST", `/api/v1/staff/branches/${BRANCH}/counters/${COUNTER}/complete`, {}, token);
    const res = await apiCall<{ ticket?: { label: string }; counter?: { current: { label: string } | null } }>(
      "POST",
      `/api/v1/staff/branches/${BRANCH}/counters/${COUNTER}/call-next`,
      {},
      token,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.ticket?.label ?? res.body.counter?.current?.label ?? "";
  }

  async function openDisplay(page: Page): Promise<string[]> {
    const clips: string[] = [];
    page.on("request", (req) => {
      const m = /\/audio\/vi\/([^/]+)\.ogg$/.exec(new URL(req.url()).pathname);
      if (m) clips.push(m[1]!);
    });
    await page.goto(`/display/?branch=${BRANCH}#token=${encodeURIComponent(display.token)}`);
    await page.getByTestId("display-status").filter({ hasText: "Trực tuyến" }).waitFor();
    return clips;
  }

  it("shows a call at once, as a caption and by voice, without reloading", async () => {
    const context = await newContext(browser, "tv");
    const page = await context.newPage();
    const clips = await openDisplay(page);
    // The token left the address bar (it stays on the device only).
    expect(page.url()).not.toContain("token=");

    await walkIn(1);
    const label = await callNext();
    expect(label).not.toBe("");
    await page.locator(`[data-testid="display-call"][data-label="${label}"][data-counter="${COUNTER}"]`).first().waitFor();
    await expect.poll(() => page.getByTestId(`display-counter-${COUNTER}`).textContent()).toContain(label);
    await expect.poll(() => page.getByTestId("announcement").textContent()).toBe(`Mời công dân có số thứ tự ${label} đến quầy số ${COUNTER}`);
    // Headless Chromium has no Vietnamese speech voice: the recorded clips are played, in order.
    const expected = announcementClips(label, COUNTER);
    await expect.poll(() => expected.every((c) => clips.includes(c)), { timeout: 20_000 }).toBe(true);
    await screenshot(page, "display-call-tv");
    await expectAccessible(page, "display");
    await context.close();
  });

  it("ships a recorded clip for every word an announcement can contain", async () => {
    const manifest = await apiCall<Record<string, string>>("GET", "/audio/vi/manifest.json");
    expect(manifest.status).toBe(200);
    for (const [text, file] of Object.entries(manifest.body)) {
      expect(file).toBe(`${clipName(text)}.ogg`);
      const res = await fetch(new URL(`/audio/vi/${file}`, (await import("./support/browser")).baseUrl()));
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/ogg|octet-stream/);
    }
  });

  it("catches up after a network blip and shows calls made while it was offline", async () => {
    const context = await newContext(browser, "tv");
    const page = await context.newPage();
    await openDisplay(page);
    await context.setOffline(true);
    await walkIn(2);
    const label = await callNext();
    await context.setOffline(false);
    await page.locator(`[data-testid="display-call"][data-label="${label}"]`).first().waitFor({ timeout: 60_000 });
    await context.close();
  });

  it("looks right on a tablet and a phone too", async () => {
    for (const size of ["tablet", "phone"] as const) {
      const context = await newContext(browser, size);
      const page = await context.newPage();
      await openDisplay(page);
      await screenshot(page, `display-${size}`);
      await context.close();
    }
  });

  it("tells staff plainly when its token was revoked", async () => {
    const context = await newContext(browser, "tv");
    const page = await context.newPage();
    await openDisplay(page);
    const revoked = await apiCall("DELETE", `/api/v1/staff/branches/${BRANCH}/display-tokens/${display.id}`, undefined, token);
    expect(revoked.status).toBe(200);
    await page.getByTestId("display-revoked").waitFor({ timeout: 60_000 });
    await screenshot(page, "display-revoked-tv");
    await context.close();
  });

  it("explains how to set it up when opened without a token", async () => {
    const context = await newContext(browser, "tv");
    const page = await context.newPage();
    await page.goto(`/display/`);
    await page.getByTestId("display-setup").waitFor();
    await expectAccessible(page, "display set-up");
    await context.close();
  });
});
