/**
 * City platform tokens. A city app (like iHanoi) that already signed the citizen in with VNeID
 * calls the API as a microservice with `Authorization: Bearer <JWT>`: a short-lived token it signs
 * with its own private key, naming the citizen by their 12-digit ID number and asserting that the
 * citizen accepted our personal-data policy (claim `privacy_policy_version`).
 *
 * Verified with jose: public keys from PLATFORM_JWKS_URL (fetched and cached per isolate) or
 * PLATFORM_JWKS (a JSON Web Key Set kept in configuration); issuer and audience must match; only
 * asymmetric algorithms (a shared-secret HS* token or an unsigned `none` token is refused); `exp`
 * and `iat` are required and the token may live at most PLATFORM_TOKEN_MAX_LIFETIME_S.
 *
 * Off unless configured: with neither PLATFORM_JWKS nor PLATFORM_JWKS_URL set, no bearer token is
 * read as a platform token.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { now } from "../../shared/clock";
import { checkPersonalId } from "../../shared/personal-id";
import type { CitizenSession } from "../auth/session";
import { ProblemError } from "../http/problem";
import { citizenIdentity } from "./citizen-key";

/**
 * Optional configuration of the platform integration. These names are not in `wrangler.toml`
 * (a city without a platform sets none of them; the JWKS may be a secret), so `wrangler types`
 * does not put them in the generated `Env`: read them through this accessor instead of widening
 * `Env` by hand, which `wrangler types --check` would flag as stale.
 */
export interface PlatformEnv {
  /** HTTPS URL of the platform's JSON Web Key Set (preferred: keys rotate without a deploy). */
  PLATFORM_JWKS_URL?: string;
  /** The platform's JSON Web Key Set itself, as a JSON string (public keys only). */
  PLATFORM_JWKS?: string;
  /** Expected `iss`. Required when platform tokens are on. */
  PLATFORM_ISSUER?: string;
  /** Expected `aud` (the name the platform uses for this service). Required when on. */
  PLATFORM_AUDIENCE?: string;
  /** Claim holding the 12-digit ID number; default "SoDinhDanh" (the national SSO's name). */
  PLATFORM_ID_CLAIM?: string;
}

/** Signature algorithms a platform may use: asymmetric only. Never HS* (shared secret) or none. */
export const PLATFORM_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519"] as const;
/** A platform token is a per-call credential: at most 10 minutes between `iat` and `exp`. */
export const PLATFORM_TOKEN_MAX_LIFETIME_S = 600;
/** Allowed clock difference between the platform's servers and ours. */
const CLOCK_TOLERANCE_S = 30;
/** Larger tokens are not a platform's (and are not worth a signature check). */
const MAX_TOKEN_LENGTH = 8192;
export const DEFAULT_ID_CLAIM = "SoDinhDanh";
/** The claim by which the platform asserts the citizen accepted this policy version. */
export const PLATFORM_CONSENT_CLAIM = "privacy_policy_version";

export interface PlatformConfig {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  idClaim: string;
}

// Per isolate: one key set per configured URL or JWKS text. The remote set refetches on its own
// (jose: cached 10 minutes, refetched when a token names an unknown `kid`, 30 s cooldown).
const keySets = new Map<string, JWTVerifyGetKey>();

/** The key set could not be loaded (network, timeout, not a JWKS): our problem, not the token's. */
class KeysUnavailable extends Error {
  constructor(readonly causeName: string) {
    super("platform key set unavailable");
  }
}

/** Tells key-loading failures apart from "no key for this token" (which is the token's fault). */
function guarded(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      throw new KeysUnavailable(err instanceof Error ? err.name : "error");
    }
  };
}
const reportedMisconfig = new Set<string>();

function misconfigured(what: string): null {
  // Configuration problems, never token contents: safe to log, once per isolate.
  if (!reportedMisconfig.has(what)) {
    reportedMisconfig.add(what);
    console.error(`platform tokens are off: ${what}`);
  }
  return null;
}

