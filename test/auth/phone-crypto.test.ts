/** Phone numbers encrypted at rest: AES-256-GCM, HKDF-derived key, random IVs, key ids for rotation. */
import { describe, expect, it } from "vitest";
import { decryptPhone, encryptPhone, isCurrentPhoneKey, PhoneCryptoError } from "../../worker/privacy/phone-crypto";

const KEY = { PHONE_ENCRYPTION_KEY: "test-phone-encryption-key-0123456789" };
const NEW_KEY = { PHONE_ENCRYPTION_KEY: "another-phone-encryption-key-abcdefgh" };
const PHONE = "+84912345678";

function b64urlBytes(text: string): Uint8Array {
  const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function toB64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The blob with one bit of part `index` (1 key id, 2 IV, 3 ciphertext) flipped. */
function flip(blob: string, index: 2 | 3, byte = 0): string {
  const parts = blob.split(".");
  const bytes = b64urlBytes(parts[index]!);
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[index] = toB64url(bytes);
  return parts.join(".");
}

async function refused(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe("phone-crypto", () => {
  it("round-trips, and the blob holds no digits of the number", async () => {
    const blob = await encryptPhone(KEY, PHONE);
    expect(blob).toMatch(/^p1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(blob).not.toContain("912345678");
    expect(await decryptPhone(KEY, blob)).toBe(PHONE);
  });

  it("uses a different IV (and so ciphertext) every time", async () => {
    const blobs = await Promise.all(Array.from({ length: 20 }, () => encryptPhone(KEY, PHONE)));
    const ivs = new Set(blobs.map((b) => b.split(".")[2]));
    expect(ivs.size).toBe(20);
    expect(new Set(blobs).size).toBe(20);
    expect(b64urlBytes(blobs[0]!.split(".")[2]!).byteLength).toBe(12);
  });

  it("refuses a tampered ciphertext, tag, IV, key id or format", async () => {
    const blob = await encryptPhone(KEY, PHONE);
    const parts = blob.split(".");
    const ctLen = b64urlBytes(parts[3]!).byteLength;
    const tampered = [
      flip(blob, 3, 0),
      flip(blob, 3, ctLen - 1), // the tag
      flip(blob, 2, 5),
      [parts[0], "AAAAAAAA", parts[2], parts[3]].join("."),
      ["p2", parts[1], parts[2], parts[3]].join("."),
      [parts[0], parts[1], parts[2], parts[3]!.slice(0, -4)].join("."),
      parts.slice(0, 3).join("."),
      "",
      "p1.....",
    ];
    for (const t of tampered) {
      const err = await refused(decryptPhone(KEY, t));
      expect(err, t).toBeInstanceOf(PhoneCryptoError);
      expect(String((err as Error).message)).not.toContain("912345678");
    }
  });

  it("does not decrypt with another key", async () => {
    const blob = await encryptPhone(KEY, PHONE);
    expect(await refused(decryptPhone(NEW_KEY, blob))).toBeInstanceOf(PhoneCryptoError);
  });

  it("rotates: the new key encrypts, retired keys still decrypt, old blobs are recognised", async () => {
    const old = await encryptPhone(KEY, PHONE);
    const rotated = { ...NEW_KEY, PHONE_ENCRYPTION_PREVIOUS_KEYS: ` ${KEY.PHONE_ENCRYPTION_KEY} ,` };
    expect(await decryptPhone(rotated, old)).toBe(PHONE);
    expect(await isCurrentPhoneKey(rotated, old)).toBe(false);
    const fresh = await encryptPhone(rotated, PHONE);
    expect(await isCurrentPhoneKey(rotated, fresh)).toBe(true);
    expect(fresh.split(".")[1]).not.toBe(old.split(".")[1]);
    // Once the old key is dropped, old blobs no longer open.
    expect(await refused(decryptPhone(NEW_KEY, old))).toBeInstanceOf(PhoneCryptoError);
  });

  it("encrypts only Vietnamese mobile numbers in E.164, and needs a real key", async () => {
    for (const bad of ["0912345678", "+14155550100", "", "+84 912 345 678"]) expect(await refused(encryptPhone(KEY, bad))).toBeInstanceOf(Error);
    expect(await refused(encryptPhone({ PHONE_ENCRYPTION_KEY: "short" }, PHONE))).toBeInstanceOf(Error);
  });
});
