/** Paging parameters: absent → default; anything but a plain non-negative integer → invalid_offset / invalid_limit. */
import { invalidParameter } from '@tranche/protocol';

export function pagingParam(value: string | undefined, fallback: number, name: 'offset' | 'limit'): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value)) {
    throw invalidParameter(name === 'offset' ? 'invalid_offset' : 'invalid_limit', name, `${name} must be a non-negative integer`);
  }
  return Number(value);
}
