/**
 * The whole-file hasher keeps each unfinished session's progress in memory (a single instance's live hash lives
 * only there). Sessions that end without a commit must not leave it behind: an abort and the janitor's release of
 * an expired session drop it, on this side and in the range hasher. In-process domain over real SQLite and disk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InlineRangeHasher, LiveHashGapError } from '@tranche/server';
import { randomBytesSeeded } from './helpers/http.js';
import { inProcessDomain, putPart } from './helpers/in-process-domain.js';

const PART = 1000;
const TTL_MS = 60_000;

test('aborted and expired sessions leave no hash progress in memory', async () => {
  let ranges!: InlineRangeHasher;
  const { domain, store, clock, close } = await inProcessDomain({
    partSize: PART,
    sessionTtlMs: TTL_MS,
    ranges: (blobs) => (ranges = new InlineRangeHasher(blobs)),
  });
  /** Whether the range hasher still holds a live hash for the session (it would continue it from 2 parts). */
  const holdsLiveHash = async (id: string): Promise<boolean> => {
    const next = ranges.foldLive(id, { kind: 'upload', target: { key: `uploads/${id}`, uploadId: null } }, 2 * PART, 2 * PART);
    return next.then(
      () => true,
      (error: unknown) => (error instanceof LiveHashGapError ? false : Promise.reject(error)),
    );
  };
  try {
    const user = await store.ensureUser('forgetful');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const data = randomBytesSeeded(3 * PART, i + 1);
      const session = await domain.sessions.createForNewFile(user, { folder_id: '0', file_size: data.length, file_name: `f${i}.bin` });
      for (const offset of [0, PART]) await putPart(domain, user, session.id, data, offset, PART);
      await domain.hasher.advance(session.id);
      ids.push(session.id);
    }
    assert.equal(domain.hasher.trackedSessions, 3, 'two of three parts hashed live in each session');
    assert.ok(await holdsLiveHash(ids[0]!), 'the range hasher holds the live hash');

    await domain.sessions.abort(user, ids[0]!);
    assert.equal(domain.hasher.trackedSessions, 2, 'an abort drops the progress');
    assert.equal(await holdsLiveHash(ids[0]!), false, 'and the live hash');

    clock.now += TTL_MS + 1_000;
    assert.equal(await domain.janitor.sweep(), 2);
    assert.equal(domain.hasher.trackedSessions, 0, 'the janitor drops the progress of the sessions it releases');
    for (const id of ids.slice(1)) assert.equal(await holdsLiveHash(id), false, `and the live hash of ${id}`);
  } finally {
    await close();
  }
});
