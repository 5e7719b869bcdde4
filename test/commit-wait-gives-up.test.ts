/**
 * A commit told to wait three times (202) then waits for the whole-file hash however long it takes; it must still
 * give up when waiting has no point any more: the session was aborted, it expired, or the client went away. The
 * hash is held back by a range hasher that blocks until the test lets it go. In-process domain over real SQLite and
 * disk, with a clock the test moves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InlineRangeHasher, type Domain, type RangeHasher, type UserRecord } from '@tranche/server';
import { randomBytesSeeded, shaDigest } from './helpers/http.js';
import { inProcessDomain, jsonBody, putPart } from './helpers/in-process-domain.js';

const PART = 1000;
const TTL_MS = 600_000;
/** The wait loop looks at the session at least once a second; under load, allow a few. */
const GIVES_UP_WITHIN_MS = 5_000;

/** Live folds block until `open()`: the whole-file hash cannot finish meanwhile. */
function blockedHasher(inner: RangeHasher): { ranges: RangeHasher; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const ranges: RangeHasher = {
    fold: (...args) => inner.fold(...args),
    foldLive: async (...args) => {
      await opened;
      return inner.foldLive(...args);
    },
    finishLive: (name) => inner.finishLive(name),
    forgetLive: (name) => inner.forgetLive(name),
    close: () => inner.close(),
  };
  return { ranges, open };
}

async function waitingCommit(domain: Domain, user: UserRecord, seed: number, signal?: AbortSignal) {
  const data = randomBytesSeeded(2 * PART, seed);
  const session = await domain.sessions.createForNewFile(user, { folder_id: '0', file_size: data.length, file_name: `w${seed}.bin` });
  const parts = [await putPart(domain, user, session.id, data, 0, PART), await putPart(domain, user, session.id, data, PART, PART)];
  const commit = () => domain.commits.commit(user, { sessionId: session.id, digest: shaDigest(data), ifMatch: undefined, ifNoneMatch: undefined, readBody: jsonBody({ parts }), ...(signal ? { signal } : {}) });
  for (let i = 0; i < 3; i++) assert.equal((await commit()).status, 202, `commit ${i + 1} is told to wait`);
  // The fourth waits without a deadline.
  const fourth = commit();
  fourth.catch(() => {});
  let settled = false;
  void fourth.then(() => (settled = true), () => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(settled, false, 'the fourth commit is still waiting for the hash');
  return { session, fourth };
}

async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('a commit waiting for the hash gives up on abort, on expiry and when its client has gone; otherwise it waits', async () => {
  let blocked!: ReturnType<typeof blockedHasher>;
  const { domain, store, clock, close } = await inProcessDomain({
    partSize: PART,
    sessionTtlMs: TTL_MS,
    commitWaitMs: 100,
    ranges: (blobs) => (blocked = blockedHasher(new InlineRangeHasher(blobs))).ranges,
  });
  try {
    const user = await store.ensureUser('patient');

    const aborted = await waitingCommit(domain, user, 1);
    await domain.sessions.abort(user, aborted.session.id);
    await assert.rejects(settlesWithin(aborted.fourth, GIVES_UP_WITHIN_MS), (error: { code?: string }) => error.code === 'not_found', 'aborted: 404');

    const gone = new AbortController();
    const left = await waitingCommit(domain, user, 2, gone.signal);
    gone.abort();
    await assert.rejects(settlesWithin(left.fourth, GIVES_UP_WITHIN_MS), (error: { code?: string }) => error.code === 'request_timeout', 'client gone');

    const expiring = await waitingCommit(domain, user, 3);
    clock.now += TTL_MS + 1_000;
    await assert.rejects(settlesWithin(expiring.fourth, GIVES_UP_WITHIN_MS), (error: { code?: string }) => error.code === 'session_expired', 'expired: 410');

    clock.now -= TTL_MS + 1_000;
    const patient = await waitingCommit(domain, user, 4);
    blocked.open();
    const done = await settlesWithin(patient.fourth, 20_000);
    assert.equal(done.status, 201, 'with nothing wrong, the commit waits for the hash and succeeds');
  } finally {
    blocked?.open();
    await close();
  }
});
