/**
 * The counter tablet in a real browser: a clerk signs in, opens a counter, calls the citizen who
 * booked on the citizen page (their page and the hall display show the call without reload),
 * completes, and the citizen rates on the counter-facing screen; the tablet survives a network
 * blip without replaying anything; touch and keyboard both work; accessible at tablet and phone sizes.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, apiCall, baseUrl, createStaffAccount, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { bookThroughPage, demoIdNumber, demoPhone, signInCitizen } from "./support/citizen";

const BRANCH = "hn-cn01";
/** Counter 11 serves XAYDUNG, NONGNGHIEP and YTE; opened for XAYDUNG only here. */
const COUNTER = 11;
const FIELD = "XAYDUNG";

async function signInClerk(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.goto("/counter/");
  await page.getByTestId("staff-sign-in").waitFor();
  await page.getByTestId("staff-username").fill(who.username);
  await page.getByTestId("staff-password").fill(who.password);
  await page.getByTestId("staff-sign-in-submit").click();
  await page.getByTestId("setup").waitFor();
}

async function openCounter(page: Page, counter: number, fields: string[]): Promise<void> {
  await page.getByTestId("setup-branch").selectOption(BRANCH);
  await page.getByTestId(`setup-counter-${counter}`).check();
  for (const box of await page.locator('[data-testid^="setup-field-"]').all()) {
    const code = (await box.getAttribute("data-testid"))!.replace("setup-field-", "");
    if (fields.includes(code)) await box.check();
    else await box.uncheck();
  }
  await page.getByTestId("open-counter").click();
  await page.getByTestId("desk").waitFor();
  await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: 20_000 });
}

/**
 * All end-to-end files share one server: numbers other files left waiting in FIELD would be
 * called before this file's citizen. The clerk (who opened the counter) sends them away first.
 */
async function drainQueue(who: { username: string; password: string }): Promise<void> {
  const login = await apiCall<{ token: string }>("POST", "/api/v1/staff/auth/login", { username: who.username, password: who.password });
  expect(login.status).toBe(200);
  const path = `/api/v1/staff/branches/${BRANCH}/counters/${COUNTER}`;
  for (let i = 0; i < 200; i++) {
    await apiCall("POST", `${path}/complete`, {}, login.body.token);
    const called = await apiCall<{ code?: string }>("POST", `${path}/call-next`, {}, login.body.token);
    if (called.status === 409 && called.body.code === "queue_empty") return;
    expect(called.status, JSON.stringify(called.body)).toBe(200);
    expect((await apiCall("POST", `${path}/no-show`, {}, login.body.token)).status).toBe(200);
  }
  throw new Error("the queue did not drain");
}

