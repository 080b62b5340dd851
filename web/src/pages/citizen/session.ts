/**
 * Who the citizen is, for this page: a session cookie (OTP or VNeID sign-in) or, when a city app
 * embeds the page, the platform's short-lived signed token. The platform token arrives in the URL
 * fragment (`#platformToken=…`, never sent to any server in a URL or a Referer) or by
 * `postMessage({type: "sothutu:platform-token", token})` from the embedding app, which sends a
 * fresh one before the last expires (≤ 10 minutes). It is kept in memory only.
 */
import { signal } from "@preact/signals";
import { apiFetch, type RequestOptions } from "../../lib/api";

export interface CitizenMe {
  idNumberMasked: string;
  method: "oidc" | "otp" | "platform";
  policyVersion: string | null;
  currentPolicyVersion: string;
  consentCurrent: boolean;
  issuedAt: number;
  expiresAt: number;
}

/** The policy version the sign-in form asks consent to; corrected by the server's answer. */
export const policyVersion = signal("2026-01");
let platformToken: string | null = null;

/** Reads a platform token from the fragment (and removes it from the address bar). */
export function takePlatformTokenFromUrl(): boolean {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("platformToken");
  if (!token) return false;
  platformToken = token;
  history.replaceState(null, "", location.pathname + location.search);
  return true;
}

/** Tokens refreshed by the embedding city app; `onToken` re-reads who is signed in. */
export function listenForPlatformTokens(onToken: () => void): void {
  addEventListener("message", (e: MessageEvent) => {
    if (e.source !== window.parent || window.parent === window) return;
    const data = e.data as { type?: unknown; token?: unknown } | null;
    if (data && data.type === "sothutu:platform-token" && typeof data.token === "string" && data.token.length < 8192) {
      platformToken = data.token;
      onToken();
    }
  });
}

export function isEmbedded(): boolean {
  return platformToken !== null;
}

/** An API call as this citizen. */
export function citizenApi<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  return apiFetch<T>(method, path, { ...options, token: platformToken });
}

export async function whoAmI(): Promise<CitizenMe | null> {
  try {
    const res = await citizenApi<{ citizen: CitizenMe }>("GET", "/auth/me");
    policyVersion.value = res.citizen.currentPolicyVersion;
    return res.citizen;
  } catch (err) {
    if ((err as { status?: number }).status === 401) return null;
    throw err;
  }
}

export async function signOut(): Promise<void> {
  platformToken = null;
  await apiFetch("POST", "/auth/sign-out", { body: {} }).catch(() => undefined);
}
