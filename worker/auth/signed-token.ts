/**
 * Our own short-lived signed tokens (sessions, live-view tokens, the OIDC flow cookie): JWTs
 * signed HS256 with a secret from configuration, via jose. One home for the key handling and
 * the checks (issuer, audience, expiry on the service clock, HS256 only, bounded size).
 */
import { jwtVerify, SignJWT, type JWTPayload } from "jose";
import { now } from "../../shared/clock";

const ISSUER = "sothutu";
/** No token of ours comes near this; longer input is refused unparsed. */
const MAX_TOKEN_CHARS = 4096;

const keys = new Map<string, Uint8Array>();

/** The HMAC key for a configured secret; refuses a missing or short one loudly. */
function keyOf(secret: string | undefined, name: string): Uint8Array {
  if (!secret || secret.length < 16) throw new Error(`${name} is missing or shorter than 16 characters`);
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
}

export interface SignedTokenSecret {
  value: string | undefined;
  /** The setting's name, for the error when it is missing (never its value). */
  name: string;
}

/** Signs claims for one audience, valid for `ttlS` seconds from now (service clock). */
export function signToken(secret: SignedTokenSecret, audience: string, claims: JWTPayload, ttlS: number, subject?: string): Promise<string> {
  const iat = Math.floor(now() / 1000);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(audience).setIssuedAt(iat).setExpirationTime(iat + ttlS);
  if (subject !== undefined) jwt.setSubject(subject);
  return jwt.sign(keyOf(secret.value, secret.name));
}

/** The payload of a valid token for this audience, or null (bad signature, expired, foreign). */
export async function verifyToken(secret: SignedTokenSecret, token: string | undefined, audience: string): Promise<JWTPayload | null> {
  if (!token || token.length > MAX_TOKEN_CHARS) return null;
  const key = keyOf(secret.value, secret.name);
  try {
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience, algorithms: ["HS256"], currentDate: new Date(now()) });
    return payload;
  } catch {
    return null;
  }
}
