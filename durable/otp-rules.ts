/**
 * One-time sign-in codes: the rules, pure (no storage, no Cloudflare imports, time passed in).
 * The citizen's ledger object keeps the state (durable/otp-store.ts) and applies these rules, so
 * they hold for a citizen across every Worker isolate and location.
 *
 * - a code is 6 digits, uniformly random (crypto.getRandomValues, rejection sampling: no modulo bias);
 * - it expires 5 minutes after it was sent; a successful verification burns it;
 * - 5 wrong attempts burn it and lock the citizen out of OTP (requesting and verifying) for 15 minutes;
 * - a new code can be requested 60 s after the previous one at the earliest;
 * - at most 10 codes in any 24 hours (a rolling window, so a burst at 23:59 is not followed by
 *   another at 00:01).
 *
 * A new code replaces the previous one (and its attempt count). Guessing is bounded by the send
 * cap: at most 10 codes × 5 attempts a day, each a 1-in-10⁶ chance.
 */

export interface OtpPolicy {
  digits: number;
  ttlMs: number;
  maxWrongAttempts: number;
  lockoutMs: number;
  resendCooldownMs: number;
  maxSendsPerWindow: number;
  sendWindowMs: number;
}

export const OTP_POLICY: OtpPolicy = {
  digits: 6,
  ttlMs: 5 * 60_000,
  maxWrongAttempts: 5,
  lockoutMs: 15 * 60_000,
  resendCooldownMs: 60_000,
  maxSendsPerWindow: 10,
  sendWindowMs: 24 * 3_600_000,
};

/** The code currently out (its hash is kept by the store, never by these rules). */
export interface OtpChallenge {
  id: string;
  issuedAt: number;
  expiresAt: number;
  wrongAttempts: number;
}

export interface OtpState {
  challenge: OtpChallenge | null;
  /** Epoch ms until which OTP is refused after too many wrong codes. */
  lockedUntil: number | null;
  /** When codes were sent, within the rolling window (ascending). */
  sends: readonly number[];
}

export const EMPTY_OTP_STATE: OtpState = { challenge: null, lockedUntil: null, sends: [] };

/** Forgets what no longer matters at `nowMs`: an expired code, a lapsed lock, old sends. */
export function pruneOtpState(state: OtpState, nowMs: number, policy: OtpPolicy = OTP_POLICY): OtpState {
  const challenge = state.challenge && state.challenge.expiresAt > nowMs ? state.challenge : null;
  const lockedUntil = state.lockedUntil !== null && state.lockedUntil > nowMs ? state.lockedUntil : null;
  const sends = state.sends.filter((t) => t > nowMs - policy.sendWindowMs);
  return { challenge, lockedUntil, sends };
}

export type IssueCheck =
  | { ok: true }
  | { ok: false; reason: "locked" | "cooldown" | "daily_limit"; retryAfterMs: number };

/** Whether a new code may be sent now, or why not and for how long. */
export function checkIssue(state: OtpState, nowMs: number, policy: OtpPolicy = OTP_POLICY): IssueCheck {
  const s = pruneOtpState(state, nowMs, policy);
  if (s.lockedUntil !== null) return { ok: false, reason: "locked", retryAfterMs: s.lockedUntil - nowMs };
  const last = s.sends.at(-1);
  if (last !== undefined && nowMs < last + policy.resendCooldownMs) {
    return { ok: false, reason: "cooldown", retryAfterMs: last + policy.resendCooldownMs - nowMs };
  }
  if (s.sends.length >= policy.maxSendsPerWindow) {
    // The window frees a slot when its oldest send leaves it.
    const oldest = s.sends[s.sends.length - policy.maxSendsPerWindow]!;
    return { ok: false, reason: "daily_limit", retryAfterMs: oldest + policy.sendWindowMs - nowMs };
  }
  return { ok: true };
}

/** The state after sending a new code (call only when `checkIssue` said ok). */
export function issueOtp(state: OtpState, challengeId: string, nowMs: number, policy: OtpPolicy = OTP_POLICY): OtpState {
  const s = pruneOtpState(state, nowMs, policy);
  return {
    challenge: { id: challengeId, issuedAt: nowMs, expiresAt: nowMs + policy.ttlMs, wrongAttempts: 0 },
    lockedUntil: s.lockedUntil,
    sends: [...s.sends, nowMs],
  };
}

export type AttemptResult =
  | { outcome: "verified"; state: OtpState }
  | { outcome: "wrong"; attemptsLeft: number; state: OtpState }
  | { outcome: "locked"; retryAfterMs: number; state: OtpState }
  /** No code is out (never sent, expired, burned). Not counted as a wrong attempt. */
  | { outcome: "no_code"; state: OtpState };

/**
 * Judges one attempt. `matches` is the constant-time comparison of the given code's hash with the
 * stored one (false when there is no code). A lock wins over a right code.
 */
export function attemptOtp(state: OtpState, nowMs: number, matches: boolean, policy: OtpPolicy = OTP_POLICY): AttemptResult {
  const s = pruneOtpState(state, nowMs, policy);
  if (s.lockedUntil !== null) return { outcome: "locked", retryAfterMs: s.lockedUntil - nowMs, state: s };
  if (s.challenge === null) return { outcome: "no_code", state: s };
  // A successful verification burns the code.
  if (matches) return { outcome: "verified", state: { ...s, challenge: null } };
  const wrongAttempts = s.challenge.wrongAttempts + 1;
  if (wrongAttempts >= policy.maxWrongAttempts) {
    // Brute force: the code is burned and the citizen locked out.
    const lockedUntil = nowMs + policy.lockoutMs;
    return { outcome: "locked", retryAfterMs: policy.lockoutMs, state: { ...s, challenge: null, lockedUntil } };
  }
  return {
    outcome: "wrong",
    attemptsLeft: policy.maxWrongAttempts - wrongAttempts,
    state: { ...s, challenge: { ...s.challenge, wrongAttempts } },
  };
}

/** Whole seconds to wait, never 0 for a wait that is not over. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * A uniformly random code of `digits` decimal digits. A 32-bit draw is rejected when it falls in
 * the incomplete last block of 10^digits (rejection sampling), so every code is equally likely.
 */
export function randomOtpCode(digits = OTP_POLICY.digits, fill: (a: Uint32Array) => Uint32Array = (a) => crypto.getRandomValues(a)): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 9) throw new Error("otp: 1 to 9 digits");
  const space = 10 ** digits;
  const limit = Math.floor(0x1_0000_0000 / space) * space;
  const draw = new Uint32Array(1);
  for (;;) {
    const x = fill(draw)[0]!;
    if (x < limit) return String(x % space).padStart(digits, "0");
  }
}

/** A code as a citizen may type it: exactly `digits` ASCII digits. */
export function isOtpCodeShape(code: string, digits = OTP_POLICY.digits): boolean {
  return code.length === digits && /^[0-9]+$/.test(code);
}
