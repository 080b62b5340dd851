/**
 * The walk-in kiosk in a real browser: a reception account signs it in once, a citizen types
 * their ID number on the on-screen keypad, picks a field, and the ticket is printed (print
 * stylesheet for an 80 mm receipt, saved as a PDF under test-e2e/screenshots/); the kiosk then
 * resets itself for the next person. Refusals in Vietnamese, axe checks, screenshots.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { encode } from "uqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../shared/problems";
import { createStaffAccount, expectAccessible, launchBrowser, newContext, screenshot } from "./support/browser";
import { demoIdNumber } from "./support/citizen";

const SHOTS = join(import.meta.dirname, "screenshots");

/**
 * A camera that films a chip ID card's QR code: a Y4M video (what Chromium's fake capture device
 * plays) of the QR encoding `text`, black modules on white, a few identical frames.
 */
function fakeCameraFile(text: string): string {
  const W = 640;
  const H = 480;
  const { data, size } = encode(text, { ecc: "M", border: 4 });
  const scale = Math.floor(Math.min(W, H) / size);
  const x0 = Math.floor((W - size * scale) / 2);
  const y0 = Math.floor((H - size * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++)
      if (data[row]![col])
        for (let dy = 0; dy < scale; dy++) y.fill(16, (y0 + row * scale + dy) * W + x0 + col * scale, (y0 + row * scale + dy) * W + x0 + (col + 1) * scale);
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma]);
  const file = join(tmpdir(), `sothutu-kiosk-cccd-${process.pid}.y4m`);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F5:1 Ip A1:1 C420jpeg\n`), frame, frame, frame, frame, frame]));
  return file;
}

async function typeOnKeypad(page: Page, digits: string) {
  for (const d of digits) await page.getByTestId(`key-${d}`).click();
}

describe("the kiosk", () => {
  let browser: Browser;
  let account: { username: string; password: string };

  beforeAll(async () => {
    browser = await launchBrowser();
    account = await createStaffAccount("reception", ["hn-cn01"]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("is signed in once by reception, then issues and prints walk-in numbers and resets", async () => {
    const context = await newContext(browser, "tablet");
    const page = await context.newPage();
    // Count print requests instead of opening the browser's print dialog.
    await page.addInitScript(() => {
      (window as unknown as { __prints: number }).__prints = 0;
      window.print = () => void (window as unknown as { __prints: number }).__prints++;
    });
    await page.goto("/kiosk/");
    await page.getByTestId("kiosk-setup").waitFor();
    await expectAccessible(page, "kiosk set-up");
    await page.getByTestId("kiosk-username").fill(account.username);
    await page.getByTestId("kiosk-password").fill(account.password);
    await page.getByTestId("kiosk-sign-in").click();
    await page.getByTestId("kiosk-branch").selectOption("hn-cn01");
    await page.getByTestId("kiosk-start").click();

    await page.getByTestId("kiosk-welcome").waitFor();
    await screenshot(page, "kiosk-welcome-tablet");
    await expectAccessible(page, "kiosk welcome");
    await page.getByTestId("kiosk-welcome").click();
    expect(await page.getByTestId("kiosk-next").isDisabled()).toBe(true);
    await typeOnKeypad(page, demoIdNumber(6001));
    expect(await page.getByTestId("kiosk-id").inputValue()).toBe(demoIdNumber(6001));
    await screenshot(page, "kiosk-keypad-tablet");
    await expectAccessible(page, "kiosk keypad");
    await page.getByTestId("kiosk-next").click();
    await page.getByTestId("kiosk-field-TUPHAP").waitFor();
    await screenshot(page, "kiosk-fields-tablet");
    await expectAccessible(page, "kiosk fields");
    await page.getByTestId("kiosk-field-TUPHAP").click();

    const number = page.getByTestId("ticket-number");
    await number.waitFor();
    expect(await number.textContent()).toMatch(/^2\d{3}$/);
    expect(await page.locator(".receipt svg[data-qr-value]").getAttribute("data-qr-value")).toMatch(/^hn-cn01:\d{4}-\d{2}-\d{2}:\d+$/);
    await expect.poll(() => page.evaluate(() => (window as unknown as { __prints: number }).__prints)).toBe(1);
    await screenshot(page, "kiosk-printed-tablet");

    // The printed receipt: 80 mm wide, only the receipt, the number huge.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".khead").isVisible()).toBe(false);
    const numberPt = await number.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(numberPt).toBeGreaterThanOrEqual(48);
    mkdirSync(SHOTS, { recursive: true });
    const pdf = join(SHOTS, "kiosk-receipt-80mm.pdf");
    await page.pdf({ path: pdf, width: "80mm", preferCSSPageSize: true, printBackground: true });
    expect(statSync(pdf).size).toBeGreaterThan(1000);
    await screenshot(page, "kiosk-receipt-print");
    await page.emulateMedia({ media: "screen" });

    // Ready for the next person after a few seconds, with nothing of the last one on screen.
    await page.getByTestId("kiosk-welcome").waitFor({ timeout: 15_000 });
    await page.getByTestId("kiosk-welcome").click();
    expect(await page.getByTestId("kiosk-id").inputValue()).toBe("");

    // A reload within the staff session goes straight back to work.
    await page.reload();
    await page.getByTestId("kiosk-welcome").waitFor();

    // Phone and TV sizes.
    for (const size of ["phone", "tv"] as const) {
      const p = await (await newContext(browser, size, { storageState: await context.storageState() })).newPage();
      await p.goto("/kiosk/");
      await p.getByTestId("kiosk-welcome").waitFor();
      await screenshot(p, `kiosk-welcome-${size}`);
      await p.context().close();
    }
    await context.close();
  });

  it("explains refusals in Vietnamese: a malformed ID number, one number per field", async () => {
    const context = await newContext(browser, "tablet");
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.print = () => undefined;
    });
    await page.goto("/kiosk/");
    await page.getByTestId("kiosk-username").fill(account.username);
    await page.getByTestId("kiosk-password").fill(account.password);
    await page.getByTestId("kiosk-sign-in").click();
    await page.getByTestId("kiosk-start").click();

    await page.getByTestId("kiosk-welcome").click();
    await typeOnKeypad(page, "999999999999");
    await page.getByTestId("kiosk-next").click();
    await page.getByTestId("kiosk-field-DATDAI").click();
    const refusal = page.locator('[data-testid="refusal"][data-code]');
    await expect.poll(() => refusal.getAttribute("data-code")).toMatch(/^(invalid_id_number|id_number_unknown_province)$/);
    await screenshot(page, "kiosk-refusal-tablet");
    await expectAccessible(page, "kiosk refusal");

    // The same person twice in one field.
    await page.getByTestId("kiosk-id").fill(demoIdNumber(6001));
    await page.getByTestId("kiosk-next").click();
    await page.getByTestId("kiosk-field-TUPHAP").click();
    await expect.poll(() => refusal.getAttribute("data-code")).toBe("citizen_field_limit");
    expect(await refusal.textContent()).toContain(PROBLEMS.citizen_field_limit.vi);
    await context.close();
  });

  it("reads the chip ID card's QR code with the camera and issues the number", async () => {
    const idNumber = demoIdNumber(6002);
    const video = fakeCameraFile(`${idNumber}||Nguyen Van Thu|01011990|Nam|So 1 Pho Hue, Ha Noi|15062021`);
    const camBrowser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
    });
    try {
      const context = await newContext(camBrowser as Browser, "tablet", { permissions: ["camera"] });
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.print = () => undefined;
      });
      await page.goto("/kiosk/");
      await page.getByTestId("kiosk-username").fill(account.username);
      await page.getByTestId("kiosk-password").fill(account.password);
      await page.getByTestId("kiosk-sign-in").click();
      await page.getByTestId("kiosk-start").click();
      await page.getByTestId("kiosk-welcome").click();
      await page.getByTestId("kiosk-scan").click();
      // The card is read by itself: the field step follows.
      await page.getByTestId("kiosk-field-XAYDUNG").waitFor({ timeout: 20_000 });
      await page.getByTestId("kiosk-field-XAYDUNG").click();
      await page.getByTestId("ticket-number").waitFor();
      expect(await page.getByTestId("ticket-number").textContent()).toMatch(/^C\d{3}$/);
      await context.close();
    } finally {
      await camBrowser.close();
      rmSync(video, { force: true });
    }
  });
});
