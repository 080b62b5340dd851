/**
 * The sign-in code's SMS: its text, how it leaves (the brandname-SMS gateway, or locally a dev
 * outbox), and that outbox.
 *
 * Delivery, decided by configuration (same settings as notifications, worker/notify/index.ts):
 * - SMS_GATEWAY_URL + SMS_GATEWAY_API_KEY + SMS_BRANDNAME set → HttpSmsGateway. The citizen's
 *   ledger object sends it, so the code leaves the object only towards the gateway.
 * - otherwise, only when DEV_STAND_INS === "1" → the dev outbox. The ledger then hands the code
 *   back to the Worker, which keeps it in this isolate's memory for GET /api/v1/auth/otp/dev/outbox.
 *   It lives in the Worker (not in the Durable Object) because under `wrangler dev` the objects
 *   need not share module memory with the Worker that answers the developer's GET, and storing
 *   the code in the object's SQLite would put a code in clear at rest.
 * - neither → no way to send: sign-in by OTP answers 503 sms_unavailable.
 */
import { HttpSmsGateway, notificationChannels, type FetchLike, type Notification, type NotifyEnv } from "../notify";

export type OtpDeliveryEnv = NotifyEnv & { DEV_STAND_INS?: string };

/** The SMS a citizen receives (Vietnamese; the gateway sends it without diacritics unless set to Unicode). */
export function otpSmsTextVi(code: string): string {
  return `Mã xác thực sothutu của bạn là ${code}. Mã có hiệu lực 5 phút. Không chia sẻ mã này.`;
}

export function otpSmsTextEn(code: string): string {
  return `Your sothutu verification code is ${code}. It is valid for 5 minutes. Do not share this code.`;
}

/**
 * The code's SMS in the notification shape the SMS channels take. SMS channels read only `id`
 * (the gateway's clientMessageId: "otp:<challenge id>", no personal data) and the texts; the
 * ticket fields are empty because no ticket is involved.
 */
export function otpSmsNotification(challengeId: string, code: string, at: number): Notification {
  return {
    id: `otp:${challengeId}`,
    ticketId: "",
    branchId: "",
    serviceDate: "",
    kind: "near",
    label: "",
    counterNumber: null,
    textVi: otpSmsTextVi(code),
    textEn: otpSmsTextEn(code),
    at,
  };
}

/** The configured gateway, or null (not configured, or configured wrongly: see notificationChannels' problems). */
export function otpSmsGateway(env: OtpDeliveryEnv, deps: { fetch?: FetchLike } = {}): HttpSmsGateway | null {
  // Only the SMS settings: NOTIFY_DEV_OUTBOX must not turn the notification stand-in into the OTP route.
  const { SMS_GATEWAY_URL, SMS_GATEWAY_API_KEY, SMS_BRANDNAME } = env;
  const sms = notificationChannels({ SMS_GATEWAY_URL, SMS_GATEWAY_API_KEY, SMS_BRANDNAME }, deps).sms;
  return sms instanceof HttpSmsGateway ? sms : null;
}

export type OtpDelivery = "gateway" | "dev" | null;

/** How a code would leave now. */
export function otpDelivery(env: OtpDeliveryEnv): OtpDelivery {
  if (otpSmsGateway(env)) return "gateway";
  return env.DEV_STAND_INS === "1" ? "dev" : null;
}

/** "+84912345678" → "+84912***678": enough for a developer to tell test phones apart. */
export function maskPhone(e164: string): string {
  return e164.length >= 10 ? `${e164.slice(0, 6)}***${e164.slice(-3)}` : "***";
}

export interface DevOtpSms {
  /** "otp:<challenge id>" */
  id: string;
  /** Masked phone, e.g. "+84912***678". */
  to: string;
  /** The SMS text, as the citizen would read it. */
  text: string;
  code: string;
  at: number;
}

const DEV_OUTBOX_CAPACITY = 100;

/** The OTP SMS that would have been sent (dev only, in this Worker isolate's memory, newest last). */
export const otpDevOutbox = {
  messages: [] as DevOtpSms[],
  add(m: DevOtpSms): void {
    this.messages.push(m);
    if (this.messages.length > DEV_OUTBOX_CAPACITY) this.messages.splice(0, this.messages.length - DEV_OUTBOX_CAPACITY);
  },
  list(): readonly DevOtpSms[] {
    return [...this.messages];
  },
  clear(): void {
    this.messages.length = 0;
  },
};
