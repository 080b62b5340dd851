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

export function randomId(prefix: string, length = 20): string {
  return idFromBytes(prefix, crypto.getRandomValues(new Uint8Array(length)), length);
}
