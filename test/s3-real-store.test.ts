/**
 * What only a real S3 store shows (Ceph RGW under `npm test`; see test/helpers/s3.ts). Every claim that Tranche
 * cleans up after itself is checked in the store's own listing of incomplete multipart uploads: after an abort, an
 * expiry, a commit and a crash between creating the upload and recording the session (the janitor's orphan sweep).
 * An upload removed behind Tranche's back ends its session with a clear error instead of a 500 forever; racing
 * commits on several instances send one CompleteMultipartUpload.
 */
import assert from 'node:assert/strict';
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { after, before, describe, test, type TestContext } from 'node:test';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { Api, assertError, assertStatus, randomBytesSeeded, shaDigest, sleep, uniqueName } from './helpers/http.js';
import { createThrowawayDatabase } from './helpers/postgres.js';
import { startS3, TEST_REGION, type TestS3 } from './helpers/s3.js';
import { ServerProcess } from './helpers/server-process.js';
import { startServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;
const PART = 8 * MiB;
/** Sessions of two or three parts. */
const SMALL = ['--min-chunked-size', '1'];

/** The incomplete multipart uploads of session `id` in the bucket. */
async function uploadsOf(s3: TestS3, id: string): Promise<string[]> {
  return (await s3.multipartUploads(`uploads/${id}`)).map((u) => u.uploadId);
}

function needsListing(t: TestContext, s3: TestS3): boolean {
  if (s3.listsUploads) return true;
  t.skip(`${s3.kind} lists no multipart uploads`);
  return false;
}

/** Polls until `check` holds or `ms` pass; returns its last value. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

describe('S3: sessions leave no multipart upload behind', () => {
  let s3: TestS3;
  let server: TestServer;
  let expiring: TestServer;
  let api: Api;
  let expiringApi: Api;

  before(async () => {
    s3 = await startS3();
    [server, expiring] = await Promise.all([
      startServer({ args: [...SMALL, '--blob', s3.blobUrl], env: s3.env }),
      startServer({ args: [...SMALL, '--blob', s3.blobUrl, '--session-ttl', '1', '--janitor-interval', '1'], env: s3.env }),
    ]);
    api = new Api(server.origin, await server.token('cleanup'));
    expiringApi = new Api(expiring.origin, await expiring.token('cleanup'));
  });
  after(async () => {
    await Promise.all([server?.dispose(), expiring?.dispose()]);
    await s3?.stop();
  });

  test('after an abort', async (t) => {
    if (!needsListing(t, s3)) return;
    const data = randomBytesSeeded(2 * PART, 1);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('abort') });
    assertStatus(created, 201);
    assertStatus(await api.putPart(created.body.session_endpoints.upload_part, data, 0, PART), 200);
    assert.equal((await uploadsOf(s3, created.body.id)).length, 1, 'the live session has its multipart upload');
    assertStatus(await api.delete(created.body.session_endpoints.abort), 204);
    assert.deepEqual(await uploadsOf(s3, created.body.id), []);
  });

  test('after a commit', async (t) => {
    if (!needsListing(t, s3)) return;
    const data = randomBytesSeeded(2 * PART + 7, 2);
    const { session, parts } = await api.uploadParts(uniqueName('commit'), data);
    assert.equal((await uploadsOf(s3, session.id)).length, 1);
    assertStatus(await api.commit(session.session_endpoints.commit, parts, data), 201);
    assert.deepEqual(await uploadsOf(s3, session.id), []);
  });

  test('after an expiry, once the janitor has passed', async (t) => {
    if (!needsListing(t, s3)) return;
    const created = await expiringApi.createSession({ folder_id: '0', file_size: 2 * PART, file_name: uniqueName('expire') });
    assertStatus(created, 201);
    assert.ok(await within(15_000, async () => (await uploadsOf(s3, created.body.id)).length === 0), 'the expired session\'s upload is aborted within 15 s');
    assertError(await expiringApi.get(created.body.session_endpoints.status), 410, 'session_expired');
  });
});

describe('S3: an upload removed behind Tranche\'s back ends its session', () => {
  let s3: TestS3;
  let server: TestServer;
  let api: Api;

  before(async () => {
    s3 = await startS3();
    server = await startServer({ args: [...SMALL, '--blob', s3.blobUrl], env: s3.env });
    api = new Api(server.origin, await server.token('lost'));
  });
  after(async () => {
    await server?.dispose();
    await s3?.stop();
  });

  /** What a lifecycle rule or an operator does: aborts the session's multipart upload in the bucket. */
  async function removeUpload(sessionId: string): Promise<void> {
    const uploads = await s3.multipartUploads(`uploads/${sessionId}`);
    assert.equal(uploads.length, 1, 'the session has one multipart upload');
    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: uploads[0]!.key, UploadId: uploads[0]!.uploadId }));
  }

  test('at commit: 410 upload_failed, then the session is gone; never a 500', async (t) => {
    if (!needsListing(t, s3)) return;
    const data = randomBytesSeeded(2 * PART + 3, 3);
    const { session, parts } = await api.uploadParts(uniqueName('lost-commit'), data);
    await removeUpload(session.id);
    const commit = await api.commit(session.session_endpoints.commit, parts, data);
    assertError(commit, 410, 'upload_failed');
    assert.match(commit.body.message, /gone from the storage/);
    assertError(await api.commit(session.session_endpoints.commit, parts, data), 404, 'not_found');
    assertError(await api.get(session.session_endpoints.status), 404, 'not_found');
    assert.match(server.output(), /the blob store lost the upload of a session/);
    // The log names the S3 answer: code, status and request id, never a bare "UnknownError".
    assert.match(server.output(), /S3 CompleteMultipartUpload failed: \S+ \(HTTP \d{3}, request id [^)\s]+\)/);
  });

  test('at a part: 410 upload_failed, then the session is gone', async (t) => {
    if (!needsListing(t, s3)) return;
    const data = randomBytesSeeded(2 * PART, 4);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('lost-part') });
    assertStatus(created, 201);
    const url = created.body.session_endpoints.upload_part;
    assertStatus(await api.putPart(url, data, 0, PART), 200);
    await removeUpload(created.body.id);
    assertError(await api.putPart(url, data, PART, PART), 410, 'upload_failed');
    assertError(await api.putPart(url, data, PART, PART), 404, 'not_found');
    assertError(await api.get(created.body.session_endpoints.status), 404, 'not_found');
  });
});

