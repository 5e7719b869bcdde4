/** Paging parameters: absent → default; anything but a plain non-negative integer → invalid_offset / invalid_limit. */
import { invalidParameter } from '@tranche/protocol';

export function pagingParam(value: unknown, fallback: number, name: 'offset' | 'limit'): number {
  if (value === undefined || value === '') return fallback;
  // A repeated parameter arrives as an array; only one plain string of digits is a number here.
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) {
    throw invalidParameter(name === 'offset' ? 'invalid_offset' : 'invalid_limit', name, `${name} must be a non-negative integer`);
  }
  return Number(value);
}
