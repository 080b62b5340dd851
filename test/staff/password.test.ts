/**
 * Staff password hashing: PBKDF2-SHA256 at the production runtime's cap, the same bytes as
 * node:crypto (what the first-administrator script relies on), constant-time verification.
 */
import { describe, expect, it } from "vitest";
import {
  DECOY_HASH,
  DERIVED_BYTES,
  generatePassword,
  hashPassword,
  needsRehash,
  passwordProblem,
  PBKDF2_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  SALT_BYTES,
  verifyPassword,
} from "../../worker/staff/password";

const b64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

// node:crypto (nodejs_compat) without @types/node: the one function used, declared here.
declare const process: {
  getBuiltinModule(id: "node:crypto"): { pbkdf2Sync(password: Uint8Array, salt: Uint8Array, iterations: number, keylen: number, digest: string): Uint8Array };
};

describe("staff passwords", () => {
  it("use the highest PBKDF2 count Cloudflare's runtime accepts (100,000), a 16-byte salt, a 32-byte key", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    expect(PBKDF2_ITERATIONS).toBe(PBKDF2_MAX_ITERATIONS);
    const h = await hashPassword("một mật khẩu đủ dài");
    expect(h.iterations).toBe(100_000);
    expect(b64(h.salt).byteLength).toBe(SALT_BYTES);
    expect(b64(h.hash).byteLength).toBe(DERIVED_BYTES);
    // The local workerd has no cap (production has): refuse to create hashes production could not check.
    await expect(hashPassword("một mật khẩu đủ dài", 100_001)).rejects.toThrow(RangeError);
  });

  it("verify the right password only; every hash has its own salt", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false);
    expect(await verifyPassword("Correct horse battery staple", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  it("give exactly the bytes of node:crypto pbkdf2Sync (the admin script's hashes are interchangeable)", async () => {
    const h = await hashPassword("mật khẩu quản trị đầu tiên", 1_000);
    const { pbkdf2Sync } = process.getBuiltinModule("node:crypto");
    const expected = pbkdf2Sync(new TextEncoder().encode("mật khẩu quản trị đầu tiên".normalize("NFC")), b64(h.salt), 1_000, 32, "sha256");
    expect(h.hash).toBe(toB64(new Uint8Array(expected)));
  });

  it("treat composed and decomposed Vietnamese diacritics as the same password (NFC)", async () => {
    const composed = "Trần Thị Ánh 2026!".normalize("NFC");
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed, 1_000))).toBe(true);
  });

  it("never match a malformed row or one the runtime would refuse, without throwing", async () => {
    const good = await hashPassword("correct horse battery staple", 1_000);
    expect(await verifyPassword("correct horse battery staple", { ...good, salt: "%%%" })).toBe(false);
    expect(await verifyPassword("correct horse battery staple", { ...good, hash: good.hash.slice(0, 8) })).toBe(false);
    expect(await verifyPassword("correct horse battery staple", { ...good, iterations: 0 })).toBe(false);
    expect(await verifyPassword("correct horse battery staple", { ...good, iterations: 5_000_000 })).toBe(false);
    expect(await verifyPassword("anything", DECOY_HASH)).toBe(false);
  });

  it("flag older, cheaper hashes for rehashing at the next sign-in", async () => {
    expect(needsRehash({ hash: "", salt: "", iterations: 10_000 })).toBe(true);
    expect(needsRehash(await hashPassword("correct horse battery staple"))).toBe(false);
  });

  it("follow a length policy: 12 to 256 characters, not only spaces", () => {
    expect(passwordProblem("short")).toMatch(/at least 12/);
    expect(passwordProblem(" ".repeat(20))).toMatch(/spaces/);
    expect(passwordProblem("x".repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem("mười hai ký tự")).toBeNull();
    const generated = generatePassword();
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(passwordProblem(generated)).toBeNull();
  });
});
