/** If-Match on item writes: Box etags are the item's change counter, sent bare or quoted (weak forms accepted). */

/** The etag an If-Match header names, or undefined without one; an unparsable value never matches (-1). */
export function ifMatchEtag(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim().replace(/^W\//, '').replace(/"/g, '');
  if (value === '*') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : -1;
}