/** The platform configuration, or null when platform tokens are off (or misconfigured: logged). */
export function platformConfig(env: Env): PlatformConfig | null {
  const p = env as unknown as PlatformEnv;
  const url = p.PLATFORM_JWKS_URL?.trim() ?? "";
  const jwks = p.PLATFORM_JWKS?.trim() ?? "";
  if (url === "" && jwks === "") return null;
  const issuer = p.PLATFORM_ISSUER?.trim() ?? "";
  const audience = p.PLATFORM_AUDIENCE?.trim() ?? "";
  if (issuer === "" || audience === "") return misconfigured("PLATFORM_ISSUER and PLATFORM_AUDIENCE are required");
  const idClaim = p.PLATFORM_ID_CLAIM?.trim() || DEFAULT_ID_CLAIM;

  const cacheKey = url !== "" ? `url:${url}` : `jwks:${jwks}`;
  let keys = keySets.get(cacheKey);
  if (!keys) {
    if (url !== "") {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return misconfigured("PLATFORM_JWKS_URL is not a URL");
      }
      if (parsed.protocol !== "https:") return misconfigured("PLATFORM_JWKS_URL must be https");
      keys = guarded(createRemoteJWKSet(parsed));
    } else {
      try {
        keys = guarded(createLocalJWKSet(JSON.parse(jwks)));
      } catch {
        return misconfigured("PLATFORM_JWKS is not a JSON Web Key Set");
      }
    }
    keySets.set(cacheKey, keys);
  }
  return { keys, issuer, audience, idClaim };
}

/** Which check a refused token failed: `reason` in the 401 problem, for the integrator. */
type TokenFailure = "malformed" | "algorithm" | "signature" | "unknown_key" | "expired" | "not_yet_valid" | "issuer" | "audience" | "missing_claim" | "lifetime";

const FAILURE_TEXT: Record<TokenFailure, { vi: string; en: string }> = {
  malformed: { vi: "Mã xác thực của nền tảng không đúng định dạng JWT.", en: "The platform token is not a well-formed JWT." },
  algorithm: {
    vi: "Thuật toán ký của mã xác thực không được chấp nhận (chỉ RS256, PS256, ES256, EdDSA).",
    en: "The token's signature algorithm is not accepted (only RS256, PS256, ES256, EdDSA).",
  },
  signature: { vi: "Chữ ký của mã xác thực không hợp lệ.", en: "The token's signature is not valid." },
  unknown_key: { vi: "Mã xác thực được ký bằng khoá không có trong bộ khoá của nền tảng.", en: "The token is signed with a key not in the platform's key set." },
  expired: { vi: "Mã xác thực đã hết hạn.", en: "The token has expired." },
  not_yet_valid: { vi: "Mã xác thực chưa có hiệu lực (thời điểm phát hành ở tương lai).", en: "The token is not valid yet (issued in the future)." },
  issuer: { vi: "Mã xác thực không do nền tảng được cấu hình phát hành (iss).", en: "The token was not issued by the configured platform (iss)." },
  audience: { vi: "Mã xác thực không dành cho dịch vụ này (aud).", en: "The token is not meant for this service (aud)." },
  missing_claim: { vi: "Mã xác thực thiếu thông tin bắt buộc (exp, iat).", en: "The token lacks a required claim (exp, iat)." },
  lifetime: {
    vi: `Thời hạn của mã xác thực quá dài (tối đa ${PLATFORM_TOKEN_MAX_LIFETIME_S / 60} phút).`,
    en: `The token lives too long (at most ${PLATFORM_TOKEN_MAX_LIFETIME_S / 60} minutes).`,
  },
};

function refused(reason: TokenFailure): ProblemError {
  return new ProblemError("invalid_token", { reason }, FAILURE_TEXT[reason]);
}

