import { beforeAll, describe, expect, it } from "vitest";
import type { PushTarget } from "../../worker/notify/types";
import {
  DevOutboxPush,
  isKnownPushService,
  pushPayload,
  vapidConfigProblem,
  WebPushChannel,
  type VapidConfig,
} from "../../worker/notify/web-push";
import { capturingFetch, sampleNotification, TICKET_ID } from "./support";

const ENDPOINT = "https://fcm.googleapis.com/fcm/send/fake-subscription-0123456789";

function b64url(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...u8)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function unb64url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};

/** The browser's side of a subscription: an ECDH P-256 key pair and a 16-byte auth secret. */
interface FakeBrowser {
  target: PushTarget;
  privateKey: CryptoKey;
  publicRaw: Uint8Array;
  auth: Uint8Array;
}
async function fakeBrowser(endpoint = ENDPOINT): Promise<FakeBrowser> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicRaw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { target: { endpoint, keys: { p256dh: b64url(publicRaw), auth: b64url(auth) } }, privateKey: pair.privateKey, publicRaw, auth };
}

async function vapidKeys(): Promise<VapidConfig & { verifyKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicRaw = (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { publicKey: b64url(publicRaw), privateKey: jwk.d!, subject: "mailto:hcc@hanoi.gov.vn", verifyKey: pair.publicKey };
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8));
}

/** RFC 8291 §3 / RFC 8188 §2, as the browser decrypts: written from the RFCs, not the library. */
async function decryptAes128gcm(body: Uint8Array, browser: FakeBrowser): Promise<{ plaintext: string; recordSize: number }> {
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idLength = body[20]!;
  const asPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  expect(idLength).toBe(65);
  expect(ciphertext.length).toBeLessThanOrEqual(recordSize); // a single record

  const asKey = await crypto.subtle.importKey("raw", asPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  // workerd's types spell the member `$public`; the runtime takes the standard `public`.
  const ecdh = { name: "ECDH", public: asKey } as unknown as SubtleCryptoDeriveKeyAlgorithm;
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits(ecdh, browser.privateKey, 256));
  const ikm = await hkdf(browser.auth, ecdhSecret, concat(utf8("WebPush: info\0"), browser.publicRaw, asPublic), 32);
  const cek = await hkdf(salt, ikm, utf8("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, utf8("Content-Encoding: nonce\0"), 12);
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, aes, ciphertext));
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  expect(padded[end]).toBe(0x02); // last-record delimiter
  return { plaintext: new TextDecoder().decode(padded.slice(0, end)), recordSize };
}

let vapid: VapidConfig & { verifyKey: CryptoKey };
beforeAll(async () => {
  vapid = await vapidKeys();
});
const config = (): VapidConfig => ({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: vapid.subject });

describe("WebPushChannel: the request to the push service", () => {
  it("sends an aes128gcm body with VAPID, TTL, Urgency and Topic headers", async () => {
    const browser = await fakeBrowser();
    const { fetch, calls } = capturingFetch(() => new Response(null, { status: 201 }));
    const channel = new WebPushChannel(config(), { fetch });
    const before = Math.floor(Date.now() / 1000);

    await expect(channel.send(sampleNotification("called", 3), browser.target)).resolves.toBe("sent");

    expect(calls).toHaveLength(1);
    const { request, body } = calls[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe(ENDPOINT);
    expect(request.headers.get("content-encoding")).toBe("aes128gcm");
    expect(request.headers.get("content-type")).toBe("application/octet-stream");
    expect(request.headers.get("ttl")).toBe("600");
    expect(request.headers.get("urgency")).toBe("high");
    expect(request.headers.get("topic")).toMatch(/^[A-Za-z0-9_-]{1,32}$/);

    // RFC 8292: Authorization: vapid t=<JWT>, k=<application server public key>
    const auth = request.headers.get("authorization")!;
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(vapid.publicKey);
    const [h, p, s] = m![1]!.split(".");
    expect(JSON.parse(new TextDecoder().decode(unb64url(h!)))).toMatchObject({ alg: "ES256" });
    const claims = JSON.parse(new TextDecoder().decode(unb64url(p!)));
    expect(claims.aud).toBe("https://fcm.googleapis.com");
    expect(claims.sub).toBe("mailto:hcc@hanoi.gov.vn");
    expect(claims.exp).toBeGreaterThan(before);
    expect(claims.exp).toBeLessThanOrEqual(before + 24 * 3600 + 5);
    const jwtOk = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, vapid.verifyKey, unb64url(s!), utf8(`${h}.${p}`));
    expect(jwtOk).toBe(true);

    // The body is ciphertext; the browser's private key recovers the JSON payload.
    expect(new TextDecoder().decode(body)).not.toContain("A015");
    expect(body.length).toBeGreaterThan(86 + 16);
    expect(body.length).toBeLessThanOrEqual(4096);
    const { plaintext, recordSize } = await decryptAes128gcm(body, browser);
    expect(recordSize).toBe(4096);
    expect(JSON.parse(plaintext)).toEqual(pushPayload(sampleNotification("called", 3)));
    expect(JSON.parse(plaintext)).toMatchObject({
      kind: "called",
      ticketId: TICKET_ID,
      counterNumber: 3,
      titleVi: "Số thứ tự A015",
      textVi: "Mời công dân có số thứ tự A015 đến quầy số 3.",
    });
  });

  it("uses one topic per ticket (a 'called' replaces an undelivered 'near') and a TTL per kind", async () => {
    const browser = await fakeBrowser();
    const { fetch, calls } = capturingFetch(() => new Response(null, { status: 201 }));
    const channel = new WebPushChannel(config(), { fetch, ttlSeconds: { near: 1200 } });
    await channel.send(sampleNotification("near"), browser.target);
    await channel.send(sampleNotification("called", 3), browser.target);
    const [near, called] = calls.map((c) => c.request.headers);
    expect(near!.get("topic")).toBe(called!.get("topic"));
    expect(near!.get("ttl")).toBe("1200");
    expect(called!.get("ttl")).toBe("600");
    const { plaintext } = await decryptAes128gcm(calls[0]!.body, browser);
    expect(JSON.parse(plaintext).textVi).toBe("Sắp đến lượt số A015 của bạn. Vui lòng có mặt tại khu vực chờ.");
  });
});

