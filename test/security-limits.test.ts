/**
 * Limits beyond those server-limits.test.ts covers: the storage quota counts bytes reserved by open sessions and
 * frees them on abort; the maximum file size applies to simple uploads, preflights and version sessions as well as
 * new sessions; nothing refused is stored. And the keep-alive timeout (set through its environment twin) closes an
 * idle kept-alive connection on time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, uniqueName } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';

const PART = 1024;

describe('--user-quota 3000 --max-file-size 2500', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--user-quota', '3000', '--max-file-size', '2500', '--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  const names = async () => (await api.get('/2.0/folders/0/items?limit=1000')).body.entries.map((e: any) => e.name).sort();

  test('open sessions reserve quota; aborting one frees it; a commit keeps it', async () => {
    const first = await api.createSession({ folder_id: '0', file_size: 1500, file_name: uniqueName('q') });
    assertStatus(first, 201);
    const second = { folder_id: '0', file_size: 1600, file_name: uniqueName('q') };
    assertBoxError(await api.createSession(second), 403, 'storage_limit_exceeded', '1500 reserved + 1600');
    assertStatus(await api.delete(first.body.session_endpoints.abort), 204);
    const data = randomBytesSeeded(1600, 1);
    const { file } = await api.chunkedUpload(second.file_name, data);
    assert.equal(file.size, 1600);
    assertBoxError(await api.createSession({ folder_id: '0', file_size: 1500, file_name: uniqueName('q') }), 403, 'storage_limit_exceeded', '1600 stored + 1500');
    const fits = await api.createSession({ folder_id: '0', file_size: 1400, file_name: uniqueName('q') });
    assertStatus(fits, 201);
    assertStatus(await api.delete(fits.body.session_endpoints.abort), 204);
  });

  test('a simple upload over the maximum file size → 403 file_size_limit_exceeded, nothing stored', async () => {
    const before_ = await names();
    const name = uniqueName('big');
    assertBoxError(await api.simpleUpload({ name, parent: { id: '0' } }, randomBytesSeeded(2600, 2)), 403, 'file_size_limit_exceeded', 'simple upload of 2600');
    assert.deepEqual(await names(), before_);
  });

  test('a preflight over the maximum file size → 403 file_size_limit_exceeded', async () => {
    assertBoxError(await api.options('/2.0/files/content', { name: uniqueName('big'), parent: { id: '0' }, size: 2600 }), 403, 'file_size_limit_exceeded', 'preflight of 2600');
  });

  test('a version session over the maximum file size → 403 file_size_limit_exceeded, the file unchanged', async () => {
    const up = await api.simpleUpload({ name: uniqueName('v'), parent: { id: '0' } }, 'small');
    assertStatus(up, 201);
    const file = up.body.entries[0];
    assertBoxError(await api.post(`/api/2.0/files/${file.id}/upload_sessions`, { file_size: 2600 }), 403, 'file_size_limit_exceeded', 'version session of 2600');
    assert.equal((await api.download(file.id)).text, 'small');
  });

  test('a new version that would pass the quota → 403 storage_limit_exceeded, the file unchanged', async () => {
    const up = await api.simpleUpload({ name: uniqueName('v'), parent: { id: '0' } }, 'tiny');
    assertStatus(up, 201);
    const file = up.body.entries[0];
    assertBoxError(await api.simpleUpload({}, randomBytesSeeded(2000, 3), { fileId: file.id }), 403, 'storage_limit_exceeded', 'new version of 2000');
    const now = await api.get(`/2.0/files/${file.id}`);
    assert.equal(now.body.file_version.id, file.file_version.id);
    assert.equal((await api.download(file.id)).text, 'tiny');
  });
});

describe('TRANCHE_KEEP_ALIVE_TIMEOUT=1', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startServer({ env: { TRANCHE_KEEP_ALIVE_TIMEOUT: '1' }, args: ['--log-level', 'warn'] });
    token = await server.token('alice');
  });
  after(async () => {
    await server?.dispose();
  });

  test('an idle kept-alive connection is closed after about a second', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let answeredAt = 0;
    socket.on('data', () => (answeredAt ||= Date.now()));
    const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write(`GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    const idle = (await closedAt) - answeredAt;
    assert.ok(answeredAt > 0, 'the request was answered');
    assert.ok(idle >= 800 && idle <= 2_500, `closed ${idle} ms after the answer`);
  });
});
