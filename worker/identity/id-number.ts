/**
 * Turning a typed or scanned ID number into a citizen identity, with the clear refusals the
 * domain asks for (what is wrong with the number; unknown province → go to reception).
 */
import { parseCccdQr } from "../../shared/cccd-qr";
import { now } from "../../shared/clock";
import { checkPersonalId } from "../../shared/personal-id";
import { ProblemError } from "../http/problem";
import { citizenIdentity, type CitizenIdentity } from "./citizen-key";

/**
 * Validates an ID number and derives the identity. An unknown province code is refused unless
 * the caller is staff who chose to proceed (births registered abroad have codes we do not know).
 */
export async function identityFromIdNumber(
  env: Env,
  raw: unknown,
  opts: { acceptUnknownProvince: boolean },
): Promise<CitizenIdentity> {
  const checked = checkPersonalId(raw, now());
  if (!checked.ok) throw new ProblemError("invalid_id_number", { reason: checked.reason }, { vi: checked.vi, en: checked.en });
  if (!checked.knownProvince && !opts.acceptUnknownProvince) {
    throw new ProblemError("id_number_unknown_province", { provinceCode: checked.provinceCode });
  }
  return citizenIdentity(env, checked.idNumber);
}

/** The ID number from a chip ID card's QR text (reception and kiosks scan it). */
export function idNumberFromCccdQr(text: string): string {
  const parsed = parseCccdQr(text);
  if (!parsed.ok) throw new ProblemError("invalid_id_number", { reason: parsed.reason }, { vi: parsed.vi, en: parsed.en });
  return parsed.idNumber;
}
