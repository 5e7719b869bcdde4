/**
 * Bench settings from the environment: BENCH_QUICK=1 (small sizes, a smoke run), BENCH_ONLY=a,b (scenario
 * names), BENCH_DIR (scratch directory; default a fresh one under the OS temp dir, removed afterwards).
 */
import { GiB, MiB } from './units.mjs';

const FULL = {
  ceilingBytes: 1 * GiB,
  uploadBytes: 1 * GiB,
  uploadRuns: 3,
  commitSizes: [256 * MiB, 1 * GiB, 4 * GiB],
  /**
   * Runs per size (the median is reported). Five at every size: a commit takes 5–50 ms, most of it the whole-file
   * hash folding the last parts in flight, so single runs scatter by several times at any size.
   */
  commitRuns: [5, 5, 5],
  memoryConcurrency: 32,
  memoryPartSizes: [8 * MiB, 64 * MiB],
  downloadBytes: 1 * GiB,
  rangeBytes: 8 * MiB,
  rangeParallel: 4,
  metadataSeconds: 10,
  metadataConnections: 10,
  listParts: 1000,
  profileBytes: 1 * GiB,
  fairness: { rounds: 20, samples: 50 },
  /** The browser uploader (issue 14): a page upload against the CLI, and a larger one for the JS heap. */
  webBytes: 1 * GiB,
  webHeapBytes: 4 * GiB,
};

const QUICK = {
  ...FULL,
  ceilingBytes: 128 * MiB,
  uploadBytes: 64 * MiB,
  uploadRuns: 1,
  commitSizes: [32 * MiB, 64 * MiB, 128 * MiB],
  commitRuns: [1, 1, 1],
  memoryPartSizes: [8 * MiB, 16 * MiB],
  downloadBytes: 64 * MiB,
  metadataSeconds: 2,
  profileBytes: 64 * MiB,
  fairness: { rounds: 5, samples: 30 },
  webBytes: 64 * MiB,
  webHeapBytes: 128 * MiB,
};

export const SCENARIO_ORDER = ['ceilings', 'upload', 'commit', 'memory', 'download', 'metadata', 'profile', 'cluster', 'fairness', 'web', 'cli'];

export function loadConfig(env = process.env) {
  const quick = Boolean(env.BENCH_QUICK) && env.BENCH_QUICK !== '0';
  const only = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((name) => name.trim()).filter(Boolean) : null;
  const unknown = (only ?? []).filter((name) => !SCENARIO_ORDER.includes(name));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIO_ORDER.join(', ')}`);
  return { quick, only, scratchDir: env.BENCH_DIR || null, sizes: quick ? QUICK : FULL };
}
