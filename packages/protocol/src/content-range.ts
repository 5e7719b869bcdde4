/** `Content-Range: bytes <first>-<last>/<total>` with inclusive positions (RFC 9110 §14.4). */
export interface ContentRange {
  first: number;
  last: number;
  total: number;
}

const CONTENT_RANGE = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/;

/** Parses a part's Content-Range; null when malformed or not a satisfiable, complete range. */
export function parseContentRange(header: string | undefined): ContentRange | null {
  if (header === undefined) return null;
  const match = CONTENT_RANGE.exec(header.trim());
  if (!match) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  const total = Number(match[3]);
  if (![first, last, total].every(Number.isSafeInteger)) return null;
  if (last < first || last >= total) return null;
  return { first, last, total };
}

export function formatContentRange(first: number, size: number, total: number): string {
  return `bytes ${first}-${first + size - 1}/${total}`;
}

/** One range of a download request (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`), resolved against the size. */
export interface ByteRange {
  start: number;
  end: number; // inclusive
}

/**
 * Resolves a single-range `Range` header against a resource size.
 * Returns undefined when there is no usable Range header (serve the whole body),
 * or 'unsatisfiable' when it cannot be served (416).
 */
export function resolveRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined; // multi-range or garbage: ignore, as RFC allows
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
