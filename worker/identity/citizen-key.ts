/**
 * Citizens are known by a keyed hash of their ID number (HMAC-SHA256 with a secret from
 * configuration): the same person always maps to the same key, yet the key reveals nothing
 * without the secret. The raw number is never stored (Personal Data Protection Law 91/2025).
 */
import { maskPersonalId } from "../../shared/personal-id";

export interface CitizenIdentity {
  /** base64url HMAC of the ID number: names the citizen's ledger object and history rows. */
  key: string;
  /** For display only, e.g. "001******345". */
  masked: string;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keyCache.set(secret, key);
  }
  return key;
}

function base64url(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The citizen identity for a validated 12-digit ID number. */
export async function citizenIdentity(secret: string, idNumber: string): Promise<CitizenIdentity> {
  if (!secret || secret.length < 16) throw new Error("CITIZEN_KEY_SECRET is missing or shorter than 16 characters");
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(idNumber));
  return { key: base64url(mac), masked: maskPersonalId(idNumber) };
}