describe('S3: racing commits on several instances', () => {
  test('send one CompleteMultipartUpload and make one file', async () => {
    const [db, s3, proxy] = await Promise.all([createThrowawayDatabase(), startS3(), startFaultProxy()]);
    // Every CompleteMultipartUpload (POST …?uploadId=) passes a proxy that counts it and holds it 300 ms, so that
    // racing commits overlap in the store if nothing serialises them.
    proxy.setTarget(s3.endpoint);
    proxy.plan = { match: (method, path) => method === 'POST' && /[?&]uploadId=/.test(path), stall: 1, stallMs: 300 };
    const blobUrl = `s3://${s3.bucket}?${new URLSearchParams({ endpoint: proxy.origin, forcePathStyle: 'true', region: TEST_REGION })}`;
    const servers: TestServer[] = [];
    try {
      for (let i = 0; i < 3; i++) servers.push(await startServer({ args: [...SMALL, '--database', db.url, '--blob', blobUrl], env: s3.env }));
      const token = await servers[0]!.token('race');
      const api = new Api(servers[0]!.origin, token);
      const data = randomBytesSeeded(2 * PART + 5, 5);
      const name = uniqueName('race');
      const { session, parts } = await api.uploadParts(name, data);
      const commitPath = new URL(session.session_endpoints.commit).pathname;
      proxy.resetStats();
      const answers = await Promise.all(servers.map((s) => new Api(s.origin, token).post(commitPath, { parts }, { headers: { Digest: shaDigest(data) } })));
      for (const res of answers) assertStatus(res, [201, 202]);
      // A commit that was told to wait for the hash commits on its retry.
      for (const [i, res] of answers.entries()) {
        if (res.status === 202) answers[i] = await new Api(servers[i]!.origin, token).post(commitPath, { parts }, { headers: { Digest: shaDigest(data) } });
        assertStatus(answers[i]!, 201);
      }
      assert.equal(new Set(answers.map((r) => r.body.entries[0].id)).size, 1, 'every answer names the same file');
      assert.equal(proxy.stats.faults.stall, 1, 'one CompleteMultipartUpload reached the store');
      const listing = await api.get('/2.0/folders/0/items?limit=1000');
      assert.equal(listing.body.entries.filter((e: { name: string }) => e.name === name).length, 1);
    } finally {
      await Promise.all(servers.map((s) => s.dispose()));
      await proxy.close();
      await s3.stop();
      await db.drop();
    }
  });
});

