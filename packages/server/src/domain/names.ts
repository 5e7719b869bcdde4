/** Item name rules of spec §7.9. */
import { invalidParameter, MAX_NAME_LENGTH } from '@tranche/protocol';

// Control characters (C0, DEL, C1) and path separators; also the line and paragraph separators (U+2028/9), the
// invisible U+200B, U+2060 and U+FEFF (they make names that look identical yet differ) and the bidirectional
// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 (they make a name display unlike its characters,
// e.g. "report\u202Efdp.exe" shows as "reportexe.pdf"). ZWJ and ZWNJ stay: scripts and emoji need them.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\\u2028\u2029\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]/;

/** Throws item_name_too_long / item_name_invalid; returns the name (NFC-normalised) otherwise. */
export function validateName(value: unknown, param = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidParameter('item_name_invalid', param, 'Names must be non-empty strings');
  }
  const name = value.normalize('NFC');
  if ([...name].length > MAX_NAME_LENGTH) {
    throw invalidParameter('item_name_too_long', param, `Names are at most ${MAX_NAME_LENGTH} characters`);
  }
  if (FORBIDDEN.test(name) || name === '.' || name === '..' || name !== name.trim() || !name.isWellFormed()) {
    throw invalidParameter(
      'item_name_invalid',
      param,
      'Names must not contain control, invisible or bidirectional-override characters, "/" or "\\", start or end with spaces, or be "." or ".."',
    );
  }
  return name;
}


const MAX_DESCRIPTION_LENGTH = 256;

/**
 * Descriptions: strings of at most 256 characters, well-formed, without NUL (which PostgreSQL cannot store in
 * text). `truncate` cuts longer ones instead of refusing them (simple uploads, as Box does).
 */
export function validateDescription(value: unknown, options: { truncate?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalidParameter('bad_request', 'description', 'description must be a string');
  const description = options.truncate ? [...value].slice(0, MAX_DESCRIPTION_LENGTH).join('') : value;
  if ([...description].length > MAX_DESCRIPTION_LENGTH || description.includes('\u0000') || !description.isWellFormed()) {
    throw invalidParameter('bad_request', 'description', `description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters, without NUL`);
  }
  return description;
}
