/**
 * Sign-in codes and the citizen's phone, inside the citizen's ledger object (one per citizen, so
 * the attempt counts, lockout, cooldown and send cap hold across every Worker isolate). The ledger
 * exposes it through thin RPC methods (requestOtp, verifyOtp, contactPhone, forgetContactData).
 *
 * The phone. The first phone a citizen proves (verifies a code sent to it) becomes the citizen's
 * phone, stored encrypted (worker/privacy/phone-crypto.ts), for codes and "your turn is near"
 * messages. While it is held, a code requested with another number is not sent anywhere (the
 * answer is the same, so nobody learns which number is on file): knowing someone's ID number is
 * not enough to sign in as them with one's own phone. A citizen who changed numbers signs in with
 * VNeID or asks for deletion, or waits for the retention below. (Without the national registry of
 * subscriber identities, the very first binding is trust on first use: reception still checks
 * the chip card before serving a number.)
 *
 * Retention: the phone is deleted 30 days after its last use (a code sent to it or verified, a
 * notification sent). The ledger's alarm runs `housekeeping()` at the earliest due time (a code's
 * expiry, the phone's retention end); every read also checks retention first, so a late alarm
 * never lets an expired phone be used. A code's hash and its pending phone are erased when the
 * code expires, is burned or verified.
 */
import { now } from "../shared/clock";
import { refuse, type Outcome } from "../shared/problems";
import { hashOtpCode, sameOtpHash } from "../worker/auth/otp-hash";
import { maskPhone, otpSmsGateway, otpSmsNotification, type DevOtpSms, type OtpDeliveryEnv } from "../worker/auth/otp-sms";
import { normalizeVietnameseMobile, type FetchLike } from "../worker/notify";
import { decryptPhone, encryptPhone, isCurrentPhoneKey, type PhoneCryptoEnv } from "../worker/privacy/phone-crypto";
import { attemptOtp, checkIssue, isOtpCodeShape, issueOtp, OTP_POLICY, pruneOtpState, randomOtpCode, retryAfterSeconds, type IssueCheck } from "./otp-rules";
import { OtpStore, PhoneStore, type StoredOtp, type StoredPhone } from "./otp-store";

/** The citizen's phone is deleted after this long without use. */
export const PHONE_RETENTION_MS = 30 * 24 * 3_600_000;

export type CitizenOtpEnv = OtpDeliveryEnv & PhoneCryptoEnv & { SESSION_SECRET: string };

export type OtpRequestOutcome = Outcome<{
  expiresAt: number;
  /** The earliest time another code may be requested. */
  resendAt: number;
  /** Only when DEV_STAND_INS === "1" and no gateway is configured: what would have been sent. */
  devSms: DevOtpSms | null;
}>;

export type OtpVerifyOutcome = Outcome<{ verified: true }>;

const ISSUE_REFUSAL = { locked: "otp_locked", cooldown: "otp_resend_too_soon", daily_limit: "otp_daily_limit" } as const;

export class CitizenOtp {
  private readonly codes: OtpStore;
  private readonly phones: PhoneStore;

  /**
   * `onNextDue` is told when housekeeping is next due (null: nothing to do); the ledger sets its
   * alarm timer from it. `deps.fetch` is for tests of the gateway request.
   */
  constructor(
    storage: DurableObjectStorage,
    private readonly env: CitizenOtpEnv,
    private readonly onNextDue: (dueAtMs: number | null) => void,
    private readonly deps: { fetch?: FetchLike } = {},
  ) {
    this.codes = new OtpStore(storage);
    this.phones = new PhoneStore(storage);
  }

