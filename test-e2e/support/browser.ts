/**
 * The real browser for end-to-end tests: Debian's Chromium driven by playwright-core (no browser
 * download), with the flags this offline machine needs. Helpers for the sizes every page is shot
 * at, screenshots (saved under test-e2e/screenshots/, an artifact of the run) and axe-core checks.
 */
import AxeBuilder from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { expect, inject } from "vitest";

export const SIZES = {
  phone: { width: 390, height: 844 },
  tablet: { width: 1024, height: 768 },
  tv: { width: 1920, height: 1080 },
} as const;
export type SizeName = keyof typeof SIZES;

export const baseUrl = () => inject("baseUrl");
export const adminPassword = () => inject("adminPassword");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
    ],
  });
}

export async function newContext(browser: Browser, size: SizeName, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ baseURL: baseUrl(), viewport: SIZES[size], locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh", ...options });
}

const SHOTS = join(import.meta.dirname, "..", "screenshots");

/** Saves `<page>-<state>-<size>.png` under test-e2e/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** No serious or critical axe-core violations on the page as it is now. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`)).toEqual([]);
}

/** A JSON API call to the running service (for setting up staff accounts and the like). */
export async function apiCall<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** The demo administrator's bearer token. */
export async function adminToken(): Promise<string> {
  const res = await apiCall<{ token: string }>("POST", "/api/v1/staff/auth/login", { username: "admin", password: adminPassword() });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

let accountSerial = 0;

/**
 * A fresh staff account of `role` at `branchIds` (created through the admin API), with its
 * username and generated password, for signing in through a page.
 */
export async function createStaffAccount(role: "clerk" | "reception" | "manager" | "admin", branchIds: string[] = ["hn-cn01"]): Promise<{ username: string; password: string }> {
  const token = await adminToken();
  const username = `e2e-${role}-${process.pid}-${++accountSerial}-${Date.now() % 100000}`;
  const res = await apiCall<{ initialPassword: string }>(
    "POST",
    "/api/v1/staff/accounts",
    { username, displayName: `E2E ${role}`, role, branchIds: role === "admin" ? [] : branchIds },
    token,
  );
  if (res.status !== 201) throw new Error(`creating a ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { username, password: res.body.initialPassword };
}
