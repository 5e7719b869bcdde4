/** A part's SHA-1 with Web Crypto: native code, off the JavaScript thread, one call per part buffer. */
import type { PartDigest } from '../core/index.js';

export const webCryptoSha1: PartDigest = async (bytes) => toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>)));

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
