/**
 * The manager page in a real browser against the local service: a branch manager signs in with
 * the keyboard, lowers a field's daily cap, and the citizen page shows the new capacity at once
 * (and no number beyond it); display tokens are shown once as the display's address; the reports
 * render their charts; screenshots at tablet and TV sizes, 200% text, axe checks on every section.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, apiCall, createStaffAccount, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { bookThroughPage, demoIdNumber, demoPhone, signInCitizen } from "./support/citizen";

const BRANCH = "hn-cn01";
// A field the other end-to-end files leave alone: its figures here are this file's own.
const FIELD = "NONGNGHIEP";

interface DayInfo {
  date: string;
  bookable: boolean;
  fields: Array<{ code: string; dailyCap: number; remaining: number }>;
}
async function todayOf(branchId: string): Promise<DayInfo> {
  const res = await apiCall<{ today: string; days: DayInfo[] }>("GET", `/api/v1/branches/${branchId}/days`);
  return res.body.days.find((d) => d.date === res.body.today)!;
}

async function signInWithKeyboard(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/manager/");
  await page.getByTestId("staff-sign-in").waitFor();
  await page.getByTestId("staff-username").focus();
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await page.getByTestId("branch-name").waitFor();
}

/** Opens a section by keyboard: focus its link in the navigation, press Enter. */
async function openSection(page: Page, tab: string): Promise<void> {
  await page.getByTestId(`tab-${tab}`).focus();
  await page.keyboard.press("Enter");
  await expect.poll(() => page.getByTestId(`tab-${tab}`).getAttribute("aria-current")).toBe("page");
}

