/** Where the bench finds the repository's built output. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);
export const CLI_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js');
export const PROCS_DIR = path.join(BENCH_DIR, 'procs');
export const RESULTS_FILE = path.join(BENCH_DIR, 'RESULTS.md');
