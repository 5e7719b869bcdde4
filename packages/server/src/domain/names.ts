/** Item name rules of spec §7.9, and what Tranche adds against look-alike and spoofed names (README, "name rules"). */
import { invalidParameter, MAX_NAME_LENGTH } from '@tranche/protocol';

/**
 * Refused anywhere in a name: control characters (Cc: C0, DEL, C1), `/` and `\`, the line and paragraph separators
 * U+2028/9, noncharacters, and every invisible character: the format characters (Cf: bidirectional marks,
 * embeddings, overrides and isolates, e.g. "report\u202Efdp.exe" shows as "reportexe.pdf"; soft hyphen; zero-width
 * space; word joiner; BOM; tag characters…) and the rest of Unicode's Default_Ignorable_Code_Point (combining
 * grapheme joiner, Hangul fillers, variation selectors…). Each lets two names look identical yet differ.
 * Exceptions: ZWNJ and ZWJ (Persian, Indic scripts and emoji sequences need them), and the presentation selectors
 * U+FE0E/U+FE0F right after an emoji ("\u2764\uFE0F"), where they choose how that emoji is drawn.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\u2028\u2029/\\]/gu;
const JOINER = /^[\u200c\u200d]$/;
const PRESENTATION_SELECTOR = /^[\ufe0e\ufe0f]$/;
const EMOJI = /^\p{Emoji}$/u;

/** Throws item_name_too_long / item_name_invalid; returns the name (NFC-normalised) otherwise. */
export function validateName(value: unknown, param = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidParameter('item_name_invalid', param, `${param} must be a non-empty string`);
  }
  if (!value.isWellFormed()) throw invalidParameter('item_name_invalid', param, `${param} must not contain unpaired surrogates`);
  const name = value.normalize('NFC');
  if ([...name].length > MAX_NAME_LENGTH) {
    throw invalidParameter('item_name_too_long', param, `${param} must be at most ${MAX_NAME_LENGTH} characters`);
  }
  const forbidden = forbiddenCharacter(name);
  if (forbidden !== undefined) {
    const codePoint = `U+${forbidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalidParameter(
      'item_name_invalid',
      param,
      `${param} must not contain ${codePoint}: names hold no control, invisible or bidirectional-formatting characters, "/" or "\\"`,
    );
  }
  if (name === '.' || name === '..' || name !== name.trim()) {
    throw invalidParameter('item_name_invalid', param, `${param} must not start or end with spaces, or be "." or ".."`);
  }
  return name;
}

/** The first character `name` may not hold, or undefined. */
function forbiddenCharacter(name: string): string | undefined {
  for (const match of name.matchAll(FORBIDDEN)) {
    const character = match[0];
    if (JOINER.test(character)) continue;
    if (PRESENTATION_SELECTOR.test(character)) {
      const previous = [...name.slice(0, match.index)].at(-1);
      if (previous !== undefined && EMOJI.test(previous)) continue;
    }
    return character;
  }
  return undefined;
}

const MAX_DESCRIPTION_LENGTH = 256;

/**
 * Descriptions: strings of at most 256 characters, well-formed, without NUL (which PostgreSQL cannot store in
 * text). `truncate` cuts longer ones instead of refusing them (simple uploads, as Box does).
 */
export function validateDescription(value: unknown, options: { truncate?: boolean; param?: string } = {}): string {
  const param = options.param ?? 'description';
  if (typeof value !== 'string') throw invalidParameter('bad_request', param, `${param} must be a string`);
  const description = options.truncate ? [...value].slice(0, MAX_DESCRIPTION_LENGTH).join('') : value;
  if ([...description].length > MAX_DESCRIPTION_LENGTH || description.includes('\u0000') || !description.isWellFormed()) {
    throw invalidParameter('bad_request', param, `${param} must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters, without NUL`);
  }
  return description;
}
