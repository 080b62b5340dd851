/**
 * Webhook signatures and secrets.
 *
 * Each delivery carries `Sothutu-Signature: t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256(secret, `${t}.${body}`) — the secret's text (`whsec_…`) is the HMAC key. During a
 * secret rotation's grace period a second `v1=` (made with the previous secret) follows, so a
 * receiver still holding the old secret keeps verifying. Receivers compare in constant time and
 * refuse timestamps older than a few minutes (replays).
 *
 * Secrets are stored AES-256-GCM encrypted (key HKDF-derived from WEBHOOK_ENCRYPTION_KEY, or
 * PHONE_ENCRYPTION_KEY when that is not set) and shown once, when made or rotated.
 */
import { toHex } from "../../shared/hex";
export const SIGNATURE_HEADER = "Sothutu-Signature";
export const EVENT_ID_HEADER = "Sothutu-Event-Id";
export const EVENT_TYPE_HEADER = "Sothutu-Event-Type";
export const DELIVERY_ID_HEADER = "Sothutu-Delivery-Id";
export const DELIVERY_ATTEMPT_HEADER = "Sothutu-Delivery-Attempt";

const encoder = new TextEncoder();


function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
}

/** A fresh signing secret: `whsec_` and 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${b64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** hex HMAC-SHA256(secret, `${timestamp}.${body}`). */
export async function signatureOf(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)));
}

/** The header value: the current secret's signature first, then the previous one's (rotation). */
export async function signatureHeader(secrets: readonly string[], timestamp: number, body: string): Promise<string> {
  const parts = [`t=${timestamp}`];
  for (const s of secrets) parts.push(`v1=${await signatureOf(s, timestamp, body)}`);
  return parts.join(",");
}

/**
 * A receiver's check (used by the tests, and the reference for integrators): some `v1` matches
 * and `t` is within `toleranceS` of `nowS`.
 */
export async function verifySignatureHeader(secret: string, header: string, body: string, nowS: number, toleranceS = 300): Promise<boolean> {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const [k, v] = part.split("=", 2);
    if (k === "t" && v && /^\d+$/.test(v)) t = Number(v);
    if (k === "v1" && v) v1.push(v);
  }
  if (t === null || Math.abs(nowS - t) > toleranceS) return false;
  const expected = await signatureOf(secret, t, body);
  return v1.some((got) => constantTimeEqual(got, expected));
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

// ---- Encryption at rest ---------------------------------------------------------------------

interface SecretKeyEnv {
  WEBHOOK_ENCRYPTION_KEY?: string;
  PHONE_ENCRYPTION_KEY?: string;
}

const FORMAT = "w1";
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(env: Env): Promise<CryptoKey> {
  const e = env as unknown as SecretKeyEnv;
  const material = e.WEBHOOK_ENCRYPTION_KEY?.trim() || e.PHONE_ENCRYPTION_KEY?.trim() || "";
  if (material.length < 16) throw new Error("webhook secrets: WEBHOOK_ENCRYPTION_KEY (or PHONE_ENCRYPTION_KEY) is not set");
  let key = keys.get(material);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey("raw", encoder.encode(material), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("sothutu/webhook-secret"), info: encoder.encode("aes-256-gcm") },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(material, key);
  }
  return key;
}

export async function encryptSecret(env: Env, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(FORMAT) }, await keyFor(env), encoder.encode(secret));
  return `${FORMAT}.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
}

export async function decryptSecret(env: Env, blob: string): Promise<string> {
  const [format, iv, ct] = blob.split(".");
  if (format !== FORMAT || !iv || !ct) throw new Error("webhook secret: unknown format");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64url(iv), additionalData: encoder.encode(FORMAT) }, await keyFor(env), fromB64url(ct));
  return new TextDecoder().decode(plain);
}
