/**
 * Citizen steps through the real citizen page (web/src/pages/citizen), for every end-to-end test
 * that needs a signed-in citizen or a booked number. Sign-in is the ID number + phone + one-time
 * code path; the code is read from the local dev outbox (DEV_STAND_INS=1), never from the page.
 */
import type { Locator, Page } from "playwright-core";
import { apiCall } from "./browser";

/** Valid demo ID numbers (Hanoi code 001, born 1990, male), distinct for distinct n. */
export function demoIdNumber(n: number): string {
  return `0010900${String(n % 100000).padStart(5, "0")}`;
}

/** A Vietnamese mobile number distinct for distinct n ("09" + 8 digits). */
export function demoPhone(n: number): string {
  return `09${String(n % 100_000_000).padStart(8, "0")}`;
}

/** How the outbox masks a phone: "0912345678" → "+84912***678". */
function maskedAsOutbox(phone: string): string {
  const e164 = `+84${phone.replace(/\D/g, "").replace(/^0/, "")}`;
  return `${e164.slice(0, 6)}***${e164.slice(-3)}`;
}

interface OutboxOtp {
  id: string;
  to: string;
  code: string;
  at: number;
}

/** The newest one-time code sent to `phone` after `since` (epoch ms), waiting briefly for it. */
export async function readOtp(phone: string, since: number): Promise<string> {
  const to = maskedAsOutbox(phone);
  for (let i = 0; i < 40; i++) {
    const res = await apiCall<{ otp: OutboxOtp[] }>("GET", "/api/v1/auth/otp/dev/outbox");
    const hit = res.body?.otp?.find((m) => m.to === to && m.at >= since - 5_000);
    if (hit) return hit.code;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no one-time code in the dev outbox for ${to}`);
}

/**
 * Signs a citizen in on the citizen page: ID number, phone, consent to the personal-data policy,
 * request the code, type it. Resolves once the booking screen is shown.
 */
export async function signInCitizen(page: Page, idNumber: string, phone: string): Promise<void> {
  if (!page.url().startsWith("http")) await page.goto("/");
  await page.getByTestId("sign-in").waitFor();
  await page.getByTestId("id-number").fill(idNumber);
  await page.getByTestId("phone").fill(phone);
  await page.getByTestId("consent").check();
  const since = Date.now();
  await retryWhileThrottled(page, () => page.getByTestId("request-otp").click(), page.getByTestId("otp-code"));
  const code = await readOtp(phone, since);
  await page.getByTestId("otp-code").fill(code);
  await retryWhileThrottled(page, () => page.getByTestId("verify-otp").click(), page.getByTestId("booking"));
}

/**
 * Sign-in steps are throttled per IP (RL_OTP_IP 10 a minute, RL_SIGNIN_IP 20 a minute, shared by
 * every test of a run against one server): on a `rate_limited` refusal wait and press again.
 * Requesting a code again is harmless (readOtp takes the newest code for the phone).
 */
async function retryWhileThrottled(page: Page, press: () => Promise<void>, next: Locator): Promise<void> {
  const refusal = page.locator('[data-testid="refusal"][data-code]');
  for (let attempt = 0; ; attempt++) {
    await press();
    // The last refusal (if any) goes away when the button is pressed again.
    if (attempt > 0) await refusal.waitFor({ state: "hidden", timeout: 2_000 }).catch(() => undefined);
    await Promise.race([next.waitFor(), refusal.waitFor()]);
    if (await next.isVisible()) return;
    const code = await refusal.getAttribute("data-code");
    // "internal": `wrangler dev` answered "restarted mid-request" while reloading changed sources.
    const transient = code === "rate_limited" || (code === "internal" && attempt < 2);
    if (!transient || attempt >= 8) throw new Error(`sign-in refused: ${code} ${await refusal.textContent()}`);
    await page.waitForTimeout(code === "internal" ? 2_000 : 8_000);
  }
}

/**
 * Books a number on the citizen page (signed in, booking screen shown): branch, field, day
 * (today unless `date` "YYYY-MM-DD" is given), confirm. Resolves with the ticket label shown.
 */
export async function bookThroughPage(page: Page, o: { branchId: string; fieldCode: string; date?: string }): Promise<string> {
  // From a ticket view, back to the booking screen.
  if (await page.getByTestId("new-booking").isVisible()) await page.getByTestId("new-booking").click();
  await page.getByTestId("booking").waitFor();
  await page.getByTestId(`branch-${o.branchId}`).click();
  await page.getByTestId(`field-${o.fieldCode}`).click();
  if (o.date) await page.getByTestId(`day-${o.date}`).click();
  else await page.locator('[data-testid^="day-"][data-bookable="true"]').first().click();
  await page.getByTestId("confirm-booking").click();
  const number = page.getByTestId("ticket-number");
  await number.waitFor({ timeout: 20_000 });
  return (await number.textContent())!.trim();
}
