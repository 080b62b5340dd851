/** The one-time code rules, pure, with a fake clock and a fake random source. */
import { describe, expect, it } from "vitest";
import {
  attemptOtp,
  checkIssue,
  EMPTY_OTP_STATE,
  isOtpCodeShape,
  issueOtp,
  OTP_POLICY,
  pruneOtpState,
  randomOtpCode,
  retryAfterSeconds,
  type OtpState,
} from "../../durable/otp-rules";

const T0 = Date.UTC(2026, 10, 23, 2, 0);
const MIN = 60_000;

function issued(at = T0): OtpState {
  return issueOtp(EMPTY_OTP_STATE, "c1", at);
}

describe("randomOtpCode", () => {
  it("gives 6 digits, zero-padded", () => {
    expect(randomOtpCode(6, (a) => ((a[0] = 42), a))).toBe("000042");
    for (let i = 0; i < 200; i++) expect(randomOtpCode()).toMatch(/^\d{6}$/);
  });

  it("rejects draws from the incomplete last block (no modulo bias)", () => {
    // 2^32 = 4294967296; the last complete block of 10^6 ends at 4294000000.
    const draws = [4_294_967_295, 4_294_000_000, 4_293_999_999];
    let i = 0;
    const code = randomOtpCode(6, (a) => ((a[0] = draws[i++]!), a));
    expect(i).toBe(3);
    expect(code).toBe("999999");
  });

  it("spreads codes evenly over the digits (a rough check of the real source)", () => {
    const firstDigit = new Array(10).fill(0);
    for (let i = 0; i < 5000; i++) firstDigit[Number(randomOtpCode()[0])]++;
    for (const n of firstDigit) expect(n).toBeGreaterThan(350);
  });

  it("recognises the shape a citizen may type", () => {
    expect(isOtpCodeShape("012345")).toBe(true);
    for (const bad of ["12345", "1234567", "12345a", " 12345", "١٢٣٤٥٦"]) expect(isOtpCodeShape(bad)).toBe(false);
  });
});

describe("issuing codes", () => {
  it("starts a 5-minute code", () => {
    const s = issued();
    expect(s.challenge).toEqual({ id: "c1", issuedAt: T0, expiresAt: T0 + 5 * MIN, wrongAttempts: 0 });
    expect(s.sends).toEqual([T0]);
  });

  it("waits 60 s between codes", () => {
    const s = issued();
    expect(checkIssue(s, T0 + 10_000)).toEqual({ ok: false, reason: "cooldown", retryAfterMs: 50_000 });
    expect(checkIssue(s, T0 + MIN)).toEqual({ ok: true });
  });

  it("sends at most 10 codes in any 24 hours", () => {
    let s: OtpState = EMPTY_OTP_STATE;
    for (let i = 0; i < 10; i++) {
      expect(checkIssue(s, T0 + i * MIN).ok).toBe(true);
      s = issueOtp(s, `c${i}`, T0 + i * MIN);
    }
    const at = T0 + 10 * MIN;
    expect(checkIssue(s, at)).toEqual({ ok: false, reason: "daily_limit", retryAfterMs: OTP_POLICY.sendWindowMs - 10 * MIN });
    expect(checkIssue(s, T0 + OTP_POLICY.sendWindowMs)).toEqual({ ok: true });
  });

  it("refuses while locked out", () => {
    const s: OtpState = { ...EMPTY_OTP_STATE, lockedUntil: T0 + 15 * MIN };
    expect(checkIssue(s, T0)).toEqual({ ok: false, reason: "locked", retryAfterMs: 15 * MIN });
    expect(checkIssue(s, T0 + 15 * MIN).ok).toBe(true);
  });
});

describe("attempts", () => {
  it("a right code verifies and is burned", () => {
    const r = attemptOtp(issued(), T0 + MIN, true);
    expect(r.outcome).toBe("verified");
    expect(r.state.challenge).toBeNull();
    expect(attemptOtp(r.state, T0 + MIN, true).outcome).toBe("no_code");
  });

  it("an expired code is no code, and a wrong guess at it is not counted", () => {
    const s = issued();
    expect(attemptOtp(s, T0 + 5 * MIN, true).outcome).toBe("no_code");
    expect(attemptOtp(s, T0 + 5 * MIN - 1, true).outcome).toBe("verified");
  });

  it("5 wrong codes burn the code and lock out for 15 minutes, whatever comes after", () => {
    let s = issued();
    for (let k = 1; k <= 4; k++) {
      const r = attemptOtp(s, T0 + k * 1000, false);
      expect(r).toMatchObject({ outcome: "wrong", attemptsLeft: 5 - k });
      s = r.state;
    }
    const fifth = attemptOtp(s, T0 + 5000, false);
    expect(fifth).toMatchObject({ outcome: "locked", retryAfterMs: 15 * MIN });
    expect(fifth.state.challenge).toBeNull();
    expect(fifth.state.lockedUntil).toBe(T0 + 5000 + 15 * MIN);
    // The right code is refused while locked.
    expect(attemptOtp(fifth.state, T0 + 6000, true)).toMatchObject({ outcome: "locked", retryAfterMs: 15 * MIN - 1000 });
    // After the lockout: no code is out; a new one can be requested.
    const later = T0 + 5000 + 15 * MIN;
    expect(attemptOtp(fifth.state, later, true).outcome).toBe("no_code");
    expect(checkIssue(fifth.state, later).ok).toBe(true);
  });

  it("a new code starts a new attempt count", () => {
    let s = issued();
    s = attemptOtp(s, T0 + 1000, false).state;
    s = issueOtp(s, "c2", T0 + MIN);
    expect(s.challenge).toMatchObject({ id: "c2", wrongAttempts: 0 });
  });
});

describe("pruning and waits", () => {
  it("drops an expired code, a lapsed lock and sends older than 24 hours", () => {
    const s: OtpState = { challenge: { id: "x", issuedAt: T0, expiresAt: T0 + 5 * MIN, wrongAttempts: 2 }, lockedUntil: T0 + MIN, sends: [T0 - OTP_POLICY.sendWindowMs, T0] };
    expect(pruneOtpState(s, T0 + 5 * MIN)).toEqual({ challenge: null, lockedUntil: null, sends: [T0] });
  });

  it("rounds waits up to whole seconds, at least 1", () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(60_000)).toBe(60);
    expect(retryAfterSeconds(60_001)).toBe(61);
  });
});
