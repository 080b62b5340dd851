/**
 * Reception in a real browser: the ticket QR's text (the ticket id) or a printed number is read,
 * the chip ID card's QR text is checked against it (a match marks the citizen arrived and
 * verified, a mismatch says so loudly), tickets of another branch are refused, and walk-in and
 * priority numbers are issued after an identity check and printed. Keyboard usable, accessible.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, apiCall, baseUrl, createStaffAccount, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { bookThroughPage, demoIdNumber, demoPhone, signInCitizen } from "./support/citizen";

const BRANCH = "hn-cn01";

/** The text of a chip ID card's QR code (shared/cccd-qr.ts) for a demo ID number. */
function chipQr(idNumber: string, name = "Nguyễn Văn An"): string {
  return `${idNumber}||${name}|01011990|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|01012021`;
}

async function scan(page: Page, text: string): Promise<void> {
  await page.getByTestId("scan-input").fill(text);
  await page.getByTestId("scan-submit").click();
}

describe("reception", () => {
  let browser: Browser;
  let desk: BrowserContext;
  let page: Page;
  let today: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    today = (await apiCall<{ today: string }>("GET", `/api/v1/branches/${BRANCH}`)).body.today;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs in with the keyboard and shows today's queue", async () => {
    const who = await createStaffAccount("reception", [BRANCH]);
    desk = await newContext(browser, "tablet", { hasTouch: true });
    page = await desk.newPage();
    await page.goto("/reception/");
    await page.getByTestId("staff-sign-in").waitFor();
    await expectAccessible(page, "reception sign-in");
    await page.getByTestId("staff-username").focus();
    await page.keyboard.type(who.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(who.password);
    await page.keyboard.press("Enter");
    await page.getByTestId("scan-input").waitFor();
    await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: 20_000 });
    await expectAccessible(page, "reception (empty)");
    await screenshot(page, "reception-tablet");
  });

  it("verifies a booked ticket by its QR text and the chip ID card's QR: a stranger's card is refused, the holder's accepted", async () => {
    const holderId = demoIdNumber(62_001);
    const citizen = await newContext(browser, "phone");
    const phone = await citizen.newPage();
    await phone.goto("/");
    await signInCitizen(phone, holderId, demoPhone(62_001));
    const label = await bookThroughPage(phone, { branchId: BRANCH, fieldCode: "DATDAI" });
    const mine = await citizen.request.get(`${baseUrl()}/api/v1/tickets`);
    const ticketId = ((await mine.json()) as { tickets: Array<{ id: string; label: string }> }).tickets.find((t) => t.label === label)!.id;
    await citizen.close();

    // The citizen page's QR carries the ticket id; a scanner types it.
    await scan(page, ticketId);
    await expect.poll(() => page.getByTestId("ticket-panel").textContent()).toMatch(new RegExp(`${label}|số \\d+`));
    // Someone else's card: no match, nothing changes.
    await scan(page, chipQr(demoIdNumber(62_999), "Trần Thị Bình"));
    await expect.poll(() => page.getByTestId("identity").textContent()).toContain("001******999");
    await page.getByTestId("check-in").click();
    await page.locator('[data-testid="outcome"][data-kind="mismatch"]').waitFor();
    await screenshot(page, "reception-mismatch-tablet");
    await expectAccessible(page, "reception mismatch");
    // The holder's card: match, arrived and verified. The full ID number is never shown.
    await scan(page, chipQr(holderId));
    await page.getByTestId("check-in").click();
    await page.locator('[data-testid="outcome"][data-kind="match"]').waitFor();
    expect(await page.getByTestId("outcome").textContent()).toContain(label);
    await page.locator('[data-testid="ticket-card"][data-verified="true"]').waitFor();
    expect(await page.content()).not.toContain(holderId);
    await screenshot(page, "reception-verified-tablet");
  });

  it("verifies by the printed number and a typed ID number; refuses another branch's ticket and unknown text", async () => {
    const token = await adminToken();
    const walkerId = demoIdNumber(62_002);
    const issued = await apiCall<{ ticket: { label: string } }>(
      "POST",
      `/api/v1/staff/branches/${BRANCH}/tickets`,
      { idNumber: walkerId, identityCheck: "typed", fieldCode: "TUPHAP", channel: "kiosk" },
      token,
    );
    expect(issued.status).toBe(201);
    await page.getByTestId("reset").click();
    await scan(page, issued.body.ticket.label.toLowerCase());
    await page.getByTestId("ticket-card").waitFor();
    expect(await page.getByTestId("ticket-label").textContent()).toBe(issued.body.ticket.label);
    await scan(page, walkerId);
    await page.getByTestId("check-in").click();
    await page.locator('[data-testid="outcome"][data-kind="match"]').waitFor();

    await page.getByTestId("reset").click();
    await scan(page, `hn-cn02:${today}:1`);
    await page.getByTestId("wrong-place").waitFor();
    expect(await page.getByTestId("check-in").isDisabled()).toBe(true);
    await scan(page, "xin chào");
    await page.getByTestId("scan-error").waitFor();
  });

  it("issues a priority walk-in number after a chip card check, and prints it", async () => {
    await page.getByTestId("reset").click();
    // Keyboard: type the card's text and press Enter.
    await page.getByTestId("scan-input").focus();
    await page.keyboard.type(chipQr(demoIdNumber(62_003), "Lê Văn Cường"));
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("identity").textContent()).toContain("001******003");
    await page.getByTestId("walkin-field").selectOption("TUPHAP");
    await page.getByTestId("walkin-priority").selectOption("elderly");
    await page.getByTestId("walkin-issue").click();
    await page.getByTestId("issued").waitFor();
    const label = (await page.getByTestId("issued-label").textContent())!;
    expect(label).toMatch(/^\d{4}$/);
    expect(await page.getByTestId("issued-priority").textContent()).toContain("Người cao tuổi");
    await expectAccessible(page, "reception issued");
    await screenshot(page, "reception-issued-tablet");
    // The printed slip: only the slip (print stylesheet), as a PDF too.
    await page.emulateMedia({ media: "print" });
    await screenshot(page, "reception-issued-print");
    const pdf = await page.pdf({ width: "80mm", printBackground: true });
    expect(pdf.byteLength).toBeGreaterThan(1000);
    await page.emulateMedia({ media: "screen" });

    // The number is real: the staff look-up finds it as a priority ticket.
    const token = await adminToken();
    const found = await apiCall<{ ticket: { priority: string; channel: string; verified: boolean } }>("GET", `/api/v1/staff/branches/${BRANCH}/tickets/${label}`, undefined, token);
    expect(found.body.ticket).toMatchObject({ priority: "elderly", channel: "reception", verified: true });
    await page.getByTestId("issued-done").click();
  });

  it("works on a phone-sized screen and with large text", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page, "reception on a phone");
    await screenshot(page, "reception-phone");
    await page.addStyleTag({ content: "html { font-size: 200% !important; }" });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(2);
    await screenshot(page, "reception-phone-large-text");
    await desk.close();
  });
});
