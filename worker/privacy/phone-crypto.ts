/**
 * Phone numbers encrypted at rest (Personal Data Protection Law 91/2025: phone numbers are kept
 * only where notifications need them, and never in clear).
 *
 * AES-256-GCM. The key is derived with HKDF-SHA-256 from the secret PHONE_ENCRYPTION_KEY (so the
 * secret can be any long random string, and the AES key is never the same bytes as anything else
 * derived from it). Every encryption uses a fresh random 96-bit IV. A blob is text:
 *
 *   p1.<key id>.<IV, base64url>.<ciphertext + 128-bit tag, base64url>
 *
 * `p1` is the format version; the key id is a fingerprint of the key (8 base64url characters,
 * also HKDF-derived, revealing nothing about the key), and both are authenticated as additional
 * data, so neither can be altered without decryption failing.
 *
 * Rotation: set the new secret as PHONE_ENCRYPTION_KEY and move the old one into
 * PHONE_ENCRYPTION_PREVIOUS_KEYS (comma-separated, decryption only). New blobs use the new key;
 * `isCurrentPhoneKey` tells a holder to re-encrypt an old blob when it uses it. Stored phones
 * are deleted after 30 days without use, so an old key can be dropped 30 days after rotation.
 */
import { isVietnameseMobileE164 } from "../notify/sms-gateway";

export interface PhoneCryptoEnv {
  PHONE_ENCRYPTION_KEY: string;
  /** Retired secrets, comma-separated: still decrypt, never encrypt. */
  PHONE_ENCRYPTION_PREVIOUS_KEYS?: string;
}

/** A blob that cannot be decrypted (tampered, truncated, unknown key). Carries no content. */
export class PhoneCryptoError extends Error {
  constructor(reason: string) {
    super(`phone-crypto: ${reason}`);
    this.name = "PhoneCryptoError";
  }
}

const FORMAT = "p1";
const IV_BYTES = 12;
const MIN_SECRET_LENGTH = 16;
const encoder = new TextEncoder();
const SALT = encoder.encode("sothutu/phone-encryption");

interface PhoneKey {
  id: string;
  key: CryptoKey;
}

const keyCache = new Map<string, Promise<PhoneKey>>();

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new PhoneCryptoError("malformed blob");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  let raw: string;
  try {
    raw = atob(b64);
  } catch {
    throw new PhoneCryptoError("malformed blob");
  }
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function deriveKey(secret: string): Promise<PhoneKey> {
  let cached = keyCache.get(secret);
  if (!cached) {
    cached = (async () => {
      const ikm = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey", "deriveBits"]);
      const key = await crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode("aes-256-gcm v1") },
        ikm,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
      const idBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode("key id v1") }, ikm, 48);
      return { id: base64url(new Uint8Array(idBits)), key };
    })();
    keyCache.set(secret, cached);
    // A failed derivation must not stay cached.
    cached.catch(() => keyCache.delete(secret));
  }
  return cached;
}

function currentSecret(env: PhoneCryptoEnv): string {
  const secret = env.PHONE_ENCRYPTION_KEY ?? "";
  if (secret.length < MIN_SECRET_LENGTH) throw new Error("PHONE_ENCRYPTION_KEY is missing or shorter than 16 characters");
  return secret;
}

function previousSecrets(env: PhoneCryptoEnv): string[] {
  return (env.PHONE_ENCRYPTION_PREVIOUS_KEYS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length >= MIN_SECRET_LENGTH);
}

function additionalData(keyId: string): Uint8Array {
  return encoder.encode(`${FORMAT}.${keyId}.phone`);
}

/** Encrypts a Vietnamese mobile number in E.164 ("+84912345678") with the current key. */
export async function encryptPhone(env: PhoneCryptoEnv, e164: string): Promise<string> {
  if (!isVietnameseMobileE164(e164)) throw new Error("phone-crypto: not a Vietnamese mobile number in E.164");
  const { id, key } = await deriveKey(currentSecret(env));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(id), tagLength: 128 }, key, encoder.encode(e164));
  return `${FORMAT}.${id}.${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
}

/** Decrypts a blob from `encryptPhone`; throws PhoneCryptoError when it was altered or the key is unknown. */
export async function decryptPhone(env: PhoneCryptoEnv, blob: string): Promise<string> {
  const parts = typeof blob === "string" ? blob.split(".") : [];
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new PhoneCryptoError("malformed blob");
  const [, keyId, ivText, ctText] = parts as [string, string, string, string];
  const iv = fromBase64url(ivText);
  const ct = fromBase64url(ctText);
  if (iv.byteLength !== IV_BYTES || ct.byteLength < 16) throw new PhoneCryptoError("malformed blob");
  let key: CryptoKey | null = null;
  for (const secret of [currentSecret(env), ...previousSecrets(env)]) {
    const candidate = await deriveKey(secret);
    if (candidate.id === keyId) {
      key = candidate.key;
      break;
    }
  }
  if (!key) throw new PhoneCryptoError("unknown key");
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: additionalData(keyId), tagLength: 128 }, key, ct);
  } catch {
    throw new PhoneCryptoError("authentication failed");
  }
  const phone = new TextDecoder().decode(plain);
  if (!isVietnameseMobileE164(phone)) throw new PhoneCryptoError("unexpected content");
  return phone;
}

/** Whether a blob was made with the current key (otherwise re-encrypt it when next used). */
export async function isCurrentPhoneKey(env: PhoneCryptoEnv, blob: string): Promise<boolean> {
  const { id } = await deriveKey(currentSecret(env));
  return blob.startsWith(`${FORMAT}.${id}.`);
}