function failureOf(err: unknown): TokenFailure | "keys_unavailable" {
  if (err instanceof KeysUnavailable) return "keys_unavailable";
  // jose reports an `iat` older than maxTokenAge as JWTExpired on the "iat" claim.
  if (err instanceof errors.JWTExpired) return err.claim === "iat" ? "lifetime" : "expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return "issuer";
    if (err.claim === "aud") return "audience";
    if (err.reason === "missing") return "missing_claim";
    if (err.reason === "invalid") return "malformed"; // e.g. exp not a number
    return "not_yet_valid"; // nbf, or iat in the future
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return "algorithm";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return "unknown_key";
  // JWSInvalid, JWTInvalid and anything else jose says about the token itself.
  return "malformed";
}

/**
 * Verifies a platform token and returns the citizen session it stands for (method "platform").
 * Throws a problem: 401 `invalid_token` (with the failed check as `reason`), 422
 * `invalid_id_number` when the ID claim is not a valid number, 403 `consent_required` when the
 * token does not assert consent to the current PRIVACY_POLICY_VERSION, 503
 * `platform_keys_unavailable` when the key set cannot be loaded.
 */
export async function verifyPlatformToken(env: Env, config: PlatformConfig, token: string): Promise<CitizenSession> {
  return citizenSessionOfPlatformClaims(env, config, await verifyPlatformJwt(config, token));
}

/**
 * The checks every platform token passes, whether or not it names a citizen (a registered
 * client's status and webhook calls do not): signature with an asymmetric key of `config`,
 * issuer, audience, `exp`/`iat` and the lifetime bound. Throws the same problems as
 * verifyPlatformToken.
 */
export async function verifyPlatformJwt(config: PlatformConfig, token: string): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_LENGTH) throw refused("malformed");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, config.keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: [...PLATFORM_ALGORITHMS],
      requiredClaims: ["exp", "iat"],
      maxTokenAge: PLATFORM_TOKEN_MAX_LIFETIME_S,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now()),
    }));
  } catch (err) {
    const failure = failureOf(err);
    if (failure === "keys_unavailable") {
      console.error("platform key set unavailable:", (err as KeysUnavailable).causeName);
      throw new ProblemError("platform_keys_unavailable", { retryAfterSeconds: 5 });
    }
    throw refused(failure);
  }
  const iat = payload.iat!;
  const exp = payload.exp!;
  // maxTokenAge bounds how old `iat` is; this bounds how long the token was minted to live.
  if (exp - iat > PLATFORM_TOKEN_MAX_LIFETIME_S) throw refused("lifetime");
  return payload;
}

/** The citizen a verified platform token names (ID claim, consent claim): a "platform" session. */
export async function citizenSessionOfPlatformClaims(env: Env, config: PlatformConfig, payload: JWTPayload): Promise<CitizenSession> {
  const iat = payload.iat!;
  const exp = payload.exp!;
  // A VNeID-verified number is real even when its province code is not in our list (births
  // registered abroad), so an unknown province is accepted here, unlike a number typed in.
  const checked = checkPersonalId(payload[config.idClaim], now());
  if (!checked.ok) throw new ProblemError("invalid_id_number", { reason: checked.reason }, { vi: checked.vi, en: checked.en });

  const current = env.PRIVACY_POLICY_VERSION;
  const consented = payload[PLATFORM_CONSENT_CLAIM];
  if (consented !== current) {
    throw new ProblemError(
      "consent_required",
      { policyVersion: current },
      {
        vi: `Nền tảng phải xác nhận công dân đã đồng ý chính sách xử lý dữ liệu cá nhân phiên bản ${current} (thông tin "${PLATFORM_CONSENT_CLAIM}" trong mã xác thực).`,
        en: `The platform must assert that the citizen accepted personal data policy version ${current} (claim "${PLATFORM_CONSENT_CLAIM}" in the token).`,
      },
    );
  }

  const identity = await citizenIdentity(env, checked.idNumber);
  return { ...identity, via: "platform", issuedAt: iat * 1000, expiresAt: exp * 1000, policyVersion: current };
}
