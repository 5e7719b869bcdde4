/**
 * The whole-file hasher keeps each unfinished session's progress in memory (a single instance's live hash lives
 * only there). Sessions that end without a commit must not leave it behind: an abort and the janitor's release of
 * an expired session drop it, on this side and in the range hasher. In-process domain over real SQLite and disk.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDomain, FsBlobStore, InlineRangeHasher, LiveHashGapError, openSqliteMetadataStore, resolvePolicy } from '@tranche/server';
import { randomBytesSeeded, shaDigest } from './helpers/http.js';

const PART = 1000;
const TTL_MS = 60_000;

test('aborted and expired sessions leave no hash progress in memory', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-forget-'));
  const meta = await openSqliteMetadataStore({ filename: path.join(dir, 'tranche.db') });
  const blobs = await FsBlobStore.open({ root: path.join(dir, 'blobs') });
  const ranges = new InlineRangeHasher(blobs);
  let now = Date.now();
  const quiet = { info() {}, warn() {}, error() {} };
  const domain = createDomain(
    {
      meta,
      blobs,
      policy: resolvePolicy({ publicUrl: 'http://127.0.0.1:1', minChunkedSize: 1, fixedPartSize: PART, sessionTtlMs: TTL_MS }),
      now: () => new Date(now),
      log: quiet,
    },
    { ranges },
  );
  try {
    const user = await meta.ensureUser('forgetful');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const data = randomBytesSeeded(3 * PART, i + 1);
      const session = await domain.sessions.createForNewFile(user, { folder_id: '0', file_size: data.length, file_name: `f${i}.bin` });
      for (const offset of [0, PART]) {
        const bytes = data.subarray(offset, offset + PART);
        await domain.parts.upload(user, {
          sessionId: session.id,
          contentRange: `bytes ${offset}-${offset + PART - 1}/${data.length}`,
          digest: shaDigest(bytes),
          contentLength: String(PART),
          chunked: false,
          body: (async function* () {
            yield bytes;
          })(),
          signal: new AbortController().signal,
        });
      }
      await domain.hasher.advance(session.id);
      ids.push(session.id);
    }
    assert.equal(domain.hasher.trackedSessions, 3, 'two of three parts hashed live in each session');

    await domain.sessions.abort(user, ids[0]!);
    assert.equal(domain.hasher.trackedSessions, 2, 'an abort drops the progress');
    await assert.rejects(ranges.foldLive(ids[0]!, { kind: 'upload', target: { key: 'x', uploadId: null } }, 2 * PART, 3 * PART), LiveHashGapError);

    now += TTL_MS + 1_000;
    assert.equal(await domain.janitor.sweep(), 2);
    assert.equal(domain.hasher.trackedSessions, 0, 'the janitor drops the progress of the sessions it releases');
    for (const id of ids.slice(1)) {
      await assert.rejects(ranges.foldLive(id, { kind: 'upload', target: { key: 'x', uploadId: null } }, 2 * PART, 3 * PART), LiveHashGapError);
    }
  } finally {
    domain.hasher.stop();
    await meta.close?.();
    await rm(dir, { recursive: true, force: true });
  }
});
