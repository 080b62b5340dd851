/**
 * "Your turn is near" and "you are called" through the real branch-day: decided with each
 * change, sent by the alarm, at most once per ticket and kind (dev outbox stand-ins).
 */
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClock } from "../../shared/clock";
import { book, branchDay } from "../../worker/booking";
import { devOutbox } from "../../worker/notify";
import { citizenCookie } from "../support/http";
import { idNumber } from "../support/plans";
import { citizen, demoPlan, freezeAt, seedDemoCenter } from "../support/world";

const DAY = "2026-11-23";
const BRANCH = "hn-cn02";

beforeAll(async () => {
  await seedDemoCenter();
  freezeAt(DAY, "09:00");
  devOutbox.clear();
});
afterAll(() => testClock.release());

async function deliverNotifications() {
  const day = branchDay(env, BRANCH, DAY);
  for (let i = 0; i < 10 && (await runDurableObjectAlarm(day)); i++) testClock.advance(1_000);
}

describe("notifications", () => {
  it("tells a citizen once when their turn is near and once when they are called", async () => {
    const plan = await demoPlan(BRANCH, DAY);
    const day = branchDay(env, BRANCH, DAY);
    const tickets = [];
    for (let i = 0; i < 8; i++) {
      const out = await book(env, { citizen: await citizen(900 + i), plan, fieldCode: "NOIVU", channel: "reception", priority: null, verifiedBy: "typed", idempotencyKey: null });
      if (!out.ok) throw new Error(out.code);
      tickets.push(out.ticket);
    }
    const last = tickets[7]!;
    // The holder of the last ticket signed in with ID number + phone + code: their phone is held
    // (encrypted) by their ledger, so they also get the SMS.
    const post = (path: string, body: unknown) =>
      SELF.fetch(`http://sothutu.test/api/v1/auth/otp/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await post("request", { idNumber: idNumber(907), phone: "0912345678" })).status).toBe(202);
    const outbox = await (await SELF.fetch("http://sothutu.test/api/v1/auth/otp/dev/outbox")).json<{ otp: Array<{ code: string }> }>();
    expect((await post("verify", { idNumber: idNumber(907), code: outbox.otp[0]!.code, consent: env.PRIVACY_POLICY_VERSION })).status).toBe(200);
    // The citizen's page subscribes to web push for the last ticket.
    const res = await SELF.fetch(`http://sothutu.test/api/v1/tickets/${last.id}/push-subscription`, {
      method: "POST",
      headers: { cookie: await citizenCookie(idNumber(907)), "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "https://fcm.googleapis.com/fcm/send/abc123", keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" } }),
    });
    expect(res.status).toBe(201);
    // Nobody is "near" before a counter serves the field.
    await deliverNotifications();
    expect(devOutbox.push.pushes()).toHaveLength(0);

    await day.counter(plan, { action: "open", counter: 5, fieldCodes: ["NOIVU"] });
    await deliverNotifications();
    expect(devOutbox.push.pushes()).toHaveLength(0); // 7 ahead: not near yet

    for (let i = 0; i < 2; i++) {
      await day.counter(plan, { action: "call_next", counter: 5 });
      await day.counter(plan, { action: "complete", counter: 5 });
    }
    await deliverNotifications();
    expect(devOutbox.push.pushes().map((p) => p.notificationId)).toEqual([`${last.id}:near`]);

    for (let i = 0; i < 5; i++) {
      await day.counter(plan, { action: "call_next", counter: 5 });
      await day.counter(plan, { action: "complete", counter: 5 });
    }
    const called = await day.counter(plan, { action: "call_next", counter: 5 });
    expect(called).toMatchObject({ ok: true, ticket: { id: last.id } });
    await day.counter(plan, { action: "recall", counter: 5 });
    await deliverNotifications();
    expect(devOutbox.push.pushes().map((p) => p.notificationId)).toEqual([`${last.id}:near`, `${last.id}:called`]);
    expect(JSON.stringify(devOutbox.push.pushes()[1]!.payload)).toContain("quầy số 5");
    // The same two moments by SMS, to the phone proved at sign-in, and to nobody else.
    const sms = devOutbox.sms.messages();
    expect(sms.map((m) => m.notificationId)).toEqual([`${last.id}:near`, `${last.id}:called`]);

    // The city platform's webhook heard every ticket's call, each event once, signed.
    const events = devOutbox.webhook.events().filter((e) => e.notificationId.startsWith(`${BRANCH}:${DAY}:`));
    const calledIds = events.filter((e) => e.notificationId.endsWith(":called")).map((e) => e.notificationId);
    expect(new Set(calledIds).size).toBe(calledIds.length);
    expect(calledIds).toHaveLength(8);
    expect(events.every((e) => /^t=\d+,v1=[0-9a-f]{64}$/.test(e.signature))).toBe(true);
    expect(events.some((e) => /\d{12}/.test(e.body))).toBe(false); // no ID numbers in payloads
  });

  it("refuses a push subscription for someone else's ticket or an unknown push service", async () => {
    const plan = await demoPlan(BRANCH, DAY);
    const out = await book(env, { citizen: await citizen(950), plan, fieldCode: "YTE", channel: "online", priority: null, verifiedBy: null, idempotencyKey: null });
    if (!out.ok) throw new Error(out.code);
    const body = (endpoint: string) => JSON.stringify({ endpoint, keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" } });
    const other = await SELF.fetch(`http://sothutu.test/api/v1/tickets/${out.ticket.id}/push-subscription`, {
      method: "POST",
      headers: { cookie: await citizenCookie(idNumber(951)), "content-type": "application/json" },
      body: body("https://fcm.googleapis.com/fcm/send/x"),
    });
    expect(other.status).toBe(404);
    const evil = await SELF.fetch(`http://sothutu.test/api/v1/tickets/${out.ticket.id}/push-subscription`, {
      method: "POST",
      headers: { cookie: await citizenCookie(idNumber(950)), "content-type": "application/json" },
      body: body("https://attacker.example/collect"),
    });
    expect(evil.status).toBe(400);
  });
});