describe("WebPushChannel: the push service's answer", () => {
  it.each([404, 410])("%i means the subscription is gone", async (status) => {
    const browser = await fakeBrowser();
    const { fetch } = capturingFetch(() => new Response("", { status }));
    await expect(new WebPushChannel(config(), { fetch }).send(sampleNotification(), browser.target)).resolves.toBe("gone");
  });

  it("other errors throw with the status and without the endpoint", async () => {
    const browser = await fakeBrowser();
    const { fetch } = capturingFetch(() => new Response("quota", { status: 429 }));
    const err = await new WebPushChannel(config(), { fetch }).send(sampleNotification(), browser.target).catch((e: Error) => e);
    expect(String(err)).toContain("429");
    expect(String(err)).not.toContain("fake-subscription");
  });

  it("refuses endpoints outside the known push services and broken keys, without sending", async () => {
    const { fetch, calls } = capturingFetch();
    const channel = new WebPushChannel(config(), { fetch });
    const evil = await fakeBrowser("https://169.254.169.254/latest/meta-data");
    await expect(channel.send(sampleNotification(), evil.target)).rejects.toThrow(/not a known push service/);
    const ok = await fakeBrowser();
    await expect(channel.send(sampleNotification(), { ...ok.target, keys: { ...ok.target.keys, auth: "AAAA" } })).rejects.toThrow(/auth/);
    expect(calls).toHaveLength(0);
  });
});

describe("configuration and helpers", () => {
  it("validates the VAPID configuration without echoing keys", () => {
    expect(vapidConfigProblem(config())).toBeNull();
    expect(vapidConfigProblem({ ...config(), publicKey: "short" })).toMatch(/^VAPID_PUBLIC_KEY/);
    expect(vapidConfigProblem({ ...config(), privateKey: vapid.publicKey })).toMatch(/^VAPID_PRIVATE_KEY/);
    expect(vapidConfigProblem({ ...config(), subject: "hcc@hanoi.gov.vn" })).toMatch(/^VAPID_SUBJECT/);
    expect(() => new WebPushChannel({ ...config(), privateKey: "x" })).toThrow(/VAPID_PRIVATE_KEY/);
  });

  it("knows the browsers' push services", () => {
    for (const ok of [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://updates.push.services.mozilla.com/wpush/v2/abc",
      "https://web.push.apple.com/QAbc",
      "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ]) {
      expect(isKnownPushService(ok)).toBe(true);
    }
    for (const bad of ["http://fcm.googleapis.com/x", "https://fcm.googleapis.com.evil.example/x", "https://evilpush.apple.com.example/", "nonsense"]) {
      expect(isKnownPushService(bad)).toBe(false);
    }
  });

  it("the dev stand-in keeps the payload, not the endpoint", async () => {
    const browser = await fakeBrowser();
    const dev = new DevOutboxPush();
    await dev.send(sampleNotification("near"), browser.target);
    expect(dev.pushes()).toEqual([{ notificationId: `${TICKET_ID}:near`, payload: pushPayload(sampleNotification("near")) }]);
    expect(JSON.stringify(dev.pushes())).not.toContain("fake-subscription");
  });
});
