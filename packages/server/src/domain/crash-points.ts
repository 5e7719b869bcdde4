/**
 * Deterministic crash points for the kill -9 tests. `crashPoint(name)` SIGKILLs this process when the environment
 * variable TRANCHE_CRASH_POINT names the point: `name` crashes the first time it is reached, `name:N` the N-th time
 * (counted per thread). Without the variable `crashPoint` is an empty function, so production pays one call.
 *
 * Random kills rarely land in the narrow windows that matter (bytes durable but not recorded, a record made but not
 * answered, a blob deleted but its session not marked); these points hit them on purpose.
 */
import { writeSync } from 'node:fs';

export const CRASH_POINT_ENV = 'TRANCHE_CRASH_POINT';

/** Every point placed in the server, in the order an upload reaches them. */
export const CRASH_POINTS = [
  /** A session's upload blob exists; its record does not yet. */
  'session-blob-created',
  /** A chunk of a part's body was received and hashed (mid-body). */
  'part-body-chunk',
  /** A part's bytes are durable and verified; the part is not recorded yet. */
  'part-written',
  /** A part is recorded; the client has no answer yet. */
  'part-recorded',
  /** A range of the whole-file hash was folded; the new state is not saved yet. */
  'hash-folded',
  /** A commit passed every check; its transaction has not run. */
  'commit-before-transaction',
  /** A commit's transaction ran; the client has no answer yet. */
  'commit-after-transaction',
  /** An aborted or expired session's blob is deleted; the session is not marked purged yet. */
  'session-blob-released',
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

export interface CrashSpec {
  name: CrashPointName;
  /** Crash on this hit (1-based). */
  hit: number;
}

/** Parses `name` or `name:N`; throws on an unknown name so a misspelt test cannot silently never crash. */
export function parseCrashSpec(value: string): CrashSpec {
  const match = /^([a-z-]+)(?::(\d+))?$/.exec(value.trim());
  const name = match?.[1] as CrashPointName | undefined;
  if (!match || !name || !CRASH_POINTS.includes(name)) {
    throw new Error(`${CRASH_POINT_ENV}=${JSON.stringify(value)}: expected one of ${CRASH_POINTS.join(', ')}, optionally followed by :N`);
  }
  const hit = match[2] === undefined ? 1 : Number(match[2]);
  if (!Number.isSafeInteger(hit) || hit < 1) throw new Error(`${CRASH_POINT_ENV}=${JSON.stringify(value)}: the hit count must be ≥ 1`);
  return { name, hit };
}

function armed(spec: CrashSpec): (name: CrashPointName) => void {
  let hits = 0;
  return (name) => {
    if (name !== spec.name || ++hits !== spec.hit) return;
    // Synchronous, so the line is out before the process dies; the tests read it to confirm where it crashed.
    writeSync(2, `tranche crash point ${name} hit ${hits}: SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}

const configured = process.env[CRASH_POINT_ENV];

export const crashPoint: (name: CrashPointName) => void = configured ? armed(parseCrashSpec(configured)) : () => {};
