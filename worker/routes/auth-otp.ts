/**
 * Sign-in with ID number + phone + one-time code, mounted at /api/v1/auth/otp.
 *
 *   POST /request {idNumber, phone}          → 202; the code goes by SMS (or the dev outbox)
 *   POST /verify  {idNumber, code, consent}  → 200 and the citizen session cookie
 *   GET  /dev/outbox                         → dev only (DEV_STAND_INS === "1"), else 404
 *
 * Throttles: per IP with RL_OTP_IP (request) and RL_SIGNIN_IP (verify); per citizen in the
 * citizen's ledger object (cooldown, 24-hour send cap, 5 wrong codes → 15-minute lockout). The
 * request's answer is the same whether or not the phone is the one on file for the ID number.
 * Nothing here logs or returns the ID number, the phone number or the code (except the dev
 * outbox, which exists only with DEV_STAND_INS === "1" and shows phones masked).
 */
import { Hono } from "hono";
import { z } from "zod";
import { readJson } from "../http/body";
import { orProblem, ProblemError } from "../http/problem";
import { clientIp, throttle } from "../http/rate-limit";
import { identityFromIdNumber } from "../identity/id-number";
import { startCitizenSession } from "../auth/session";
import { maskPhone, otpDelivery, otpDevOutbox, type OtpDeliveryEnv } from "../auth/otp-sms";
import { devOutbox, normalizeVietnameseMobile } from "../notify";
import { citizenLedger } from "../booking";
import { OTP_POLICY } from "../../durable/otp-rules";

export const authOtpRoutes = new Hono<{ Bindings: Env }>();

export const requestBody = z.strictObject({
  idNumber: z.string().max(64),
  phone: z.string().max(32),
});

export const verifyBody = z.strictObject({
  idNumber: z.string().max(64),
  code: z.string().regex(/^[0-9]{6}$/, "6 digits"),
  /** The personal-data policy version the citizen accepted on the sign-in page. */
  consent: z.string().min(1).max(64),
});

function deliveryEnv(env: Env): OtpDeliveryEnv {
  // The SMS settings are optional vars/secrets, not part of the generated Env type.
  return env as unknown as OtpDeliveryEnv;
}

authOtpRoutes.post("/request", async (c) => {
  await throttle(c.env.RL_OTP_IP, `otp:${clientIp(c)}`);
  const body = await readJson(c, requestBody);
  const identity = await identityFromIdNumber(c.env, body.idNumber, { acceptUnknownProvince: false });
  const phone = normalizeVietnameseMobile(body.phone);
  if (!phone) throw new ProblemError("phone_not_vietnamese_mobile");
  if (otpDelivery(deliveryEnv(c.env)) === null) throw new ProblemError("sms_unavailable", { retryAfterSeconds: 300 });

  const ledger = citizenLedger(c.env, identity.key);
  // During a key rotation the citizen's proven phone is in the ledger of a previous key: carry it
  // over first, so only that phone receives codes (trust on first use does not start again).
  for (const previousKey of identity.previousKeys) {
    const held = await citizenLedger(c.env, previousKey).storedPhone();
    if (held) {
      await ledger.adoptPhone(held);
      break;
    }
  }
  const sent = orProblem(await ledger.requestOtp(phone));
  if (sent.devSms && c.env.DEV_STAND_INS === "1") otpDevOutbox.add(sent.devSms);
  return c.json(
    {
      accepted: true,
      expiresInSeconds: OTP_POLICY.ttlMs / 1000,
      resendAfterSeconds: OTP_POLICY.resendCooldownMs / 1000,
      message: {
        vi: "Nếu số điện thoại này được dùng để nhận mã cho số định danh đã nhập, mã xác thực gồm 6 chữ số đã được gửi và có hiệu lực 5 phút. Nếu bạn đã đổi số điện thoại, vui lòng đăng nhập bằng VNeID.",
        en: "If this phone number may receive codes for the ID number entered, a 6-digit code was sent; it is valid for 5 minutes. If you changed your phone number, please sign in with VNeID.",
      },
    },
    202,
  );
});

authOtpRoutes.post("/verify", async (c) => {
  await throttle(c.env.RL_SIGNIN_IP, `signin:${clientIp(c)}`);
  const body = await readJson(c, verifyBody);
  const identity = await identityFromIdNumber(c.env, body.idNumber, { acceptUnknownProvince: false });
  // Refused before the code is looked at, so a missing consent never costs an attempt.
  if (body.consent !== c.env.PRIVACY_POLICY_VERSION) {
    throw new ProblemError("consent_required", { policyVersion: c.env.PRIVACY_POLICY_VERSION });
  }
  orProblem(await citizenLedger(c.env, identity.key).verifyOtp(body.code));
  await startCitizenSession(c, identity, "otp", body.consent);
  return c.json({ citizen: { masked: identity.masked }, via: "otp", policyVersion: body.consent });
});

/** What the dev stand-ins would have sent: the sign-in codes, and the notification SMS. */
authOtpRoutes.get("/dev/outbox", (c) => {
  if (c.env.DEV_STAND_INS !== "1") throw new ProblemError("not_found");
  const recent = [...otpDevOutbox.list()].reverse();
  const notifications = devOutbox.sms
    .messages()
    .slice(-50)
    .reverse()
    .map((m) => ({ id: m.notificationId, to: maskPhone(m.to), text: m.text, at: m.at }));
  return c.json({ otp: recent, sms: notifications });
});
