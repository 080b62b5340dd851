/**
 * SMS through an HTTP gateway, the JSON-over-HTTPS kind Vietnamese brandname-SMS providers offer:
 *
 *   POST <SMS_GATEWAY_URL>
 *   X-API-Key: <SMS_GATEWAY_API_KEY>
 *   Content-Type: application/json
 *   { "to": "+84912345678", "text": "...", "brandname": "<SMS_BRANDNAME>",
 *     "clientMessageId": "<notification id>", "unicode": false }
 *
 * `clientMessageId` is the notification id, so a retried send is de-duplicated by the gateway.
 * Any 2xx means accepted. A provider whose API differs (field names, a result code inside a 200)
 * gets its own small adapter with the same `NotificationChannel<SmsTarget>` shape.
 *
 * Text: the Vietnamese text only (SMS are paid per segment), without diacritics by default:
 * brandname routes commonly bill or refuse Unicode, and an unaccented text fits in one 160-character
 * segment where a Unicode one is cut at 70. `unicode: true` keeps the diacritics.
 */
import type { FetchLike, Notification, NotificationChannel, SendOutcome, SmsTarget } from "./types";

/** Vietnamese mobile numbers: +84 then 3/5/7/8/9 and 8 more digits (10-digit 0xx numbers since 2018). */
const VN_MOBILE_E164 = /^\+84[35789]\d{8}$/;

/**
 * A phone number as people write it ("0912 345 678", "84912345678", "+84 912.345.678") in
 * E.164 ("+84912345678"), or null when it is not a Vietnamese mobile number.
 */
export function normalizeVietnameseMobile(input: string): string | null {
  const compact = input.replace(/[\s.\-()]/g, "");
  let national: string;
  if (/^\+84\d+$/.test(compact)) national = compact.slice(3);
  else if (/^0084\d+$/.test(compact)) national = compact.slice(4);
  else if (/^84\d{9}$/.test(compact)) national = compact.slice(2);
  else if (/^0\d{9}$/.test(compact)) national = compact.slice(1);
  else return null;
  const e164 = `+84${national}`;
  return VN_MOBILE_E164.test(e164) ? e164 : null;
}

export function isVietnameseMobileE164(phone: string): boolean {
  return VN_MOBILE_E164.test(phone);
}

/** "Mời công dân có số thứ tự A015 đến quầy số 3." → "Moi cong dan co so thu tu A015 den quay so 3." */
export function stripVietnameseDiacritics(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D");
}

export interface SmsGatewayConfig {
  url: string;
  apiKey: string;
  /** The registered sender name shown on the phone. */
  brandname: string;
  /** Keep Vietnamese diacritics (Unicode SMS). Default false. */
  unicode?: boolean;
  fetch?: FetchLike;
  /** Give up on a gateway that does not answer. Default 10 s. */
  timeoutMs?: number;
}

/** The text an SMS carries for a notification. */
export function smsText(n: Notification, unicode: boolean): string {
  return unicode ? n.textVi : stripVietnameseDiacritics(n.textVi);
}

export class HttpSmsGateway implements NotificationChannel<SmsTarget> {
  readonly name = "sms" as const;
  readonly #config: SmsGatewayConfig;
  readonly #fetch: FetchLike;

  constructor(config: SmsGatewayConfig) {
    this.#config = config;
    this.#fetch = config.fetch ?? ((req) => fetch(req));
  }

  async send(n: Notification, target: SmsTarget): Promise<SendOutcome> {
    if (!isVietnameseMobileE164(target.phone)) throw new Error("sms: not a Vietnamese mobile number in E.164");
    const unicode = this.#config.unicode ?? false;
    const request = new Request(this.#config.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        Accept: "application/json",
        "X-API-Key": this.#config.apiKey,
      },
      body: JSON.stringify({
        to: target.phone,
        text: smsText(n, unicode),
        brandname: this.#config.brandname,
        clientMessageId: n.id,
        unicode,
      }),
      signal: AbortSignal.timeout(this.#config.timeoutMs ?? 10_000),
    });
    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (e) {
      // The gateway's URL and the recipient stay out of the message.
      throw new Error(`sms: gateway unreachable (${e instanceof Error ? e.name : "error"})`);
    }
    // The body is not read into errors: gateways echo the recipient in it.
    await response.body?.cancel();
    if (!response.ok) throw new Error(`sms: gateway responded ${response.status}`);
    return "sent";
  }
}

export interface DevSms {
  notificationId: string;
  to: string;
  text: string;
  brandname: string;
  at: number;
}

/**
 * Local stand-in for the gateway: keeps the messages it would have sent in memory (the most
 * recent `capacity`), readable with `messages()`. Sends nothing, logs nothing about the recipient.
 */
export class DevOutboxSms implements NotificationChannel<SmsTarget> {
  readonly name = "sms" as const;
  readonly #messages: DevSms[] = [];
  readonly options: { brandname?: string; unicode?: boolean; capacity?: number; now?: () => number };

  constructor(options: { brandname?: string; unicode?: boolean; capacity?: number; now?: () => number } = {}) {
    this.options = options;
  }

  async send(n: Notification, target: SmsTarget): Promise<SendOutcome> {
    if (!isVietnameseMobileE164(target.phone)) throw new Error("sms: not a Vietnamese mobile number in E.164");
    // Same de-duplication as a gateway given the same client message id.
    if (this.#messages.some((m) => m.notificationId === n.id && m.to === target.phone)) return "sent";
    this.#messages.push({
      notificationId: n.id,
      to: target.phone,
      text: smsText(n, this.options.unicode ?? false),
      brandname: this.options.brandname ?? "SOTHUTU",
      at: (this.options.now ?? Date.now)(),
    });
    const capacity = this.options.capacity ?? 500;
    if (this.#messages.length > capacity) this.#messages.splice(0, this.#messages.length - capacity);
    return "sent";
  }

  messages(): readonly DevSms[] {
    return [...this.#messages];
  }

  clear(): void {
    this.#messages.length = 0;
  }
}
