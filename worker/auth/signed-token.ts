/**
 * Our own short-lived signed tokens (sessions, live-view tokens, the OIDC flow cookie): JWTs
 * signed HS256 with a secret from configuration, via jose. One home for the key handling and
 * the checks (issuer, audience, expiry on the service clock, HS256 only, bounded size).
 *
 * The HMAC key is imported once per secret and handed to jose as a CryptoKey (given raw bytes,
 * jose imports them again on every sign and verify: a measurable share of each booking).
 */
import { base64url, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { now } from "../../shared/clock";

const ISSUER = "sothutu";
const ALGORITHM = "HS256";
/** No token of ours comes near this; longer input is refused unparsed. */
const MAX_TOKEN_CHARS = 4096;

const keys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

/** The HMAC key for a configured secret; refuses a missing or short one loudly. */
function keyOf(secret: string | undefined, name: string): Promise<CryptoKey> {
  if (!secret || secret.length < 16) throw new Error(`${name} is missing or shorter than 16 characters`);
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export interface SignedTokenSecret {
  value: string | undefined;
  /** The setting's name, for the error when it is missing (never its value). */
  name: string;
}

/** The protected header of every token we sign, as SignJWT encodes it. */
const ENCODED_HEADER = base64url.encode(JSON.stringify({ alg: ALGORITHM }));

/** Signs claims for one audience, valid for `ttlS` seconds from now (service clock). */
export async function signToken(secret: SignedTokenSecret, audience: string, claims: JWTPayload, ttlS: number, subject?: string): Promise<string> {
  const key = await keyOf(secret.value, secret.name);
  const iat = Math.floor(now() / 1000);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: ALGORITHM }).setIssuer(ISSUER).setAudience(audience).setIssuedAt(iat).setExpirationTime(iat + ttlS);
  if (subject !== undefined) jwt.setSubject(subject);
  return jwt.sign(key);
}

/**
 * Whether `token` could be one of ours at all: a JWS whose protected header names HS256. Any
 * other token (a city platform's ES256/RS256 JWT, garbage) would only fail jose's algorithm
 * check, so it is told apart here without a verification attempt or a thrown error.
 */
export function isOwnTokenShape(token: string): boolean {
  if (token.length > MAX_TOKEN_CHARS) return false;
  // Every token signed with our secret starts with exactly our header: no decoding needed.
  if (token.startsWith(ENCODED_HEADER) && token.charCodeAt(ENCODED_HEADER.length) === 46 /* "." */) return true;
  try {
    return decodeProtectedHeader(token).alg === ALGORITHM;
  } catch {
    return false;
  }
}

/** The payload of a valid token for this audience, or null (bad signature, expired, foreign). */
export async function verifyToken(secret: SignedTokenSecret, token: string | undefined, audience: string): Promise<JWTPayload | null> {
  if (!token || token.length > MAX_TOKEN_CHARS) return null;
  const key = keyOf(secret.value, secret.name);
  // jose would refuse any other algorithm (algorithms: ["HS256"]) by throwing; same answer, cheaper.
  if (!isOwnTokenShape(token)) return null;
  try {
    const { payload } = await jwtVerify(token, await key, { issuer: ISSUER, audience, algorithms: [ALGORITHM], currentDate: new Date(now()) });
    return payload;
  } catch {
    return null;
  }
}
