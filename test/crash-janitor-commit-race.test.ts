/**
 * A commit against the janitor, interleaved on purpose. A commit checks the session's expiry when it starts and
 * may then wait (up to 10 s for the whole-file hash, or for S3 to complete the upload); if the session expires
 * meanwhile, the janitor deletes its bytes. The commit's transaction must then refuse the session, or the file it
 * creates has no bytes.
 *
 * The domain runs in-process on the real SQLite and local-disk stores; a proxy in front of the metadata store runs
 * one janitor pass, with the clock moved past the expiry, just before the commit's transaction: the window a real
 * server hits only by chance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetadataStore } from '@tranche/server';
import { randomBytesSeeded, shaDigest } from './helpers/http.js';
import { inProcessDomain, jsonBody, putPart } from './helpers/in-process-domain.js';

const PART = 1000;
const TTL_MS = 60_000;

test('a commit whose session expires and is released by the janitor before its transaction is refused, and creates no file', async () => {
  let releasedBeforeTransaction: number | undefined;
  const { domain, store, clock, close } = await inProcessDomain({
    partSize: PART,
    sessionTtlMs: TTL_MS,
    wrapMeta: (target, domainOf) =>
      new Proxy(target, {
        get(target, property) {
          if (property === 'commitSession') {
            return async (...args: Parameters<MetadataStore['commitSession']>) => {
              clock.now += TTL_MS + 1_000;
              releasedBeforeTransaction = await domainOf().janitor.sweep();
              return target.commitSession(...args);
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  });
  try {
    const user = await store.ensureUser('racer');
    const data = randomBytesSeeded(2 * PART + 500, 5);
    const session = await domain.sessions.createForNewFile(user, { folder_id: '0', file_size: data.length, file_name: 'race.bin' });
    const parts = [];
    for (let offset = 0; offset < data.length; offset += PART) parts.push(await putPart(domain, user, session.id, data, offset, Math.min(PART, data.length - offset)));

    const commit = domain.commits.commit(user, { sessionId: session.id, digest: shaDigest(data), ifMatch: undefined, ifNoneMatch: undefined, readBody: jsonBody({ parts }) });
    await assert.rejects(commit, (error: { code?: string }) => error.code === 'session_expired', 'the commit is refused: its session was released');
    assert.equal(releasedBeforeTransaction, 1, 'the janitor released the session between the commit checks and its transaction');
    const root = await domain.folders.items(user, '0', {});
    assert.deepEqual(root.entries.map((e) => e.name), [], 'no file was created');
  } finally {
    await close();
  }
});
