/**
 * One-time codes are stored only as a keyed hash: HMAC-SHA-256 over "<challenge id>:<code>".
 *
 * The key is derived with HKDF from SESSION_SECRET (info "sothutu otp-code-hash v1"), not from
 * CITIZEN_KEY_SECRET:
 * - a code is only ever good for starting a session, and whoever holds SESSION_SECRET can mint
 *   sessions directly, so this trusts nobody new and adds no secret to manage;
 * - rotating SESSION_SECRET signs everybody out and voids the codes in flight (5 minutes at most)
 *   together, which is consistent, whereas CITIZEN_KEY_SECRET names every citizen's ledger
 *   object, changes only through its slow rotation (README) and is best kept to that one purpose;
 * - HKDF with its own `info` means the hash key is never the bytes that sign session JWTs.
 * A keyed hash (not a plain SHA-256) matters because 10⁶ codes are trivially enumerable: a copy
 * of the storage without the secret does not reveal a code. The random challenge id acts as a
 * per-code salt, so equal codes never give equal hashes.
 */

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hashKey(sessionSecret: string): Promise<CryptoKey> {
  if (!sessionSecret || sessionSecret.length < 16) throw new Error("SESSION_SECRET is missing or shorter than 16 characters");
  let key = keyCache.get(sessionSecret);
  if (!key) {
    key = (async () => {
      const ikm = await crypto.subtle.importKey("raw", encoder.encode(sessionSecret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("sothutu/otp"), info: encoder.encode("sothutu otp-code-hash v1") },
        ikm,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    keyCache.set(sessionSecret, key);
    key.catch(() => keyCache.delete(sessionSecret));
  }
  return key;
}

/** The stored form of a code (32 bytes). */
export async function hashOtpCode(sessionSecret: string, challengeId: string, code: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await hashKey(sessionSecret), encoder.encode(`${challengeId}:${code}`));
}

/** Constant-time comparison of two hashes (a mismatch at the first byte costs as long as at the last). */
export function sameOtpHash(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  const x = a instanceof Uint8Array ? a : new Uint8Array(a);
  const y = b instanceof Uint8Array ? b : new Uint8Array(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}
