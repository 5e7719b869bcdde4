/**
 * RFC 3230 `Digest` headers as Box uses them: `sha=<base64 of the 20-byte SHA-1>`.
 * The algorithm token is matched case-insensitively (legacy SDKs send `SHA=`), and a comma-separated
 * list is accepted; only the `sha` entry is used.
 */
const HEX40 = /^[0-9a-f]{40}$/;
const BASE64_SHA1 = /^[A-Za-z0-9+/]{27}=$/;

/** Returns the lowercase hex SHA-1 carried by a Digest header, or null when there is no valid `sha` entry. */
export function parseShaDigest(header: string | undefined): string | null {
  if (header === undefined) return null;
  for (const entry of header.split(',')) {
    const eq = entry.indexOf('=');
    if (eq < 0) continue;
    const alg = entry.slice(0, eq).trim().toLowerCase();
    const value = entry.slice(eq + 1).trim();
    if (alg === 'sha' && BASE64_SHA1.test(value)) return base64ToHex(value);
  }
  return null;
}

export function shaDigestHeader(hexSha1: string): string {
  return `sha=${hexToBase64(hexSha1)}`;
}

export function isHexSha1(value: unknown): value is string {
  return typeof value === 'string' && HEX40.test(value.toLowerCase());
}

export function hexToBase64(hex: string): string {
  let binary = '';
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

export function base64ToHex(b64: string): string {
  const binary = atob(b64);
  let hex = '';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
