/**
 * Telling a citizen whose eyes are elsewhere that their turn is near or has come: vibration, a
 * short tone (WebAudio: no audio file to download), the page title, and web push when the
 * service has a VAPID key and the citizen allows it. Browsers allow sound only after a tap, so
 * `unlockSound()` is called from a button press.
 */
import { citizenApi } from "./session";

let audio: AudioContext | null = null;

export function unlockSound(): boolean {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return false;
    audio ??= new Ctx();
    void audio.resume();
    return true;
  } catch {
    return false;
  }
}

/** Two or three short tones; `urgent` for "you are called". */
export function chime(urgent: boolean): void {
  if (!audio) return;
  const start = audio.currentTime + 0.05;
  const notes = urgent ? [880, 660, 880] : [660, 880];
  notes.forEach((hz, i) => {
    const osc = audio!.createOscillator();
    const gain = audio!.createGain();
    osc.frequency.value = hz;
    const at = start + i * 0.3;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    osc.connect(gain).connect(audio!.destination);
    osc.start(at);
    osc.stop(at + 0.27);
  });
}

export function vibrate(urgent: boolean): void {
  try {
    navigator.vibrate?.(urgent ? [400, 150, 400, 150, 400] : [250, 100, 250]);
  } catch {
    // Not allowed here: the sound and the screen still tell.
  }
}

const baseTitle = document.title;
export function setAlertTitle(text: string | null): void {
  document.title = text ? `🔔 ${text}` : baseTitle;
}

/** Alerts given once per ticket and kind, remembered across reloads. */
export function firstTime(ticketId: string, kind: string): boolean {
  const key = `sothutu.alert.${ticketId}.${kind}`;
  try {
    if (sessionStorage.getItem(key)) return false;
    sessionStorage.setItem(key, "1");
  } catch {
    // Storage off: alert anyway.
  }
  return true;
}

function urlBase64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const padded = (base64 + "=".repeat((4 - (base64.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** The service's VAPID public key, or null when web push is not configured. */
export async function pushPublicKey(): Promise<string | null> {
  try {
    const res = await citizenApi<{ publicKey: string | null }>("GET", "/push/public-key");
    return res.publicKey;
  } catch {
    return null;
  }
}

/** Asks permission, subscribes and registers the subscription for this ticket. */
export async function subscribePush(ticketId: string, publicKey: string): Promise<"on" | "denied"> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  const reg = await navigator.serviceWorker.ready;
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) }));
  const json = sub.toJSON();
  await citizenApi("POST", `/tickets/${encodeURIComponent(ticketId)}/push-subscription`, {
    body: { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: json.keys },
  });
  return "on";
}
