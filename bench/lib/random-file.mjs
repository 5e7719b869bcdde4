/** Incompressible test files, made once per run in the scratch directory, and their SHA-1. */
import { createHash, randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { MiB } from './units.mjs';

export async function writeRandomFile(file, size) {
  const handle = await open(file, 'w');
  const block = Buffer.allocUnsafe(8 * MiB);
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(block.length, size - written);
      randomFillSync(block, 0, length);
      await handle.write(block, 0, length, written);
      written += length;
    }
  } finally {
    await handle.close();
  }
}

export async function sha1OfFile(file, size) {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { start: 0, end: size - 1, highWaterMark: 8 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}