  /** Sends a new code to `phoneInput` (any usual spelling of a Vietnamese mobile number). */
  async request(phoneInput: string): Promise<OtpRequestOutcome> {
    const phone = typeof phoneInput === "string" ? normalizeVietnameseMobile(phoneInput) : null;
    if (!phone) return refuse("phone_not_vietnamese_mobile");
    const gateway = otpSmsGateway(this.env, this.deps);
    if (!gateway && this.env.DEV_STAND_INS !== "1") return refuse("sms_unavailable", { retryAfterSeconds: 300 });

    // Fail fast without spending work; judged again below, after the awaits.
    const early = checkIssue(this.codes.load(), now());
    if (!early.ok) return issueRefusal(early);

    // Everything asynchronous first; the decision and the write below run without an await,
    // so two requests for the same citizen cannot both pass the cooldown.
    const held = this.heldPhone(now());
    const heldPhone = held ? await this.decryptOrForget(held.blob) : null;
    const challengeId = crypto.randomUUID();
    const code = randomOtpCode(OTP_POLICY.digits);
    const codeHash = await hashOtpCode(this.env.SESSION_SECRET, challengeId, code);
    const phoneBlob = await encryptPhone(this.env, phone);

    const t = now();
    const stored = this.codes.load();
    const check = checkIssue(stored, t);
    if (!check.ok) return issueRefusal(check);
    const heldNow = this.heldPhone(t);
    const sameHolding = (heldNow?.blob ?? null) === (held?.blob ?? null);
    // Send only to the citizen's own phone when one is held; the first proven phone becomes it.
    const deliver = sameHolding && (heldPhone === null || heldPhone === phone);
    const next = issueOtp(stored, challengeId, t);
    this.codes.save({ ...next, codeHash, pendingPhone: deliver && heldPhone === null ? phoneBlob : null });
    if (deliver && heldPhone !== null) this.phones.touch(t);
    this.scheduleNext();

    const result = { ok: true as const, expiresAt: t + OTP_POLICY.ttlMs, resendAt: t + OTP_POLICY.resendCooldownMs, devSms: null as DevOtpSms | null };
    if (!deliver) return result;
    const sms = otpSmsNotification(challengeId, code, t);
    if (!gateway) {
      return { ...result, devSms: { id: sms.id, to: maskPhone(phone), text: sms.textVi, code, at: t } };
    }
    try {
      await gateway.send(sms, { phone });
    } catch (e) {
      // Adapter errors name the status only, never the recipient or the text.
      console.warn(`otp: sms gateway failed: ${e instanceof Error ? e.message : "error"}`);
      this.undoIssue(challengeId, t);
      return refuse("sms_unavailable", { retryAfterSeconds: 30 });
    }
    return result;
  }

  /** Checks a code; a right one burns it and makes the phone it went to the citizen's phone. */
  async verify(code: string): Promise<OtpVerifyOutcome> {
    if (typeof code !== "string" || !isOtpCodeShape(code)) return refuse("invalid_request");
    for (let tries = 0; tries < 3; tries++) {
      const challengeId = this.codes.load().challenge?.id ?? null;
      const given = challengeId === null ? null : await hashOtpCode(this.env.SESSION_SECRET, challengeId, code);
      // From here on, no await: judge and record the attempt atomically.
      const t = now();
      const stored = this.codes.load();
      // A new code was issued while hashing: hash again against it.
      if ((stored.challenge?.id ?? null) !== challengeId) continue;
      const matches = given !== null && stored.codeHash !== null && sameOtpHash(given, stored.codeHash);
      const judged = attemptOtp(stored, t, matches);
      this.codes.save({ ...stored, ...judged.state });
      if (judged.outcome === "verified") {
        this.enforceRetention(t);
        if (stored.pendingPhone !== null) this.phones.set(stored.pendingPhone, t);
        else this.phones.touch(t);
      }
      this.scheduleNext();
      switch (judged.outcome) {
        case "verified":
          return { ok: true, verified: true };
        case "wrong":
          return refuse("otp_code_invalid", { attemptsLeft: judged.attemptsLeft });
        case "locked":
          return refuse("otp_locked", { retryAfterSeconds: retryAfterSeconds(judged.retryAfterMs) });
        case "no_code":
          return refuse("otp_code_expired");
      }
    }
    return refuse("overloaded", { retryAfterSeconds: 1 });
  }

