/** Identifiers Tranche makes: upload session ids (32 hex) and part ids (8 hex), as Box formats them. */
import { randomBytes } from 'node:crypto';

export function newSessionId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** An opaque, random-looking blob key for a simple upload. */
export function newObjectKey(): string {
  return `objects/${randomBytes(16).toString('hex')}`;
}

/** The folder of every session's upload blob. */
export const SESSION_BLOB_FOLDER = 'uploads';
const SESSION_BLOB_KEY = new RegExp(`^${SESSION_BLOB_FOLDER}/([0-9A-F]{32})$`);

export function sessionBlobKey(sessionId: string): string {
  return `${SESSION_BLOB_FOLDER}/${sessionId}`;
}

/** The session id in a key that `sessionBlobKey` made; undefined for any other key. */
export function sessionIdOfBlobKey(key: string): string | undefined {
  return SESSION_BLOB_KEY.exec(key)?.[1];
}

/**
 * part_id of the part at `index`: a bijection of the index mixed with the session id, so ids are unique within a
 * session without a lookup, look random, and a retried PUT of the same part gets the same id.
 */
export function partIdFor(sessionId: string, index: number): string {
  const salt = parseInt(sessionId.slice(0, 8), 16) >>> 0;
  const mixed = (Math.imul(index + 1, 0x9e3779b1) ^ salt) >>> 0;
  return mixed.toString(16).toUpperCase().padStart(8, '0');
}
