/**
 * Identifiers of platform clients, webhook endpoints, events and deliveries: a prefix and 20
 * characters of a 32-letter alphabet (100 bits). Mostly letters on purpose: the audit log masks any
 * run of 9+ digits as a possible ID or phone number (worker/staff/audit.ts), and a hex id would
 * often contain one and reach the log mangled.
 */
const ALPHABET = "abcdefghijkmnopqrstuvwxyz2345679"; // 32 symbols: no l, 0, 1, 8 (look-alikes)

export function idFromBytes(prefix: string, bytes: Uint8Array, length = 20): string {
  let out = `${prefix}_`;
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i % bytes.length]! & 31];
  return out;
}

// Random bytes drawn from the CSPRNG in blocks: one event id per issued ticket would otherwise
// be one getRandomValues call (and one small buffer) each. Each byte is used once.
const POOL_BYTES = 1024;
let pool = new Uint8Array(0);
let used = 0;

export function randomId(prefix: string, length = 20): string {
  if (length > POOL_BYTES) return idFromBytes(prefix, crypto.getRandomValues(new Uint8Array(length)), length);
  if (used + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  const bytes = pool.subarray(used, used + length);
  used += length;
  return idFromBytes(prefix, bytes, length);
}
