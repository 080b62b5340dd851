import { describe, expect, it } from "vitest";
import {
  DevOutboxSms,
  HttpSmsGateway,
  normalizeVietnameseMobile,
  stripVietnameseDiacritics,
} from "../../worker/notify/sms-gateway";
import { bodyText, capturingFetch, sampleNotification } from "./support";

const PHONE = "+84912345678";
const config = { url: "https://sms.example.vn/api/v1/send", apiKey: "test-api-key-123", brandname: "HCC HANOI" };

describe("HttpSmsGateway", () => {
  it("POSTs JSON with the API key header, recipient, text, brandname and the notification id", async () => {
    const { fetch, calls } = capturingFetch();
    const gateway = new HttpSmsGateway({ ...config, fetch });
    const n = sampleNotification("called", 3);

    await expect(gateway.send(n, { phone: PHONE })).resolves.toBe("sent");

    expect(calls).toHaveLength(1);
    const { request } = calls[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://sms.example.vn/api/v1/send");
    expect(request.headers.get("x-api-key")).toBe("test-api-key-123");
    expect(request.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(bodyText(calls[0]!))).toEqual({
      to: PHONE,
      text: "Moi cong dan co so thu tu A015 den quay so 3.",
      brandname: "HCC HANOI",
      clientMessageId: "cn01:2026-11-23:15:called",
      unicode: false,
    });
  });

  it("keeps the diacritics when the gateway route takes Unicode", async () => {
    const { fetch, calls } = capturingFetch();
    await new HttpSmsGateway({ ...config, unicode: true, fetch }).send(sampleNotification("near"), { phone: PHONE });
    const body = JSON.parse(bodyText(calls[0]!));
    expect(body.text).toBe("Sắp đến lượt số A015 của bạn. Vui lòng có mặt tại khu vực chờ.");
    expect(body.unicode).toBe(true);
  });

  it("throws on a non-2xx answer with the status and without the phone number", async () => {
    const { fetch } = capturingFetch(() => new Response(`{"error":"blocked ${PHONE}"}`, { status: 502 }));
    const gateway = new HttpSmsGateway({ ...config, fetch });
    const err = await gateway.send(sampleNotification(), { phone: PHONE }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toContain("502");
    expect(err?.message).not.toContain("912345678");
  });

  it("throws without the URL or number when the gateway cannot be reached", async () => {
    const gateway = new HttpSmsGateway({
      ...config,
      fetch: async () => {
        throw new TypeError(`connect failed to ${config.url} for ${PHONE}`);
      },
    });
    const err = await gateway.send(sampleNotification(), { phone: PHONE }).catch((e: Error) => e);
    expect(String(err)).toContain("unreachable");
    expect(String(err)).not.toContain("912345678");
    expect(String(err)).not.toContain("sms.example.vn");
  });

  it("refuses a number that is not a Vietnamese mobile in E.164, without echoing it", async () => {
    const { fetch, calls } = capturingFetch();
    const err = await new HttpSmsGateway({ ...config, fetch }).send(sampleNotification(), { phone: "0912345678" }).catch((e: Error) => e);
    expect(String(err)).not.toContain("0912345678");
    expect(calls).toHaveLength(0);
  });
});

describe("DevOutboxSms", () => {
  it("records what would have been sent, once per notification and number", async () => {
    const outbox = new DevOutboxSms({ brandname: "DEV", now: () => 42 });
    await outbox.send(sampleNotification("near"), { phone: PHONE });
    await outbox.send(sampleNotification("near"), { phone: PHONE }); // a retry
    await outbox.send(sampleNotification("called", 3), { phone: PHONE });
    expect(outbox.messages()).toEqual([
      { notificationId: "cn01:2026-11-23:15:near", to: PHONE, text: "Sap den luot so A015 cua ban. Vui long co mat tai khu vuc cho.", brandname: "DEV", at: 42 },
      { notificationId: "cn01:2026-11-23:15:called", to: PHONE, text: "Moi cong dan co so thu tu A015 den quay so 3.", brandname: "DEV", at: 42 },
    ]);
    outbox.clear();
    expect(outbox.messages()).toEqual([]);
  });
});

describe("phone numbers and texts", () => {
  it("normalizes Vietnamese mobile numbers to E.164", () => {
    for (const input of ["0912345678", "0912 345 678", "84912345678", "+84 912.345.678", "0084912345678"]) {
      expect(normalizeVietnameseMobile(input)).toBe("+84912345678");
    }
    expect(normalizeVietnameseMobile("0321234567")).toBe("+84321234567");
    for (const bad of ["", "091234567", "02439876543", "+1 415 555 0100", "0612345678", "abc"]) {
      expect(normalizeVietnameseMobile(bad)).toBeNull();
    }
  });

  it("strips Vietnamese diacritics including đ/Đ", () => {
    expect(stripVietnameseDiacritics("Đến quầy số 3, lượt của bạn")).toBe("Den quay so 3, luot cua ban");
  });

  it("every text fits one unaccented SMS segment", () => {
    for (const n of [sampleNotification("near"), sampleNotification("called", 12), sampleNotification("called", null)]) {
      expect(stripVietnameseDiacritics(n.textVi).length).toBeLessThanOrEqual(160);
    }
  });
});
