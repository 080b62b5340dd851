/**
 * Citizens are known by a keyed hash of their ID number (HMAC-SHA256 with a secret from
 * configuration): the same person always maps to the same key, yet the key reveals nothing
 * without the secret. The raw number is never stored (Personal Data Protection Law 91/2025).
 *
 * Rotation. A keyed hash cannot be re-keyed without the ID number, which we never hold, so data
 * keyed under an old secret stays under it. During a rotation the old secret sits in
 * CITIZEN_KEY_PREVIOUS_SECRETS and every identity also carries the keys it had under each
 * previous secret (`previousKeys`): tickets, ledgers and history made before the rotation stay
 * the citizen's, and still count toward the daily limits. Once a previous secret is removed,
 * nothing links its keys to anyone any more (see README, "Rotating CITIZEN_KEY_SECRET").
 */
import { maskPersonalId } from "../../shared/personal-id";

/**
 * The key settings. CITIZEN_KEY_PREVIOUS_SECRETS is optional and not declared in
 * `wrangler.toml`, so `wrangler types` leaves it out of the generated `Env`: it is read through
 * this type (any `Env` fits it) rather than by widening `Env` by hand.
 */
export interface CitizenKeyEnv {
  CITIZEN_KEY_SECRET: string;
  /** Older secrets, comma-separated: they derive keys to recognise old data, never new data. */
  CITIZEN_KEY_PREVIOUS_SECRETS?: string;
}

export interface CitizenIdentity {
  /** base64url HMAC of the ID number: names the citizen's ledger object and history rows. */
  key: string;
  /** For display only, e.g. "001******345". */
  masked: string;
  /**
   * The citizen's keys under CITIZEN_KEY_PREVIOUS_SECRETS (empty outside a rotation): they still
   * name the citizen's older tickets and ledger. Never used to create new data.
   */
  previousKeys: string[];
}

const MIN_SECRET_LENGTH = 16;
/** Sessions carry one key per previous secret (claim `pk`): a rotation needs one or two. */
export const MAX_PREVIOUS_SECRETS = 8;

/** The current secret and the previous ones, checked. Throws on a misconfiguration. */
export function citizenKeySecrets(env: CitizenKeyEnv): { current: string; previous: string[] } {
  const current = env.CITIZEN_KEY_SECRET ?? "";
  if (current.length < MIN_SECRET_LENGTH) throw new Error("CITIZEN_KEY_SECRET is missing or shorter than 16 characters");
  const previous = (env.CITIZEN_KEY_PREVIOUS_SECRETS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== current);
  // Loud rather than skipped: a previous secret silently ignored would orphan every ticket
  // booked under it in the middle of the rotation.
  if (previous.some((s) => s.length < MIN_SECRET_LENGTH)) throw new Error("CITIZEN_KEY_PREVIOUS_SECRETS holds a secret shorter than 16 characters");
  const unique = [...new Set(previous)];
  if (unique.length > MAX_PREVIOUS_SECRETS) throw new Error(`CITIZEN_KEY_PREVIOUS_SECRETS holds more than ${MAX_PREVIOUS_SECRETS} secrets`);
  return { current, previous: unique };
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keyCache.set(secret, key);
  }
  return key;
}

function base64url(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function mac(secret: string, text: string): Promise<string> {
  return base64url(await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(text)));
}

/** The citizen identity for a validated 12-digit ID number, with its keys under previous secrets. */
export async function citizenIdentity(env: CitizenKeyEnv, idNumber: string): Promise<CitizenIdentity> {
  const { current, previous } = citizenKeySecrets(env);
  const [key, ...previousKeys] = await Promise.all([current, ...previous].map((secret) => mac(secret, idNumber)));
  return { key: key!, masked: maskPersonalId(idNumber), previousKeys };
}

/** Every key naming this citizen's data: the current one first. */
export function citizenKeys(identity: CitizenIdentity): string[] {
  return [identity.key, ...identity.previousKeys];
}

const configIds = new Map<string, Promise<string>>();

/**
 * A short fingerprint of the whole key configuration (current and previous secrets), revealing
 * nothing about them. Sessions carry it: a session's keys were derived under one configuration,
 * and a session minted under another (before a rotation, or before a previous secret was
 * removed) would name the citizen by keys that are no longer right, so it is not accepted.
 */
export function citizenKeyConfigId(env: CitizenKeyEnv): Promise<string> {
  const { current, previous } = citizenKeySecrets(env);
  const message = ["sothutu/citizen-key-config/v1", ...previous].join("\n");
  const cacheKey = `${current}\n${message}`;
  let id = configIds.get(cacheKey);
  if (!id) {
    id = mac(current, message).then((m) => m.slice(0, 16));
    configIds.set(cacheKey, id);
  }
  return id;
}
