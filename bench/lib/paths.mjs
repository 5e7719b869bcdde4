/** Where the bench finds the repository's built output. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);
/** The repository's built CLI; the bench runs a copy of the build (see build-snapshot.mjs and useCli). */
export const REPO_CLI_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js');
/** The CLI every Tranche process is started from (a live binding: importers see useCli's change). */
export let CLI_BIN = REPO_CLI_BIN;
export function useCli(file) {
  CLI_BIN = file;
}
export const PROCS_DIR = path.join(BENCH_DIR, 'procs');
export const RESULTS_FILE = path.join(BENCH_DIR, 'RESULTS.md');
/** Where quick or partial runs write, so they never replace the full run's RESULTS.md (git-ignored). */
export const PARTIAL_RESULTS_FILE = path.join(BENCH_DIR, 'tmp', 'RESULTS-partial.md');
