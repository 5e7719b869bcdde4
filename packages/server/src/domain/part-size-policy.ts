/**
 * How the server picks part_size (spec §7.2): start at minPartSize and double until the file fits in maxParts
 * parts, capped at maxPartSize. A fixed part size overrides the policy.
 */
import type { UploadPolicy } from './options.js';

export function choosePartSize(fileSize: number, policy: UploadPolicy): number | null {
  if (policy.fixedPartSize !== null) {
    return Math.ceil(fileSize / policy.fixedPartSize) <= policy.maxParts ? policy.fixedPartSize : null;
  }
  let size = policy.minPartSize;
  while (Math.ceil(fileSize / size) > policy.maxParts && size * 2 <= policy.maxPartSize) size *= 2;
  return Math.ceil(fileSize / size) <= policy.maxParts ? size : null;
}
