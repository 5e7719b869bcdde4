/** SHA-1 from node:crypto, behind the core's Hasher interface. */
import { createHash } from 'node:crypto';
import type { HasherFactory } from '../core/index.js';

export const nodeSha1: HasherFactory = () => {
  const hash = createHash('sha1');
  return {
    update: (bytes) => void hash.update(bytes),
    digestHex: () => hash.digest('hex'),
  };
};
