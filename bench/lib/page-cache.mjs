/** How much of a file sits in the page cache (util-linux fincore), to say whether a read is warm. */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Fraction (0..1) of the file resident in memory, or null when fincore is not available. */
export async function residentFraction(file) {
  try {
    const { stdout } = await execFileP('fincore', ['--bytes', '--noheadings', '--output', 'RES', file]);
    const { size } = await stat(file);
    return size === 0 ? 1 : Number(stdout.trim()) / size;
  } catch {
    return null;
  }
}
