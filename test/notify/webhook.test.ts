import { describe, expect, it } from "vitest";
import {
  DevOutboxWebhook,
  PlatformWebhook,
  signWebhookBody,
  verifyWebhookSignature,
} from "../../worker/notify/webhook";
import { bodyText, capturingFetch, sampleNotification } from "./support";

const target = { url: "https://platform.example.vn/hooks/sothutu", secret: "platform-shared-secret-0123456789" };
const NOW_MS = Date.UTC(2026, 10, 23, 2, 16, 5);
const NOW_S = Math.floor(NOW_MS / 1000);

describe("PlatformWebhook", () => {
  it("POSTs the event as JSON, with the event id and a signature the receiver can verify", async () => {
    const { fetch, calls } = capturingFetch(() => new Response(null, { status: 204 }));
    const channel = new PlatformWebhook({ fetch, now: () => NOW_MS });
    await expect(channel.send(sampleNotification("called", 3), target)).resolves.toBe("sent");

    const { request } = calls[0]!;
    const body = bodyText(calls[0]!);
    expect(request.method).toBe("POST");
    expect(request.url).toBe(target.url);
    expect(request.headers.get("content-type")).toMatch(/^application\/json/);
    expect(request.headers.get("x-sothutu-event-id")).toBe("cn01:2026-11-23:15:called");
    const signature = request.headers.get("x-sothutu-signature")!;
    expect(signature).toMatch(new RegExp(`^t=${NOW_S},v1=[0-9a-f]{64}$`));
    expect(JSON.parse(body)).toEqual({
      id: "cn01:2026-11-23:15:called",
      type: "ticket.called",
      occurredAt: "2026-11-23T02:15:00.000Z",
      data: {
        ticketId: "cn01:2026-11-23:15",
        branchId: "cn01",
        serviceDate: "2026-11-23",
        label: "A015",
        counterNumber: 3,
        textVi: "Mời công dân có số thứ tự A015 đến quầy số 3.",
        textEn: "Number A015, please go to counter 3.",
      },
    });
    expect(await verifyWebhookSignature(target.secret, signature, body, NOW_S)).toBe(true);
  });

  it("throws with the status on a non-2xx answer", async () => {
    const { fetch } = capturingFetch(() => new Response("nope", { status: 503 }));
    await expect(new PlatformWebhook({ fetch }).send(sampleNotification(), target)).rejects.toThrow("503");
  });

  it("the dev stand-in keeps the signed event instead of sending it", async () => {
    const dev = new DevOutboxWebhook({ now: () => NOW_MS });
    await dev.send(sampleNotification("near"), target);
    const [event] = dev.events();
    expect(event!.notificationId).toBe("cn01:2026-11-23:15:near");
    expect(JSON.parse(event!.body).type).toBe("ticket.near");
    expect(await verifyWebhookSignature(target.secret, event!.signature, event!.body, NOW_S)).toBe(true);
  });
});

describe("verifyWebhookSignature", () => {
  const body = JSON.stringify({ id: "x:near", type: "ticket.near" });

  it("matches an independent HMAC-SHA256 over `<t>.<body>` in hex", async () => {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`1700000000.${body}`)));
    const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await signWebhookBody("k", body, 1700000000)).toBe(`t=1700000000,v1=${hex}`);
  });

  it("accepts the genuine signature within the tolerance, either side", async () => {
    const header = await signWebhookBody(target.secret, body, NOW_S);
    expect(await verifyWebhookSignature(target.secret, header, body, NOW_S + 300)).toBe(true);
    expect(await verifyWebhookSignature(target.secret, header, body, NOW_S - 300)).toBe(true);
  });

  it("rejects a tampered body, a wrong secret, an old or future timestamp", async () => {
    const header = await signWebhookBody(target.secret, body, NOW_S);
    expect(await verifyWebhookSignature(target.secret, header, body.replace("near", "called"), NOW_S)).toBe(false);
    expect(await verifyWebhookSignature(target.secret, header, `${body} `, NOW_S)).toBe(false);
    expect(await verifyWebhookSignature("another-secret-0123456789", header, body, NOW_S)).toBe(false);
    expect(await verifyWebhookSignature(target.secret, header, body, NOW_S + 301)).toBe(false);
    expect(await verifyWebhookSignature(target.secret, header, body, NOW_S - 3600)).toBe(false);
    expect(await verifyWebhookSignature(target.secret, header, body, NOW_S + 30, 10)).toBe(false);
  });

  it("rejects a re-timestamped replay and malformed headers", async () => {
    const header = await signWebhookBody(target.secret, body, NOW_S - 3600);
    const replay = header.replace(/^t=\d+/, `t=${NOW_S}`);
    expect(await verifyWebhookSignature(target.secret, replay, body, NOW_S)).toBe(false);
    for (const bad of [null, "", "v1=abcd", `t=${NOW_S}`, `t=${NOW_S},v1=zz`, `t=abc,v1=${"0".repeat(64)}`]) {
      expect(await verifyWebhookSignature(target.secret, bad, body, NOW_S)).toBe(false);
    }
  });

  it("accepts when one of several v1 signatures matches (secret rotation)", async () => {
    const header = await signWebhookBody(target.secret, body, NOW_S);
    const old = (await signWebhookBody("old-secret-0123456789", body, NOW_S)).split(",")[1];
    expect(await verifyWebhookSignature(target.secret, `${header}, ${old}`, body, NOW_S)).toBe(true);
  });
});