describe("the manager page", () => {
  let browser: Browser;
  let manager: { username: string; password: string };
  const contexts: BrowserContext[] = [];
  const open = async (size: "phone" | "tablet" | "tv") => {
    const c = await newContext(browser, size);
    contexts.push(c);
    return c.newPage();
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    manager = await createStaffAccount("manager", [BRANCH]);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
  });

  it("a manager lowers a field's cap on the page and the citizen page reflects it", async () => {
    const citizen = await open("phone");
    await signInCitizen(citizen, demoIdNumber(7101), demoPhone(7101));
    await citizen.getByTestId(`branch-${BRANCH}`).click();
    await citizen.getByTestId(`field-${FIELD}`).click();
    const before = await todayOf(BRANCH);
    expect(before.bookable).toBe(true);
    const field = before.fields.find((f) => f.code === FIELD)!;
    const todayButton = citizen.getByTestId(`day-${before.date}`);
    await expect.poll(() => todayButton.textContent()).toContain(`/${field.dailyCap}`);

    const page = await open("tablet");
    await signInWithKeyboard(page, manager.username, manager.password);
    await screenshot(page, "manager-today-tablet");
    await expectAccessible(page, "manager today");

    await openSection(page, "fields");
    const newCap = field.dailyCap - field.remaining + 1; // room for exactly one more number
    const cap = page.getByTestId(`cap-${FIELD}`);
    await cap.fill(String(newCap));
    await page.getByTestId(`save-${FIELD}`).click();
    await expect.poll(() => page.getByTestId(`status-${FIELD}`).textContent()).toContain("Đã lưu");
    await screenshot(page, "manager-fields-tablet");
    await expectAccessible(page, "manager fields");

    // The citizen page, reloaded, shows the new capacity: one number left of the new cap.
    await citizen.reload();
    await citizen.getByTestId("booking").waitFor();
    await citizen.getByTestId(`branch-${BRANCH}`).click();
    await citizen.getByTestId(`field-${FIELD}`).click();
    await expect.poll(() => citizen.getByTestId(`day-${before.date}`).textContent()).toContain(`1/${newCap}`);
    const label = await bookThroughPage(citizen, { branchId: BRANCH, fieldCode: FIELD, date: before.date });
    expect(label).toMatch(/^E\d{3}$/);

    // Another citizen finds the field full for today: the day cannot be chosen any more.
    const second = await open("phone");
    await signInCitizen(second, demoIdNumber(7102), demoPhone(7102));
    await second.getByTestId(`branch-${BRANCH}`).click();
    await second.getByTestId(`field-${FIELD}`).click();
    await expect.poll(() => second.getByTestId(`day-${before.date}`).getAttribute("data-bookable")).toBe("false");
    expect(await second.getByTestId(`day-${before.date}`).textContent()).toContain("Hết số");
    await screenshot(second, "manager-cap-citizen-sold-out-phone");
    const after = await todayOf(BRANCH);
    expect(after.fields.find((f) => f.code === FIELD)).toMatchObject({ dailyCap: newCap, remaining: 0 });
  });

  it("every section is accessible at tablet and TV sizes, and with 200% text", async () => {
    const page = await open("tv");
    await signInWithKeyboard(page, manager.username, manager.password);
    for (const tab of ["today", "fields", "counters", "hours", "calendar", "staff", "displays", "reports"]) {
      await openSection(page, tab);
      await page.locator(".section section").first().waitFor();
      await screenshot(page, `manager-${tab}-tv`);
      await expectAccessible(page, `manager ${tab} (TV)`);
    }
    const tablet = await open("tablet");
    await signInWithKeyboard(tablet, manager.username, manager.password);
    await tablet.addStyleTag({ content: "html { font-size: 200% !important; }" });
    for (const tab of ["fields", "hours", "counters"]) {
      await openSection(tablet, tab);
      await tablet.locator(".section section").first().waitFor();
      // Large text reflows instead of pushing the page sideways.
      const overflow = await tablet.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, tab).toBeLessThanOrEqual(1);
    }
    await screenshot(tablet, "manager-counters-200pct-tablet");
    await expectAccessible(tablet, "manager at 200% text");
  });

  it("a display token is shown once, as the display's address, and can be revoked", async () => {
    const page = await open("tablet");
    await signInWithKeyboard(page, manager.username, manager.password);
    await openSection(page, "displays");
    await page.getByTestId("display-label").fill("Sảnh tầng 1");
    await page.getByTestId("issue-display-token").click();
    const url = (await page.getByTestId("display-url").textContent())!;
    expect(url).toMatch(new RegExp(`/display/\\?branch=${BRANCH}#token=[A-Za-z0-9_-]{20,}$`));
    await screenshot(page, "manager-display-token-tablet");
    await page.getByRole("button", { name: /Thu hồi Sảnh tầng 1/ }).first().click();
    await expect.poll(() => page.getByText("Đã thu hồi").count()).toBeGreaterThan(0);
  });

  it("the reports render charts from the day's history, with a CSV download", async () => {
    // A walk-in number of its own (this test does not lean on the others); it reaches the D1
    // history a few seconds later, from the branch-day's outbox.
    const admin = await adminToken();
    const walkIn = await apiCall("POST", `/api/v1/staff/branches/${BRANCH}/tickets`, { idNumber: demoIdNumber(7103), identityCheck: "typed", fieldCode: "XAYDUNG" }, admin);
    expect(walkIn.status).toBe(201);
    const today = (await todayOf(BRANCH)).date;
    const page = await open("tablet");
    await signInWithKeyboard(page, manager.username, manager.password);
    await openSection(page, "reports");
    await expect
      .poll(
        async () => {
          // Until the walk-in has reached the history (other files' numbers may already be there).
          await page.getByTestId("show-report").click();
          if ((await page.getByTestId("chart-fields").count()) !== 1) return false;
          return (await page.getByTestId("report-table").textContent())?.includes("Xây dựng") ?? false;
        },
        { timeout: 45_000, interval: 1_500 },
      )
      .toBe(true);
    expect(await page.getByTestId("report-to").inputValue()).toBe(today);
    expect(await page.locator('[data-testid="chart-fields"] rect.bar').count()).toBeGreaterThan(0);
    await page.getByTestId("chart-hours").waitFor();
    expect(await page.getByTestId("report-table").textContent()).toContain("Xây dựng");
    const href = (await page.getByTestId("report-csv").getAttribute("href"))!;
    const csv = await page.evaluate(async (h) => {
      const res = await fetch(h);
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    }, href);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain("text/csv");
    expect(csv.text).toContain("XAYDUNG");
    await screenshot(page, "manager-reports-tablet");
    await expectAccessible(page, "manager reports");
    const tv = await open("tv");
    await signInWithKeyboard(tv, manager.username, manager.password);
    await openSection(tv, "reports");
    await tv.getByTestId("chart-fields").waitFor();
    await screenshot(tv, "manager-reports-tv");
  });
});