describe('S3: the janitor aborts multipart uploads no session names', () => {
  test('a crash between CreateMultipartUpload and the session record leaves one; it goes after --orphan-age, live ones stay', { timeout: 90_000 }, async (t) => {
    const s3 = await startS3();
    const server = await ServerProcess.create([...SMALL, '--blob', s3.blobUrl, '--janitor-interval', '1']);
    try {
      if (!needsListing(t, s3)) return;
      await server.launch(s3.env);
      const token = await server.token('orphans');
      let api = new Api(server.origin, token);
      const data = randomBytesSeeded(2 * PART, 6);
      const live = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('live') });
      assertStatus(live, 201);
      assertStatus(await api.putPart(live.body.session_endpoints.upload_part, data, 0, PART), 200);
      await server.terminate();

      await server.launch({ ...s3.env, TRANCHE_CRASH_POINT: 'session-blob-created' });
      await new Api(server.origin, token).createSession({ folder_id: '0', file_size: 10 * MiB, file_name: 'never.bin' }).catch(() => undefined);
      assert.equal((await server.exited()).crashPoint, 'session-blob-created hit 1');
      const orphans = (await s3.multipartUploads('uploads/')).filter((u) => !u.key.endsWith(live.body.id));
      assert.equal(orphans.length, 1, 'the crash left one multipart upload that no session names');

      // The default age (1 h) spares it: to the janitor it looks like a session being created.
      await server.launch(s3.env);
      await sleep(2_500);
      assert.equal((await s3.multipartUploads(orphans[0]!.key)).length, 1, 'a young orphan stays');
      await server.terminate();

      await sleep(1_100); // both uploads older than the orphan age below
      await server.launch(s3.env, ['--orphan-age', '1']);
      api = new Api(server.origin, token);
      assert.ok(await within(15_000, async () => (await s3.multipartUploads(orphans[0]!.key)).length === 0), 'the orphan is aborted within 15 s');
      const logged = /"removed":1,[^\n]*janitor removed upload blobs without a session/;
      assert.ok(await within(5_000, async () => logged.test(server.output())), server.output());
      await sleep(2_500); // more passes: the live session's upload stays, and it still commits
      assert.equal((await uploadsOf(s3, live.body.id)).length, 1, 'the live session keeps its upload');
      const last = await api.putPart(live.body.session_endpoints.upload_part, data, PART, PART);
      assertStatus(last, 200);
      const status = await api.get(live.body.session_endpoints.list_parts);
      const committed = await api.commit(live.body.session_endpoints.commit, status.body.entries, data);
      assertStatus(committed, 201);
      assert.ok((await api.download(committed.body.entries[0].id)).raw.equals(data));
    } finally {
      await server.dispose();
      await s3.stop();
    }
  });
});