describe("the counter tablet", () => {
  let browser: Browser;
  let clerk: { username: string; password: string };
  let citizenContext: BrowserContext;
  let citizenPage: Page;
  let tablet: BrowserContext;
  let desk: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    clerk = await createStaffAccount("clerk", [BRANCH]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("sign-in and counter set-up are accessible and work with the keyboard alone", async () => {
    tablet = await newContext(browser, "tablet", { hasTouch: true });
    desk = await tablet.newPage();
    await desk.goto("/counter/");
    await desk.getByTestId("staff-sign-in").waitFor();
    await expectAccessible(desk, "counter sign-in");
    await screenshot(desk, "counter-sign-in-tablet");
    // Keyboard only: focus the username, type, Tab to the password, Enter submits.
    await desk.getByTestId("staff-username").focus();
    await desk.keyboard.type(clerk.username);
    await desk.keyboard.press("Tab");
    await desk.keyboard.type(clerk.password);
    await desk.keyboard.press("Enter");
    await desk.getByTestId("setup").waitFor();
    await expectAccessible(desk, "counter set-up");
    await screenshot(desk, "counter-setup-tablet");
    await openCounter(desk, COUNTER, [FIELD]);
    expect(await desk.getByTestId("counter-status").textContent()).toContain("Đang mở");
    await expectAccessible(desk, "counter desk (idle)");
  });

  it("calls the citizen's number: their page and the hall display show the call at once; complete → the citizen rates on the counter screen", async () => {
    // The hall display, if the lead's page is there: it must show the call too.
    const token = await adminToken();
    const display = await apiCall<{ token: string }>("POST", `/api/v1/staff/branches/${BRANCH}/display-tokens`, { label: "Sảnh (e2e quầy)" }, token);
    expect(display.status).toBe(201);
    const tv = await newContext(browser, "tv");
    const hall = await tv.newPage();
    await hall.goto(`/display/?branch=${BRANCH}#token=${encodeURIComponent(display.body.token)}`);

    citizenContext = await newContext(browser, "phone");
    citizenPage = await citizenContext.newPage();
    await citizenPage.goto("/");
    await signInCitizen(citizenPage, demoIdNumber(61_001), demoPhone(61_001));
    await drainQueue(clerk);
    const label = await bookThroughPage(citizenPage, { branchId: BRANCH, fieldCode: FIELD });

    await desk.getByTestId("btn-call-next").tap();
    await expect.poll(() => desk.getByTestId("current-label").textContent()).toBe(label);
    expect(await desk.getByTestId("current-verified").textContent()).toContain("Chưa xác minh");
    expect(await desk.getByTestId("current-masked").textContent()).toMatch(/^001\*+\d{3}$/);
    await screenshot(desk, "counter-desk-called-tablet");
    await expectAccessible(desk, "counter desk (called)");

    // The citizen's page, no reload: the call with the counter number.
    await citizenPage.getByTestId("called-banner").waitFor({ timeout: 15_000 });
    expect(await citizenPage.getByTestId("ticket-counter").textContent()).toBe(String(COUNTER));
    await hall.locator(`[data-testid="display-call"][data-label="${label}"][data-counter="${COUNTER}"]`).first().waitFor({ timeout: 15_000 });
    await tv.close();

    await desk.getByTestId("btn-start").tap();
    await expect.poll(() => desk.getByTestId("current").textContent()).toContain("Đang phục vụ");
    await desk.getByTestId("btn-complete").tap();
    await desk.getByTestId("rating-mode").waitFor();
    await expectAccessible(desk, "counter rating mode");
    await screenshot(desk, "counter-rating-tablet");
    await desk.getByTestId("rate-4").tap();
    await desk.getByTestId("reason-clear_guidance").tap();
    await screenshot(desk, "counter-rating-chosen-tablet");
    await desk.getByTestId("rate-send").tap();
    await desk.getByTestId("rating-thanks").waitFor();

    // Stored: the citizen's own view of their ticket's rating says so.
    const mine = await citizenContext.request.get(`${baseUrl()}/api/v1/tickets`);
    const ticket = ((await mine.json()) as { tickets: Array<{ id: string; label: string }> }).tickets.find((t) => t.label === label)!;
    const rating = await citizenContext.request.get(`${baseUrl()}/api/v1/tickets/${encodeURIComponent(ticket.id)}/rating`);
    expect(await rating.json()).toMatchObject({ rating: { score: 4, reason: "clear_guidance", source: "counter", label }, canRate: false });

    // Back to the desk by itself after the thanks.
    await desk.getByTestId("desk").waitFor({ timeout: 10_000 });
    await expect.poll(() => desk.getByTestId("current-none").isVisible()).toBe(true);
  });

  it("survives a network blip: buttons lock while offline, the state is re-read after, nothing is replayed", async () => {
    // A walk-in waits, so "call next" has something to do after the blip.
    const token = await adminToken();
    const walkIn = await apiCall<{ ticket: { label: string } }>(
      "POST",
      `/api/v1/staff/branches/${BRANCH}/tickets`,
      { idNumber: demoIdNumber(61_002), identityCheck: "typed", fieldCode: FIELD, channel: "reception" },
      token,
    );
    expect(walkIn.status).toBe(201);
    await expect.poll(() => desk.getByTestId(`waiting-${FIELD}`).textContent()).toContain("1");

    await tablet.setOffline(true);
    await desk.locator('[data-testid="connection"][data-status="offline"]').waitFor();
    expect(await desk.getByTestId("btn-call-next").isDisabled()).toBe(true);
    await screenshot(desk, "counter-offline-tablet");
    // A press while offline does nothing (the button is disabled) and is not queued.
    await desk.getByTestId("btn-call-next").click({ force: true }).catch(() => undefined);

    await tablet.setOffline(false);
    await desk.locator('[data-testid="connection"][data-status="live"], [data-testid="connection"][data-status="polling"]').first().waitFor({ timeout: 30_000 });
    await desk.getByTestId("notice").filter({ hasText: "Đã có mạng trở lại" }).waitFor({ timeout: 15_000 });
    // Nothing was called behind the clerk's back.
    expect(await desk.getByTestId("current-none").isVisible()).toBe(true);
    await expect.poll(() => desk.getByTestId("btn-call-next").isEnabled()).toBe(true);
    await desk.getByTestId("btn-call-next").tap();
    await expect.poll(() => desk.getByTestId("current-label").textContent()).toBe(walkIn.body.ticket.label);

    // The keyboard works on the desk too: Enter on a focused button.
    await expect.poll(() => desk.getByTestId("btn-no-show").isEnabled()).toBe(true);
    await desk.getByTestId("btn-no-show").focus();
    await desk.keyboard.press("Enter");
    await expect.poll(() => desk.getByTestId("current-none").isVisible()).toBe(true);
  });

  it("calls a specific number, transfers it to another field, and the rating can be skipped", async () => {
    const token = await adminToken();
    const labels: string[] = [];
    for (const n of [61_003, 61_004]) {
      const res = await apiCall<{ ticket: { label: string } }>(
        "POST",
        `/api/v1/staff/branches/${BRANCH}/tickets`,
        { idNumber: demoIdNumber(n), identityCheck: "typed", fieldCode: FIELD, channel: "reception" },
        token,
      );
      expect(res.status).toBe(201);
      labels.push(res.body.ticket.label);
    }
    // The second one, out of turn.
    await desk.getByTestId("call-label").fill(labels[1]!.toLowerCase());
    await desk.getByTestId("btn-call").tap();
    await expect.poll(() => desk.getByTestId("current-label").textContent()).toBe(labels[1]);
    await desk.getByTestId("transfer-field").selectOption("NONGNGHIEP");
    await desk.getByTestId("btn-transfer").tap();
    await expect.poll(() => desk.getByTestId("current-none").isVisible()).toBe(true);
    await desk.getByTestId("notice").filter({ hasText: labels[1]! }).waitFor();
    // Then the first in line; complete; the citizen does not want to rate.
    await desk.getByTestId("btn-call-next").tap();
    await expect.poll(() => desk.getByTestId("current-label").textContent()).toBe(labels[0]);
    await desk.getByTestId("btn-complete").tap();
    await desk.getByTestId("rate-skip").tap();
    await desk.getByTestId("desk").waitFor();
  });

  it("on a phone-sized screen and with large text the buttons stay usable", async () => {
    const phone = await newContext(browser, "phone", { hasTouch: true });
    const page = await phone.newPage();
    // The same clerk on another device: the counter is theirs, re-opening keeps it.
    await signInClerk(page, clerk);
    await openCounter(page, COUNTER, [FIELD]);
    await expectAccessible(page, "counter desk on a phone");
    await screenshot(page, "counter-desk-phone");
    // English on request, Vietnamese again after.
    await page.getByTestId("lang-switch").click();
    expect(await page.getByTestId("btn-call-next").textContent()).toBe("Call next");
    await screenshot(page, "counter-desk-phone-en");
    await page.getByTestId("lang-switch").click();
    expect(await page.getByTestId("btn-call-next").textContent()).toBe("Gọi số tiếp theo");
    // 200% text: nothing overflows sideways, the main button is still on screen and usable.
    await page.addStyleTag({ content: "html { font-size: 200% !important; }" });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(2);
    await page.getByTestId("btn-call-next").scrollIntoViewIfNeeded();
    expect(await page.getByTestId("btn-call-next").isVisible()).toBe(true);
    await screenshot(page, "counter-desk-phone-large-text");
    await phone.close();

    // A second clerk cannot take this counter over.
    const other = await createStaffAccount("clerk", [BRANCH]);
    const ctx = await newContext(browser, "tablet");
    const page2 = await ctx.newPage();
    await signInClerk(page2, other);
    await page2.getByTestId("setup-branch").selectOption(BRANCH);
    await page2.getByTestId(`setup-counter-${COUNTER}`).check();
    await page2.getByTestId("open-counter").click();
    await page2.getByTestId("setup-error").filter({ hasText: "cán bộ khác mở" }).waitFor();
    await ctx.close();
  });

  it("pauses, resumes, closes the counter and signs out", async () => {
    await desk.getByTestId("btn-pause").tap();
    await desk.locator('[data-testid="desk"][data-counter-status="paused"]').waitFor();
    expect(await desk.getByTestId("btn-call-next").isDisabled()).toBe(true);
    await desk.getByTestId("btn-resume").tap();
    await desk.locator('[data-testid="desk"][data-counter-status="open"]').waitFor();
    await desk.getByTestId("btn-close").tap();
    await desk.locator('[data-testid="desk"][data-counter-status="closed"]').waitFor();
    await desk.getByTestId("sign-out").click();
    await desk.getByTestId("staff-sign-in").waitFor();
    await citizenContext?.close();
    await tablet.close();
  });
});
