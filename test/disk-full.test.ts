/**
 * Disk full: the server's data directory (SQLite and blobs) on a 24 MiB tmpfs. A part that does not fit is answered
 * 507 insufficient_storage in the Box envelope; reads keep working and writes that need room get 507, never 500;
 * the session stays usable, and once a filler file is deleted the same part, the rest and the commit succeed.
 * Needs root (mount); it fails, rather than skips, where tmpfs cannot be mounted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, multipart, randomBytesSeeded, sha1Hex, shaDigest, uniqueName } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';
import { keptAlive } from './helpers/raw-socket.js';

const MiB = 1024 * 1024;
const PART = 4 * MiB;
const SIZE = 4 * PART;

describe('disk full (data directory on a 24 MiB tmpfs)', () => {
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'tranche-full-'));
  const filler = path.join(mountPoint, 'filler');
  const data = randomBytesSeeded(SIZE, 7);
  let mounted = false;
  let server: TestServer;
  let api: Api;
  let session: any;
  let small: any;

  const free = () => {
    const stats = statfsSync(mountPoint);
    return stats.bavail * stats.bsize;
  };
  const putPart = (index: number) => api.putPart(session.session_endpoints.upload_part, data, index * PART, PART);

  before(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
    mounted = true;
    server = await startServer({ dataDir: mountPoint, args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'error'] });
    api = new Api(server.origin, await server.token('alice'));
    const up = await api.simpleUpload({ name: 'small.txt', parent: { id: '0' } }, 'stored before the disk filled');
    assertStatus(up, 201);
    small = up.body.entries[0];
    const created = await api.createSession({ folder_id: '0', file_size: SIZE, file_name: 'big.bin' });
    assertStatus(created, 201);
    session = created.body;
    // Leave room for one part and a half.
    writeFileSync(filler, Buffer.alloc(free() - PART - PART / 2));
  });

  after(async () => {
    await server?.stop();
    if (mounted) execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  });

  test('a part that fits is stored', async () => {
    assertStatus(await putPart(0), 200);
  });

  test('a part that does not fit → 507 insufficient_storage, in bounded time, and is not recorded', async () => {
    const started = Date.now();
    const res = await putPart(1);
    assert.ok(Date.now() - started < 5_000);
    assertBoxError(res, 507, 'insufficient_storage', 'PUT part 1 on a full disk');
    assert.equal(free() < PART, true);
    const parts = await api.get(session.session_endpoints.list_parts);
    assertStatus(parts, 200);
    assert.deepEqual(parts.body.entries.map((p: any) => p.offset), [0]);
  });

  test('reads keep working while the disk is full', async () => {
    const status = await api.get(session.session_endpoints.status);
    assertStatus(status, 200);
    assert.equal(status.body.num_parts_processed, 1);
    assertStatus(await api.get('/2.0/folders/0/items'), 200);
    const file = await api.get(`/2.0/files/${small.id}`);
    assertStatus(file, 200);
    const content = await api.download(small.id);
    assertStatus(content, 200);
    assert.equal(content.text, 'stored before the disk filled');
  });

  test('the same part again, still full → 507 again; the session is untouched', async () => {
    assertBoxError(await putPart(1), 507, 'insufficient_storage', 'second PUT of part 1');
    const status = await api.get(session.session_endpoints.status);
    assertStatus(status, 200);
    assert.equal(status.body.num_parts_processed, 1);
  });

  test('writes that need room get 507, never 500: simple upload and session creation', async () => {
    const up = await api.simpleUpload({ name: uniqueName('full'), parent: { id: '0' } }, Buffer.alloc(2 * MiB, 1));
    assertBoxError(up, 507, 'insufficient_storage', 'simple upload on a full disk');
    const created = await api.createSession({ folder_id: '0', file_size: 5000, file_name: uniqueName('full') });
    assert.ok([201, 507].includes(created.status), `session creation on a full disk: ${created.status} ${created.text}`);
    if (created.status === 507) assertBoxError(created, 507, 'insufficient_storage');
  });

  test('connections whose upload failed for lack of room carry the next request', async () => {
    const auth = `Authorization: Bearer ${api.token}\r\n`;
    const next = `GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\n${auth}\r\n`;
    const part = data.subarray(PART, 2 * PART);
    const put = Buffer.concat([
      Buffer.from(
        `PUT ${new URL(session.session_endpoints.upload_part).pathname} HTTP/1.1\r\nHost: t\r\n${auth}` +
          `Content-Range: bytes ${PART}-${2 * PART - 1}/${SIZE}\r\nDigest: ${shaDigest(part)}\r\nContent-Length: ${PART}\r\n\r\n`,
      ),
      part,
    ]);
    assert.deepEqual(await keptAlive(server.port, [put, next]), [507, 200]);
    const form = multipart([
      { name: 'attributes', data: JSON.stringify({ name: uniqueName('full'), parent: { id: '0' } }) },
      { name: 'file', filename: 'f.bin', contentType: 'application/octet-stream', data: Buffer.alloc(2 * MiB, 2) },
    ]);
    const upload = Buffer.concat([
      Buffer.from(`POST /api/2.0/files/content HTTP/1.1\r\nHost: t\r\n${auth}Content-Type: ${form.contentType}\r\nContent-Length: ${form.body.length}\r\n\r\n`),
      form.body,
    ]);
    assert.deepEqual(await keptAlive(server.port, [upload, next]), [507, 200]);
  });

  test(
    'folder creation on a full disk → 201 or 507, never 500',
    async () => {
      const res = await api.post('/2.0/folders', { name: uniqueName('dir', ''), parent: { id: '0' } });
      assert.ok([201, 507].includes(res.status), `folder creation on a full disk: ${res.status} ${res.text}`);
    },
  );

  test('after freeing space the same part, the rest and the commit succeed', async () => {
    rmSync(filler);
    for (const index of [1, 2, 3]) assertStatus(await putPart(index), 200);
    const parts = await api.get(session.session_endpoints.list_parts);
    assertStatus(parts, 200);
    const done = await api.commit(session.session_endpoints.commit, parts.body.entries, data);
    assertStatus(done, 201);
    const file = done.body.entries[0];
    assert.equal(file.sha1, sha1Hex(data));
    const content = await api.download(file.id);
    assert.equal(sha1Hex(content.raw), sha1Hex(data));
  });
});
