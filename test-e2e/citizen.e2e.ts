/**
 * The citizen page in a real browser against the local service: sign in (ID number + phone +
 * one-time code), book, the ticket with its QR, live updates when a clerk calls it, rating after
 * service, my tickets and cancel, every refusal in Vietnamese, English, keyboard only, 200% text,
 * screenshots at phone/tablet/TV sizes and axe checks.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../shared/problems";
import { RATING_REASON_LIST } from "../shared/ratings";
import { adminToken, apiCall, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { bookThroughPage, demoIdNumber, demoPhone, signInCitizen } from "./support/citizen";

const BRANCH = "hn-cn01";
/** Elements wider than the viewport (nothing should need sideways scrolling). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .map((el) => `${el.tagName.toLowerCase()}.${(el as HTMLElement).className || ""}[${(el as HTMLElement).dataset.testid ?? ""}]`)
      .slice(0, 5);
  });
}
const refusal = (page: Page) => page.locator('[data-testid="refusal"][data-code]');

// One administrator sign-in for the file: sign-ins are throttled per IP (RL_SIGNIN_IP).
let token: Promise<string> | null = null;
async function staff(path: string, body: unknown = {}): Promise<{ status: number; body: any }> {
  token ??= adminToken();
  const t = await token;
  for (let attempt = 0; ; attempt++) {
    try {
      return await apiCall("POST", `/api/v1/staff/branches/${path}`, body, t);
    } catch (err) {
      // wrangler dev answers "Your worker restarted mid-request" (not JSON) while it reloads
      // after a source change; the next attempt reaches the new worker.
      if (!(err instanceof SyntaxError) || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
}

describe("the citizen page", () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const open = async (size: "phone" | "tablet" | "tv", options = {}) => {
    const c = await newContext(browser, size, options);
    contexts.push(c);
    return c.newPage();
  };

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
  });

  it("signs a citizen in, books a number and shows it with its QR code; a call reaches the page live; rating after service", async () => {
    const page = await open("phone");
    await page.goto("/");
    await page.getByTestId("sign-in").waitFor();
    await screenshot(page, "citizen-sign-in-phone");
    await expectAccessible(page, "sign-in");

    await signInCitizen(page, demoIdNumber(5001), demoPhone(5001));
    await page.getByTestId(`branch-${BRANCH}`).click();
    await page.getByTestId("field-DATDAI").waitFor();
    await screenshot(page, "citizen-booking-phone");
    await expectAccessible(page, "booking");

    const label = await bookThroughPage(page, { branchId: BRANCH, fieldCode: "DATDAI" });
    expect(label).toMatch(/^A\d{3}$/);
    await expect.poll(() => page.getByTestId("ticket-status").getAttribute("data-status")).toBe("waiting");
    expect(await page.getByTestId("ticket-status").textContent()).toContain("Đang chờ");
    const qr = page.locator("svg[data-qr-value]");
    const ticketId = await qr.getAttribute("data-qr-value");
    expect(ticketId).toMatch(new RegExp(`^${BRANCH}:\\d{4}-\\d{2}-\\d{2}:\\d+$`));
    expect(await qr.locator("path").getAttribute("d")).toMatch(/^M\d+ \d+h1v1h-1z/);
    await page.getByTestId("ticket-position").waitFor();
    await page.getByTestId("now-serving").waitFor();
    await screenshot(page, "citizen-ticket-phone");
    await expectAccessible(page, "ticket");

    // Reception's check-in accepts what the QR code holds.
    expect((await staff(`${BRANCH}/check-in`, { ticket: ticketId, idNumber: demoIdNumber(5001), identityCheck: "typed" })).status).toBe(200);

    // A clerk calls it: the page shows the counter without a reload.
    expect((await staff(`${BRANCH}/counters/1/open`, { fieldCodes: ["DATDAI"] })).status).toBe(200);
    const called = await staff(`${BRANCH}/counters/1/call-next`);
    expect(called.status).toBe(200);
    expect(called.body.ticket.label).toBe(label);
    await expect.poll(() => page.getByTestId("ticket-status").getAttribute("data-status"), { timeout: 20_000 }).toBe("called");
    expect(await page.getByTestId("ticket-counter").textContent()).toBe("1");
    expect(await page.getByTestId("called-banner").textContent()).toContain("quầy số 1");
    expect(await page.title()).toContain(label);
    await screenshot(page, "citizen-ticket-called-phone");

    // Served: the rating form, with the shared list of reasons.
    expect((await staff(`${BRANCH}/counters/1/start`)).status).toBe(200);
    expect((await staff(`${BRANCH}/counters/1/complete`)).status).toBe(200);
    await page.getByTestId("rating").waitFor({ timeout: 20_000 });
    await page.getByTestId("rating-3").check({ force: true });
    const shown = await page.getByTestId("rating-reason").locator("option").allTextContents();
    expect(shown.slice(1).sort()).toEqual(RATING_REASON_LIST.map((r) => r.vi).sort());
    await page.getByTestId("rating-5").check({ force: true });
    await page.getByTestId("rating-reason").selectOption("fast");
    await expectAccessible(page, "rating");
    await page.getByTestId("rating-send").click();
    await page.getByTestId("rating-thanks").waitFor();
  });

  it("lists my tickets and cancels one after confirmation", async () => {
    const page = await open("phone");
    await signInCitizen(page, demoIdNumber(5002), demoPhone(5002));
    const first = await bookThroughPage(page, { branchId: BRANCH, fieldCode: "TUPHAP" });
    const second = await bookThroughPage(page, { branchId: BRANCH, fieldCode: "XAYDUNG" });
    await page.getByTestId("back-home").click();
    await expect.poll(() => page.getByTestId("my-ticket").count()).toBe(2);
    expect(await page.getByTestId("my-ticket").evaluateAll((els) => els.map((e) => e.getAttribute("data-label")))).toEqual([first, second]);
    await screenshot(page, "citizen-my-tickets-phone");

    await page.locator(`[data-testid="my-ticket"][data-label="${first}"] button`).click();
    await page.getByTestId("cancel-ticket").click();
    await page.getByTestId("cancel-no").click(); // changing one's mind keeps the number
    await page.getByTestId("cancel-ticket").click();
    await page.getByTestId("cancel-yes").click();
    await expect.poll(() => page.getByTestId("ticket-status").getAttribute("data-status")).toBe("cancelled");
    expect(await page.getByTestId("ticket-status").textContent()).toContain("Đã huỷ");
    await page.getByTestId("back-home").click();
    await expect.poll(() => page.locator(`[data-testid="my-ticket"][data-label="${first}"]`).getAttribute("data-status")).toBe("cancelled");
  });

  it("says in Vietnamese why a number is refused: one per field, two a day", async () => {
    const page = await open("phone");
    await signInCitizen(page, demoIdNumber(5003), demoPhone(5003));
    await bookThroughPage(page, { branchId: BRANCH, fieldCode: "DATDAI" });

    await page.getByTestId("new-booking").click();
    await page.getByTestId(`branch-${BRANCH}`).click();
    await page.getByTestId("field-DATDAI").click();
    await page.locator('[data-testid^="day-"][data-bookable="true"]').first().click();
    await page.getByTestId("confirm-booking").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("citizen_field_limit");
    expect(await refusal(page).textContent()).toContain(PROBLEMS.citizen_field_limit.vi);
    await screenshot(page, "citizen-refusal-field-limit-phone");
    await expectAccessible(page, "refusal");

    await bookThroughPage(page, { branchId: BRANCH, fieldCode: "TUPHAP" });
    await page.getByTestId("new-booking").click();
    await page.getByTestId(`branch-${BRANCH}`).click();
    await page.getByTestId("field-KINHDOANH").click();
    await page.locator('[data-testid^="day-"][data-bookable="true"]').first().click();
    await page.getByTestId("confirm-booking").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("citizen_daily_limit");
    expect(await refusal(page).textContent()).toContain("Mỗi công dân chỉ được lấy tối đa 2 số thứ tự mỗi ngày.");
  });

  it("says in Vietnamese when a field is full, a day is closed or booking hours are over, with the next working day; and in English", async () => {
    const page = await open("phone");
    await signInCitizen(page, demoIdNumber(5004), demoPhone(5004));
    await page.getByTestId("branch-hn-cn02").click();
    await page.getByTestId("field-YTE").click();
    const todayButton = page.locator('[data-testid^="day-"]').first();
    await todayButton.click();
    await page.getByTestId("confirm-booking").waitFor();

    // Reception hands out every remaining YTE number while the citizen is on the page.
    for (let i = 0; ; i++) {
      const res = await staff("hn-cn02/tickets", { idNumber: demoIdNumber(7000 + i), identityCheck: "typed", fieldCode: "YTE", channel: "reception" });
      if (res.status === 409 && res.body.code === "field_cap_reached") break;
      expect(res.status).toBe(201);
      expect(i).toBeLessThan(100);
    }
    await page.getByTestId("confirm-booking").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("field_cap_reached");
    const capText = await refusal(page).textContent();
    expect(capText).toContain(PROBLEMS.field_cap_reached.vi);
    await expect.poll(() => todayButton.getAttribute("data-bookable")).toBe("false");
    expect(await todayButton.textContent()).toContain("Hết số");
    await screenshot(page, "citizen-refusal-cap-phone");

    // A closed day in the list: choosing it explains why and names the next working day.
    const closed = page.locator('[data-testid^="day-"]', { hasText: "Không làm việc" }).first();
    if ((await closed.count()) > 0) {
      await closed.click();
      await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("not_a_working_day");
      expect(await refusal(page).textContent()).toContain(PROBLEMS.not_a_working_day.vi);
      expect(await refusal(page).textContent()).toMatch(/Ngày làm việc tiếp theo: .+, \d{2}\/\d{2}\/\d{4}\./);
      await screenshot(page, "citizen-refusal-closed-day-phone");
    }

    // Booking hours over (the demo clock keeps them open, so the service's answer is replayed
    // with the facts it carries): the page shows the hours and the next working day.
    await page.route("**/api/v1/tickets", (route) =>
      route.fulfill({
        status: 409,
        contentType: "application/problem+json",
        body: JSON.stringify({
          type: "https://sothutu.vn/problems/booking_window_closed",
          title: PROBLEMS.booking_window_closed.vi,
          status: 409,
          code: "booking_window_closed",
          window: { from: "08:00", until: "16:00" },
          nextWorkingDay: "2026-11-23",
        }),
      }),
    );
    await page.getByTestId("field-TUPHAP").click();
    await page.locator('[data-testid^="day-"][data-bookable="true"]').first().click();
    await page.getByTestId("confirm-booking").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("booking_window_closed");
    const closedText = await refusal(page).textContent();
    expect(closedText).toContain("Ngoài giờ lấy số.");
    expect(closedText).toContain("Giờ lấy số: 08:00–16:00.");
    expect(closedText).toMatch(/Ngày làm việc tiếp theo: Thứ hai, 23\/11\/2026\./i);
    await screenshot(page, "citizen-refusal-window-closed-phone");

    // English.
    await page.getByTestId("lang-switch").click();
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await page.locator("h1").textContent()).toBe("Get a queue number");
    expect(await refusal(page).textContent()).toContain(PROBLEMS.booking_window_closed.en);
    expect(await refusal(page).textContent()).toContain("Booking hours: 08:00–16:00.");
    await screenshot(page, "citizen-refusal-english-phone");
    await page.getByTestId("lang-switch").click();
    expect(await page.getAttribute("html", "lang")).toBe("vi");
    await page.unroute("**/api/v1/tickets");

    // The same session at tablet and TV sizes, and with text at 200%.
    const state = await page.context().storageState();
    for (const size of ["tablet", "tv"] as const) {
      const p = await open(size, { storageState: state });
      await p.goto("/");
      await p.getByTestId("booking").waitFor();
      await p.getByTestId(`branch-${BRANCH}`).click();
      await p.getByTestId("field-DATDAI").click();
      await screenshot(p, `citizen-booking-${size}`);
      await expectAccessible(p, `booking at ${size}`);
    }
    const big = await open("phone", { storageState: state });
    await big.goto("/");
    await big.getByTestId("booking").waitFor();
    await big.evaluate(() => (document.documentElement.style.fontSize = "200%"));
    await big.getByTestId(`branch-${BRANCH}`).click();
    await big.getByTestId("field-DATDAI").click();
    await screenshot(big, "citizen-booking-200pct-phone");
    expect(await overflowing(big)).toEqual([]);
    const label = await bookThroughPage(big, { branchId: BRANCH, fieldCode: "DATDAI" });
    expect(label).toMatch(/^A\d{3}$/);
    await screenshot(big, "citizen-ticket-200pct-phone");
    expect(await overflowing(big)).toEqual([]);
  });

  it("shows a refusal for a malformed ID number at sign-in", async () => {
    const page = await open("phone");
    await page.goto("/");
    await page.getByTestId("id-number").fill("12345");
    await page.getByTestId("phone").fill("0912000001");
    await page.getByTestId("request-otp").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("consent_required");
    await page.getByTestId("consent").check();
    await page.getByTestId("request-otp").click();
    await expect.poll(() => refusal(page).getAttribute("data-code")).toBe("invalid_id_number");
    expect(await refusal(page).textContent()).toContain(PROBLEMS.invalid_id_number.vi);

    // Text at 200%: the sign-in form still fits the phone's width.
    await page.evaluate(() => (document.documentElement.style.fontSize = "200%"));
    await screenshot(page, "citizen-sign-in-200pct-phone");
    expect(await overflowing(page)).toEqual([]);
  });

  it("signs in with VNeID (the local stand-in provider) after consent", async () => {
    const page = await open("phone");
    await page.goto("/");
    await page.getByTestId("consent").check();
    await page.getByTestId("sign-in-vneid").click();
    await page.locator('input[name="id_number"]').fill(demoIdNumber(5006));
    await page.locator('button[value="approve"]').click();
    await page.getByTestId("booking").waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await page.getByTestId("signed-in-as").textContent()).toContain("001******006");
    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-in").waitFor();
  });

  it("books with the keyboard alone", async () => {
    const page = await open("phone");
    await page.goto("/");
    await page.getByTestId("sign-in").waitFor();
    const tabTo = async (testId: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press("Tab");
        if ((await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))) === testId) return;
      }
      throw new Error(`Tab never reached ${testId}`);
    };
    await tabTo("consent");
    await page.keyboard.press("Space");
    await tabTo("id-number");
    await page.keyboard.type(demoIdNumber(5005));
    await page.keyboard.press("Tab");
    await page.keyboard.type(demoPhone(5005));
    const since = Date.now();
    await page.keyboard.press("Enter");
    await page.getByTestId("otp-code").waitFor();
    const { readOtp } = await import("./support/citizen");
    // The code field takes the focus when it appears.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("otp-code");
    await page.keyboard.type(await readOtp(demoPhone(5005), since));
    await page.keyboard.press("Enter");
    await page.getByTestId("booking").waitFor();
    await tabTo(`branch-${BRANCH}`);
    await page.keyboard.press("Enter");
    await page.getByTestId("field-NONGNGHIEP").waitFor();
    await tabTo("field-NONGNGHIEP");
    await page.keyboard.press("Enter");
    await page.locator('[data-testid^="day-"]').first().waitFor();
    const today = await page.locator('[data-testid^="day-"][data-bookable="true"]').first().getAttribute("data-testid");
    await tabTo(today!);
    await page.keyboard.press("Enter");
    await page.getByTestId("confirm-booking").waitFor();
    await tabTo("confirm-booking");
    await page.keyboard.press("Enter");
    await page.getByTestId("ticket-number").waitFor();
    expect(await page.getByTestId("ticket-number").textContent()).toMatch(/^E\d{3}$/);
  });

  it("is an installable app: manifest with icons and a service worker that never stores personal data", async () => {
    const page = await open("phone");
    await page.goto("/");
    const manifestHref = await page.getAttribute('link[rel="manifest"]', "href");
    const manifest = (await apiCall<any>("GET", manifestHref!)).body;
    expect(manifest.start_url).toBe("/");
    expect(manifest.display).toBe("standalone");
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
    for (const icon of manifest.icons) expect((await fetch(new URL(icon.src, page.url()))).status).toBe(200);
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state ?? null), { timeout: 20_000 }).toBe("activated");
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached).toContain("/");
    expect(cached.filter((u) => u.startsWith("/api/") && u !== "/api/v1/branches")).toEqual([]);
  });
});
