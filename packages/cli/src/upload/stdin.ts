/**
 * `upload -`: standard input is spooled to a private temp file (so that parts can be sent in parallel and
 * retried), its size checked against --size when given, then uploaded like a file and removed.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT } from '../io.js';

export interface Spool {
  path: string;
  size: number;
  dispose(): Promise<void>;
}

export async function spoolStdin(input: Readable, expectedSize: number | undefined, signal?: AbortSignal): Promise<Spool> {
  const dir = await mkdtemp(path.join(process.env['TRANCHE_SPOOL_DIR'] || tmpdir(), 'tranche-stdin-'));
  const file = path.join(dir, 'stdin');
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(input, createWriteStream(file, { mode: 0o600 }), { signal });
    const { size } = await stat(file);
    if (expectedSize !== undefined && size !== expectedSize) {
      throw new CliError(`standard input had ${size} bytes, --size said ${expectedSize}; nothing was uploaded`, EXIT.usage);
    }
    return { path: file, size, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
