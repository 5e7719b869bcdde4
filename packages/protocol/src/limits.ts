/** Numbers and formats fixed by the protocol (shared/spec §2.3, §4.5, §7). */
export const DEFAULT_MIN_CHUNKED_SIZE = 20_000_000;
export const LIST_PARTS_MAX_LIMIT = 1000;
export const LIST_PARTS_MAX_OFFSET = 10_000;
export const MAX_NAME_LENGTH = 255;

export const SESSION_ID_PATTERN = /^[0-9A-F]{32}$/;
export const PART_ID_PATTERN = /^[0-9A-F]{8}$/;
export const ITEM_ID_PATTERN = /^(0|[1-9][0-9]{0,17})$/;

/** The byte range part `index` of a session covers. */
export function partRange(index: number, partSize: number, fileSize: number): { offset: number; size: number } {
  const offset = index * partSize;
  return { offset, size: Math.min(partSize, fileSize - offset) };
}

export function totalParts(fileSize: number, partSize: number): number {
  return Math.ceil(fileSize / partSize);
}