  /**
   * The citizen's phone for a notification (E.164), or null. Counts as a use (retention starts
   * again) and moves a blob made with a retired key to the current one.
   */
  async contactPhone(): Promise<string | null> {
    const t = now();
    const held = this.heldPhone(t);
    if (!held) return null;
    const phone = await this.decryptOrForget(held.blob);
    if (phone === null) return null;
    if (!(await isCurrentPhoneKey(this.env, held.blob))) this.phones.set(await encryptPhone(this.env, phone), t);
    else this.phones.touch(t);
    this.scheduleNext();
    return phone;
  }

  /**
   * The held phone as stored (ciphertext and last use), for a key rotation to carry it to the
   * citizen's ledger under the new key. Not a use.
   */
  storedPhone(): StoredPhone | null {
    return this.heldPhone(now());
  }

  /**
   * Takes the phone of the citizen's ledger under a previous key, unless one is held here:
   * without it, a rotation would let anyone who knows an ID number bind their own phone again
   * (and, through the previous keys, reach the numbers booked before the rotation).
   */
  adoptPhone(held: StoredPhone): void {
    const t = now();
    if (this.heldPhone(t) !== null || held.lastUsedAt + PHONE_RETENTION_MS <= t) return;
    this.phones.set(held.blob, held.lastUsedAt);
    this.scheduleNext();
  }

  /** Whether a phone is held (retention enforced first). Not a use; never the number. */
  hasPhone(): boolean {
    return this.heldPhone(now()) !== null;
  }

  /** Deletes the phone and all OTP state (a citizen's deletion request). */
  forget(): void {
    this.phones.delete();
    this.codes.clear();
    this.onNextDue(null);
  }

  /**
   * Erases what has expired (a code's hash and pending phone, a phone past retention) and tells
   * when to run next. The ledger's alarm calls it.
   */
  housekeeping(): void {
    const t = now();
    this.enforceRetention(t);
    const stored = this.codes.load();
    if (stored.challenge !== null && stored.challenge.expiresAt <= t) this.codes.save({ ...stored, ...pruneOtpState(stored, t) });
    this.scheduleNext();
  }

  /** When housekeeping is next due (null: nothing held that expires). */
  nextDue(): number | null {
    const due: number[] = [];
    const challenge = this.codes.load().challenge;
    if (challenge) due.push(challenge.expiresAt);
    const held = this.phones.get();
    if (held) due.push(held.lastUsedAt + PHONE_RETENTION_MS);
    return due.length ? Math.min(...due) : null;
  }

  private scheduleNext(): void {
    this.onNextDue(this.nextDue());
  }

  /** The held phone unless retention has passed (then it is deleted here and now). */
  private heldPhone(t: number) {
    this.enforceRetention(t);
    return this.phones.get();
  }

  private enforceRetention(t: number): void {
    const held = this.phones.get();
    if (held && held.lastUsedAt + PHONE_RETENTION_MS <= t) this.phones.delete();
  }

  /** A blob that no configured key opens (its key was dropped) is useless: delete it. */
  private async decryptOrForget(blob: string): Promise<string | null> {
    try {
      return await decryptPhone(this.env, blob);
    } catch {
      if (this.phones.get()?.blob === blob) this.phones.delete();
      return null;
    }
  }

  /** The gateway refused: the code never left, so it neither counts nor blocks a retry. */
  private undoIssue(challengeId: string, sentAt: number): void {
    const stored: StoredOtp = this.codes.load();
    if (stored.challenge?.id !== challengeId) return;
    const sends = [...stored.sends];
    const i = sends.lastIndexOf(sentAt);
    if (i >= 0) sends.splice(i, 1);
    this.codes.save({ ...stored, challenge: null, codeHash: null, pendingPhone: null, sends });
    this.scheduleNext();
  }
}

function issueRefusal(check: Extract<IssueCheck, { ok: false }>) {
  return refuse(ISSUE_REFUSAL[check.reason], { retryAfterSeconds: retryAfterSeconds(check.retryAfterMs) });
}
