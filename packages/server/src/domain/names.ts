/** Item name rules of spec §7.9. */
import { invalidParameter, MAX_NAME_LENGTH } from '@tranche/protocol';

// Control characters (C0, DEL, C1) and path separators.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\]/;

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
      'Names must not contain control characters, "/" or "\\", start or end with spaces, or be "." or ".."',
    );
  }
  return name;
}

