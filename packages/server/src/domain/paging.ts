/**
 * Paging of listings: offset paging (offset, limit → total_count) and marker paging (usemarker=true, marker →
 * next_marker). A marker is an opaque encoding of the last entry's place in listing order (type, name key[, id]),
 * so the next page starts right after it, whatever was inserted or removed meanwhile.
 */
import { invalidParameter } from '@tranche/protocol';
import type { ListMarker } from '../store/metadata-store.js';
import { MAX_PAGE } from './limits.js';
import { pagingParam } from './query-params.js';

export interface PagingQuery {
  offset?: string;
  limit?: string;
  usemarker?: string;
  marker?: string;
}

export type Paging = { kind: 'offset'; offset: number; limit: number } | { kind: 'marker'; after: ListMarker | null; limit: number };

export function parsePaging(query: PagingQuery, defaultLimit: number, maxOffset = Infinity): Paging {
  const limit = Math.min(Math.max(pagingParam(query.limit, defaultLimit, 'limit'), 1), MAX_PAGE);
  if (query.usemarker === 'true' || (query.marker !== undefined && query.marker !== '')) {
    return { kind: 'marker', after: decodeMarker(query.marker), limit };
  }
  const offset = pagingParam(query.offset, 0, 'offset');
  if (offset > maxOffset) throw invalidParameter('invalid_offset', 'offset', `offset may be at most ${maxOffset}; use marker paging`);
  return { kind: 'offset', offset, limit };
}

export function encodeMarker(marker: ListMarker | null): string | null {
  if (!marker) return null;
  return Buffer.from(JSON.stringify([marker.type, marker.nameKey, marker.id ?? null])).toString('base64url');
}

function decodeMarker(value: string | undefined): ListMarker | null {
  if (value === undefined || value === '') return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && (decoded[0] === 'file' || decoded[0] === 'folder') && typeof decoded[1] === 'string') {
      const id = decoded[2];
      if (id === null || id === undefined) return { type: decoded[0], nameKey: decoded[1] };
      if (typeof id === 'string' && /^\d{1,18}$/.test(id)) return { type: decoded[0], nameKey: decoded[1], id };
    }
  } catch {
    // fall through
  }
  throw invalidParameter('bad_request', 'marker', 'marker is not one this server handed out');
}
