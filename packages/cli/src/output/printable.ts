/**
 * Text from the server made safe for a terminal. A name (or an id, or an error message) may hold escape sequences
 * that move the cursor, retitle the window or rewrite what was printed before, bidirectional controls that show it
 * reversed, or line breaks that forge more lines. Human output shows each such character as an escape instead:
 * control characters (C0, DEL, C1) as `\xHH` (`\t`, `\n`, `\r` by name), format characters (bidirectional
 * controls, zero-width and tag characters…, ZWJ and ZWNJ aside) and U+2028/9 as `\u{HHHH}`, and the backslash
 * itself as `\\`, so the escapes stay unambiguous. JSON output escapes the same characters as `\uHHHH`.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029\\]/gu;
const JOINERS = new Set(['\u200c', '\u200d']);
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\' };

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (JOINERS.has(c)) return c;
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16).toUpperCase()}}`;
  });
}

// In JSON text these can only sit inside strings; JSON.stringify leaves all but C0 raw.
const JSON_UNPRINTABLE = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/** JSON text with every character `printable` escapes written as `\uHHHH` (still the same JSON value). */
export function printableJson(json: string): string {
  return json.replace(JSON_UNPRINTABLE, (c) => {
    if (JOINERS.has(c)) return c;
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
