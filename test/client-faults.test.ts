/**
 * The client through a fault-injecting proxy: connections dropped mid-part, answers lost after the server
 * stored the part, 500s, 429s with Retry-After, stalls and hangs. The upload must still complete and the
 * server's sha1 must match the local file. The server's --public-url is the proxy, so that the
 * session_endpoints (and so every part PUT) go through it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getFile, uploadFile, UploadIncompleteError, type UploadEvent } from '@tranche/client';
import { startServer, type TestServer } from './helpers/server.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { randomFile, tempDir } from './helpers/client-fixtures.js';

const MiB = 1 << 20;
const FAST_RETRIES = { retryDelays: [50, 100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000, 1_000] };

describe('uploads through a faulty network', { timeout: 150_000 }, () => {
  let proxy: FaultProxy;
  let server: TestServer;
  let token: string;
  let work: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    proxy = await startFaultProxy({ seed: 42 });
    server = await startServer({ args: ['--public-url', proxy.origin, '--min-chunked-size', '1000', '--part-size', String(8 * MiB)] });
    proxy.setTarget(server.origin);
    token = await server.token('alice');
    work = await tempDir();
  });
  after(async () => {
    await proxy?.close();
    await server?.dispose();
    await work?.dispose();
  });

  test('200 MB completes through drops, lost answers, 500, 429, stalls and hangs; the sha1 matches', { timeout: 120_000 }, async () => {
    const file = path.join(work.dir, 'big.bin');
    const size = 200 * MiB + 12_345;
    const sha1 = await randomFile(file, size);
    proxy.plan = { seed: 7, drop: 0.06, lostAnswer: 0.06, error500: 0.06, error429: 0.05, retryAfterSeconds: 1, stall: 0.05, stallMs: 800, hang: 0.03 };
    proxy.resetStats();
    const events: UploadEvent[] = [];
    const started = Date.now();
    const uploaded = await uploadFile(file, {
      server: proxy.origin,
      token,
      folderId: '0',
      parallel: 4,
      minChunkedSize: 1000,
      stateDir: path.join(work.dir, 'state'),
      timeoutMs: 2_000,
      retry: FAST_RETRIES,
      onEvent: (e) => events.push(e),
    });
    const seconds = (Date.now() - started) / 1000;
    const { faults } = proxy.stats;
    const retries = events.filter((e) => e.type === 'retry');
    const reused = events.filter((e) => e.type === 'part' && e.reused);
    console.log(`200 MB through the fault proxy in ${seconds.toFixed(1)} s; faults ${JSON.stringify(faults)}; ${retries.length} retries; ${reused.length} parts found already stored`);
    assert.equal(uploaded.sha1, sha1);
    assert.equal(uploaded.size, size);
    assert.equal((await getFile(uploaded.id, { server: server.origin, token })).sha1, sha1);
    const totalFaults = Object.values(faults).reduce((a, b) => a + b, 0);
    assert.ok(totalFaults >= 3, `faults were injected: ${JSON.stringify(faults)}`);
    assert.ok(retries.length >= faults.drop + faults.error500 + faults.error429 + faults.hang, 'every failed attempt was retried');
    assert.equal(events.filter((e) => e.type === 'part').length, Math.ceil(size / (8 * MiB)));
  });

  test('a part stored but whose answer was lost is retried and answered with the stored part', async () => {
    const file = path.join(work.dir, 'lost.bin');
    const sha1 = await randomFile(file, 3 * 8 * MiB);
    proxy.plan = { seed: 3, lostAnswer: 0.35 };
    proxy.resetStats();
    const events: UploadEvent[] = [];
    const uploaded = await uploadFile(file, {
      server: proxy.origin,
      token,
      folderId: '0',
      minChunkedSize: 1000,
      stateDir: path.join(work.dir, 'state'),
      retry: FAST_RETRIES,
      onEvent: (e) => events.push(e),
    });
    assert.equal(uploaded.sha1, sha1);
    const lost = proxy.stats.faults.lostAnswer;
    assert.ok(lost >= 1, 'some answers were lost');
    assert.equal(events.filter((e) => e.type === 'retry').length, lost, JSON.stringify(events.filter((e) => e.type === 'retry')));
    assert.equal(proxy.stats.putsForwarded, 3, 'each part was acknowledged to the client exactly once');
    assert.equal(events.filter((e) => e.type === 'part').length, 3);
  });

  test('a commit whose answer was lost is replayed, and session creation survives 500s and lost answers', async () => {
    const file = path.join(work.dir, 'commit.bin');
    const sha1 = await randomFile(file, 2 * 8 * MiB + 1);
    const isCommitOrCreate = (method: string, url: string): boolean => method === 'POST' && /\/(commit|upload_sessions)$/.test(url);
    proxy.plan = { seed: 11, match: isCommitOrCreate, lostAnswer: 0.5, error500: 0.3 };
    proxy.resetStats();
    const events: UploadEvent[] = [];
    const uploaded = await uploadFile(file, {
      server: proxy.origin,
      token,
      folderId: '0',
      minChunkedSize: 1000,
      stateDir: path.join(work.dir, 'state'),
      retry: FAST_RETRIES,
      onEvent: (e) => events.push(e),
    });
    assert.equal(uploaded.sha1, sha1);
    const retried = events.filter((e) => e.type === 'retry').map((e) => e.what);
    assert.ok(retried.includes('commit'), `the commit was retried: ${JSON.stringify(proxy.stats.faults)} ${retried}`);
    assert.ok(retried.includes('create session'), `session creation was retried: ${retried}`);
    assert.equal(events.filter((e) => e.type === 'committed').length, 1);
  });

  test('giving up keeps the session resumable and says so', async () => {
    const file = path.join(work.dir, 'doomed.bin');
    const sha1 = await randomFile(file, 2 * 8 * MiB);
    const stateDir = path.join(work.dir, 'doomed-state');
    proxy.plan = { error500: 1 };
    const error = await uploadFile(file, {
      server: proxy.origin,
      token,
      folderId: '0',
      minChunkedSize: 1000,
      stateDir,
      retry: { retryDelays: [10, 10] },
    }).catch((e: unknown) => e);
    assert.ok(error instanceof UploadIncompleteError, String(error));
    assert.equal(error.resumable, true);
    assert.equal(error.aborted, false);
    assert.match(error.message, /run the same upload again to resume/);
    assert.match(error.message, /500 internal_server_error/);
    proxy.plan = {};
    const events: UploadEvent[] = [];
    const uploaded = await uploadFile(file, { server: proxy.origin, token, folderId: '0', minChunkedSize: 1000, stateDir, onEvent: (e) => events.push(e) });
    assert.equal(uploaded.sha1, sha1);
    assert.equal(events.find((e) => e.type === 'resumed')?.sessionId, error.sessionId);
  });
});
