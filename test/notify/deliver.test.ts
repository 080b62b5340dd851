import { afterEach, describe, expect, it, vi } from "vitest";
import { deliver, devOutbox, DEV_PLATFORM_WEBHOOK, notificationChannels } from "../../worker/notify/index";
import type { Notification, NotificationChannel, SendOutcome } from "../../worker/notify/types";
import { capturingFetch, sampleNotification } from "./support";

const PHONE = "+84912345678";
const ENDPOINT = "https://fcm.googleapis.com/fcm/send/fake-subscription-0123456789";

function stub<T>(name: "push" | "sms" | "webhook", behave: () => Promise<SendOutcome>) {
  const sent: Notification[] = [];
  const channel: NotificationChannel<T> = {
    name,
    async send(n) {
      sent.push(n);
      return behave();
    },
  };
  return { channel, sent };
}

afterEach(() => {
  vi.restoreAllMocks();
  devOutbox.clear();
});

describe("deliver", () => {
  it("one failing channel does not stop the others", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const push = stub("push", async () => {
      throw new Error("push: push service responded 500");
    });
    const sms = stub("sms", async () => "sent");
    const webhook = stub("webhook", async () => "sent");
    const n = sampleNotification("near");

    const report = await deliver(
      n,
      { push: { endpoint: ENDPOINT, keys: { p256dh: "x", auth: "y" } }, sms: { phone: PHONE }, webhook: { url: "https://p.example", secret: "s" } },
      { push: push.channel, sms: sms.channel, webhook: webhook.channel },
    );

    expect(report).toEqual({
      push: { status: "failed", reason: "push: push service responded 500" },
      sms: { status: "ok" },
      webhook: { status: "ok" },
    });
    expect(sms.sent).toEqual([n]);
    expect(webhook.sent).toEqual([n]);
    // The failure is logged with the notification id, never the recipient.
    const logged = warn.mock.calls.map((c) => c.join(" ")).join("\n");
    expect(logged).toContain(n.id);
    expect(logged).not.toContain(PHONE);
    expect(logged).not.toContain("fake-subscription");
  });

  it("a channel that hangs up synchronously or rejects with a non-Error still yields a result", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const bad: NotificationChannel<{ phone: string }> = {
      name: "sms",
      send() {
        throw "boom";
      },
    };
    const report = await deliver(sampleNotification(), { sms: { phone: PHONE } }, { push: null, sms: bad, webhook: null });
    expect(report).toEqual({ sms: { status: "failed", reason: "boom" } });
  });

  it("reports a gone push subscription, skips channels without a target, and marks unconfigured ones off", async () => {
    const push = stub("push", async () => "gone");
    const webhook = stub("webhook", async () => "sent");
    const report = await deliver(
      sampleNotification("called"),
      { push: { endpoint: ENDPOINT, keys: { p256dh: "x", auth: "y" } }, sms: { phone: PHONE }, webhook: null },
      { push: push.channel, sms: null, webhook: webhook.channel },
    );
    expect(report).toEqual({ push: { status: "gone" }, sms: { status: "off" } });
    expect(webhook.sent).toEqual([]);
  });
});

describe("notificationChannels", () => {
  it("turns every channel off when nothing is configured", () => {
    expect(notificationChannels({})).toEqual({ push: null, sms: null, webhook: null, platformWebhook: null, vapidPublicKey: null, problems: [] });
  });

  it("reports half a configuration by setting name only, and leaves the channel off", () => {
    const env = { SMS_GATEWAY_URL: "https://sms.example.vn/send", PLATFORM_WEBHOOK_SECRET: "super-secret-value-123", VAPID_PUBLIC_KEY: "BAAA" };
    const channels = notificationChannels(env);
    expect(channels.sms).toBeNull();
    expect(channels.webhook).toBeNull();
    expect(channels.push).toBeNull();
    expect(channels.problems).toHaveLength(3);
    expect(channels.problems.join("\n")).toContain("SMS_GATEWAY_API_KEY");
    expect(channels.problems.join("\n")).toContain("PLATFORM_WEBHOOK_URL");
    expect(channels.problems.join("\n")).not.toContain("super-secret-value-123");
  });

  it("refuses insecure URLs, short secrets and broken VAPID keys", () => {
    const channels = notificationChannels({
      SMS_GATEWAY_URL: "http://sms.example.vn/send",
      SMS_GATEWAY_API_KEY: "k",
      SMS_BRANDNAME: "HCC",
      PLATFORM_WEBHOOK_URL: "https://platform.example.vn/hook",
      PLATFORM_WEBHOOK_SECRET: "short",
      VAPID_PUBLIC_KEY: "BAAA",
      VAPID_PRIVATE_KEY: "AAAA",
      VAPID_SUBJECT: "mailto:a@b.vn",
    });
    expect([channels.sms, channels.webhook, channels.push]).toEqual([null, null, null]);
    expect(channels.problems).toHaveLength(3);
  });

  it("builds the real SMS and webhook adapters end to end through deliver()", async () => {
    const { fetch, calls } = capturingFetch(() => new Response("{}", { status: 200 }));
    const channels = notificationChannels(
      {
        SMS_GATEWAY_URL: "https://sms.example.vn/send",
        SMS_GATEWAY_API_KEY: "api-key",
        SMS_BRANDNAME: "HCC HANOI",
        PLATFORM_WEBHOOK_URL: "https://platform.example.vn/hook",
        PLATFORM_WEBHOOK_SECRET: "platform-secret-0123456789",
      },
      { fetch },
    );
    expect(channels.problems).toEqual([]);
    const report = await deliver(sampleNotification("called"), { sms: { phone: PHONE }, webhook: channels.platformWebhook }, channels);
    expect(report).toEqual({ sms: { status: "ok" }, webhook: { status: "ok" } });
    expect(calls.map((c) => c.request.url).sort()).toEqual(["https://platform.example.vn/hook", "https://sms.example.vn/send"]);
  });

  it("with NOTIFY_DEV_OUTBOX=1, unconfigured channels record into the dev outbox", async () => {
    const channels = notificationChannels({ NOTIFY_DEV_OUTBOX: "1" });
    expect(channels.platformWebhook).toEqual(DEV_PLATFORM_WEBHOOK);
    const report = await deliver(sampleNotification("near"), { sms: { phone: PHONE }, webhook: channels.platformWebhook }, channels);
    expect(report).toEqual({ sms: { status: "ok" }, webhook: { status: "ok" } });
    expect(devOutbox.sms.messages().map((m) => [m.to, m.notificationId])).toEqual([[PHONE, "cn01:2026-11-23:15:near"]]);
    expect(devOutbox.webhook.events().map((e) => e.notificationId)).toEqual(["cn01:2026-11-23:15:near"]);
  });
});
