/**
 * The local file name a download gets from the server's name. The server's name is never trusted as a path: the
 * result is one path segment, never "." or "..", holds no separator, control, invisible or bidirectional-formatting
 * character (each becomes "_"; on Windows also `<>:"|?*`), and is at most 245 UTF-8 bytes, so that the names a
 * download adds (`.part`, `.part.json`) still fit the usual 255-byte limit (longer names are cut, keeping a short
 * extension).
 */
import path from 'node:path';

/** Longest name in UTF-8 bytes: 255 less the ".part.json" of the download's state file. */
export const MAX_LOCAL_NAME_BYTES = 245;
/** An extension up to this long is kept when a name is cut. */
const MAX_KEPT_EXTENSION_BYTES = 16;

// Controls (Cc), format characters (Cf: bidirectional controls, zero-width and tag characters…), the line and
// paragraph separators, and both path separators. ZWNJ and ZWJ stay (scripts and emoji need them).
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029/\\]/gu;
const JOINERS = new Set(['\u200c', '\u200d']);
const WINDOWS_RESERVED = /[<>:"|?*]/g;

export function safeLocalName(name: string, fileId: string, platform: NodeJS.Platform = process.platform): string {
  let safe = name.toWellFormed().normalize('NFC').replace(UNSAFE, (c) => (JOINERS.has(c) ? c : '_'));
  if (platform === 'win32') safe = safe.replace(WINDOWS_RESERVED, '_').replace(/[. ]+$/, '');
  if (safe === '' || /^\.+$/.test(safe)) safe = `file-${fileId.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 64)}`;
  return truncateUtf8(safe, MAX_LOCAL_NAME_BYTES);
}

function truncateUtf8(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const extension = path.extname(name);
  const keep = extension !== '' && Buffer.byteLength(extension) <= MAX_KEPT_EXTENSION_BYTES ? extension : '';
  let stem = '';
  let bytes = Buffer.byteLength(keep);
  for (const character of keep === '' ? name : name.slice(0, -keep.length)) {
    bytes += Buffer.byteLength(character);
    if (bytes > max) break;
    stem += character;
  }
  return stem + keep;
}
