/**
 * Staff passwords: PBKDF2-HMAC-SHA256 through WebCrypto, a 16-byte random salt per password, a
 * 32-byte derived key, compared in constant time. Runs unchanged in the Worker and in Node (the
 * first-administrator script, scripts/create-admin.ts, imports this very module), so both hash
 * with the same parameters; `node:crypto`'s `pbkdf2Sync(password, salt, n, 32, "sha256")` gives
 * the same bytes (a test checks it).
 *
 * The iteration count: Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations
 * ("Pbkdf2 failed: iteration counts above 100000 are not supported"; workerd's
 * DEFAULT_MAX_PBKDF2_ITERATIONS, src/workerd/io/limit-enforcer.h). The open-source workerd that
 * `wrangler dev` and the tests run has no cap (server.c++ overrides it), so a higher count would
 * pass every local test and then fail every sign-in in production: 100,000 it is, the highest
 * the platform allows. Each row stores its own count, so when the platform allows more, raise
 * PBKDF2_ITERATIONS: a successful sign-in rehashes an older row (`needsRehash`).
 *
 * Passwords are normalized to Unicode NFC first: Vietnamese keyboards (Telex/VNI input methods)
 * may produce precomposed or combining diacritics for the same visible password.
 */

/** The production runtime's cap, and the count used for new hashes. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PBKDF2_ITERATIONS = PBKDF2_MAX_ITERATIONS;
export const PBKDF2_HASH = "SHA-256";
export const SALT_BYTES = 16;
export const DERIVED_BYTES = 32;

/** Password policy: long rather than "complex" (NIST SP 800-63B); at most 256 characters. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** What a staff row keeps: base64 of the derived key and of the salt, and the iteration count. */
export interface PasswordHash {
  hash: string;
  salt: string;
  iterations: number;
}

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

export function normalizePassword(password: string): string {
  return password.normalize("NFC");
}

/** Why a password is refused, or null when it is acceptable. Length counts code points. */
export function passwordProblem(password: string): string | null {
  const length = [...normalizePassword(password)].length;
  if (length < PASSWORD_MIN_LENGTH) return `password: at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password: at most ${PASSWORD_MAX_LENGTH} characters`;
  if (normalizePassword(password).trim() === "") return "password: not only spaces";
  return null;
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(normalizePassword(password)), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: PBKDF2_HASH, salt, iterations }, key, DERIVED_BYTES * 8);
  return new Uint8Array(bits);
}

/** Hashes a new password with a fresh random salt. */
export async function hashPassword(password: string, iterations: number = PBKDF2_ITERATIONS): Promise<PasswordHash> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be 1..${PBKDF2_MAX_ITERATIONS}`);
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { hash: toBase64(await derive(password, salt, iterations)), salt: toBase64(salt), iterations };
}

/** Equal bytes, in time that does not depend on where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual(a, b);
  // Node (the admin script) has no crypto.subtle.timingSafeEqual: the same idea by hand.
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Does `password` match the stored hash? A malformed row (or an iteration count the runtime
 * would refuse) never matches; it does not throw.
 */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const salt = fromBase64(stored.salt);
  const expected = fromBase64(stored.hash);
  const iterations = stored.iterations;
  if (!salt || !expected || expected.byteLength !== DERIVED_BYTES) return false;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS) return false;
  return sameBytes(await derive(password, salt, iterations), expected);
}

/**
 * A hash to verify against when the username is unknown (or the account cannot sign in), so that
 * every refusal costs the same PBKDF2 work as "wrong password": no account enumeration by timing.
 * Nothing derives to 32 zero bytes in practice, so it never matches.
 */
export const DECOY_HASH: PasswordHash = { hash: toBase64(new Uint8Array(DERIVED_BYTES)), salt: toBase64(new Uint8Array(SALT_BYTES).fill(7)), iterations: PBKDF2_ITERATIONS };

/** Should this stored hash be recomputed with the current parameters (at the next sign-in)? */
export function needsRehash(stored: PasswordHash): boolean {
  return stored.iterations < PBKDF2_ITERATIONS;
}

/** A strong random password for a new account (24 characters, about 143 bits), URL-safe. */
export function generatePassword(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(18))).replace(/\+/g, "-").replace(/\//g, "_");
}
