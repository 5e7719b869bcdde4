/**
 * Limits and conditional requests over real HTTP (spec §2.5, §4.4, §4.6, §4.9, §5, §6.2, §9): 411 without a length,
 * quota and max-file-size (403), 413 for oversized simple uploads, preflight for a new version, downloading an old
 * version, and If-Match / If-None-Match on version-session commits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, shaDigest, uniqueName } from './helpers/http.js';

interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json?: any;
}

/** Sends exact request bytes over a socket (no Content-Length, no Transfer-Encoding) and parses the reply. */
function rawSocketRequest(port: number, requestHead: string): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(requestHead));
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP response head: ${all.toString('utf8').slice(0, 300)}`));
      const [statusLine, ...lines] = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = all.subarray(split + 4);
      if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
        const out: Buffer[] = [];
        let pos = 0;
        for (;;) {
          const eol = body.indexOf('\r\n', pos);
          if (eol < 0) break;
          const size = parseInt(body.subarray(pos, eol).toString('latin1'), 16);
          if (!size) break;
          out.push(body.subarray(eol + 2, eol + 2 + size));
          pos = eol + 2 + size + 2;
        }
        body = Buffer.concat(out);
      } else if (headers['content-length'] !== undefined) {
        body = body.subarray(0, Number(headers['content-length']));
      }
      let json: unknown;
      if ((headers['content-type'] ?? '').includes('json') && body.length) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      resolve({ status, headers, body, json });
    });
  });
}

async function listNames(api: Api, folderId = '0'): Promise<string[]> {
  const res = await api.get(`/2.0/folders/${folderId}/items?limit=1000`);
  assertStatus(res, 200);
  return res.body.entries.map((e: any) => e.name).sort();
}

describe('limits and conditional requests (small chunked minimum)', () => {
  let server: TestServer;
  let api: Api;
  let token: string;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '10', '--part-size', '1024', '--log-level', 'warn'] });
    token = await server.token('alice');
    api = new Api(server.origin, token);
  });
  after(async () => {
    await server?.dispose();
  });

  async function upload(name: string, data: Uint8Array | string, parent = '0'): Promise<any> {
    const res = await api.simpleUpload({ name, parent: { id: parent } }, data);
    assertStatus(res, 201);
    return res.body.entries[0];
  }

  test('PUT part with neither Content-Length nor chunked encoding → 411 length_required', async () => {
    const created = await api.createSession({ folder_id: '0', file_size: 100, file_name: uniqueName('nolen') });
    assertStatus(created, 201);
    const url = new URL(created.body.session_endpoints.upload_part);
    const part = randomBytesSeeded(100, 7);
    const head =
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\n` +
      `Host: 127.0.0.1:${server.port}\r\n` +
      `Authorization: Bearer ${token}\r\n` +
      `Content-Type: application/octet-stream\r\n` +
      `Content-Range: bytes 0-99/100\r\n` +
      `Digest: ${shaDigest(part)}\r\n` +
      `Connection: close\r\n\r\n`;
    const res = await rawSocketRequest(server.port, head);
    assert.equal(res.status, 411, `expected 411, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    assert.ok(res.json, `expected a JSON error body, got ${res.body.toString('utf8').slice(0, 300)}`);
    assert.equal(res.json.type, 'error');
    assert.equal(res.json.status, 411);
    assert.equal(res.json.code, 'length_required');
    // Nothing was stored for the session.
    const parts = await api.get(created.body.session_endpoints.list_parts);
    assertStatus(parts, 200);
    assert.equal(parts.body.entries.length, 0);
  });

  describe('preflight OPTIONS /2.0/files/{id}/content', () => {
    test('200 with an absolute upload_url that accepts a new version', async () => {
      const file = await upload(uniqueName('prever'), 'original bytes');
      const res = await api.options(`/2.0/files/${file.id}/content`, { name: file.name, size: 11 });
      assertStatus(res, 200);
      assert.match(res.body.upload_url, /^https?:\/\//);
      assert.ok(res.body.upload_url.startsWith(server.origin), `upload_url ${res.body.upload_url} must point at this server`);
      const up = await api.simpleUpload({ name: file.name }, 'new version', { url: res.body.upload_url });
      assertStatus(up, 200);
      assert.equal(up.schema, 'Files');
      const v2 = up.body.entries[0];
      assert.equal(v2.id, file.id);
      assert.equal(v2.sha1, sha1Hex('new version'));
      assert.notEqual(v2.file_version.id, file.file_version.id);
      assert.equal((await api.download(file.id)).text, 'new version');
    });

    test('name colliding with another item in the folder → 409 item_name_in_use', async () => {
      const file = await upload(uniqueName('prever-a'), 'aaa');
      const other = await upload(uniqueName('prever-b'), 'bbb');
      const res = await api.options(`/2.0/files/${file.id}/content`, { name: other.name, size: 3 });
      assertError(res, 409, 'item_name_in_use');
      // The file itself is unchanged.
      assert.equal((await api.download(file.id)).text, 'aaa');
    });
  });

  test('GET /files/{id}/content?version=<old> → the old bytes; unknown version → 404', async () => {
    const v1 = await upload(uniqueName('oldver'), 'first version bytes');
    const up = await api.simpleUpload({}, 'second version', { fileId: v1.id });
    assertStatus(up, 200);
    assert.notEqual(up.body.entries[0].file_version.id, v1.file_version.id);
    assert.equal((await api.download(v1.id)).text, 'second version');
    const old = await api.get(`/2.0/files/${v1.id}/content?version=${v1.file_version.id}`, { follow: true });
    assertStatus(old, 200);
    assert.equal(old.text, 'first version bytes');
    assertError(await api.get(`/2.0/files/${v1.id}/content?version=987654321`, { follow: true }), 404);
  });

  test('version-session commit: If-None-Match current etag → 412; If-Match wrong → 412; If-Match right → 201', async () => {
    const file = await upload(uniqueName('cond'), randomBytesSeeded(50, 3));
    const v2 = randomBytesSeeded(1500, 4);
    const created = await api.post(`/api/2.0/files/${file.id}/upload_sessions`, { file_size: v2.length });
    assertStatus(created, 201);
    const s = created.body;
    const parts: any[] = [];
    for (let offset = 0; offset < v2.length; offset += s.part_size) {
      const size = Math.min(s.part_size, v2.length - offset);
      const res = await api.putPart(s.session_endpoints.upload_part, v2, offset, size);
      assertStatus(res, 200);
      parts.push(res.body.part);
    }
    assertError(await api.commit(s.session_endpoints.commit, parts, v2, {}, { 'If-None-Match': file.etag }), 412, 'precondition_failed');
    assertError(await api.commit(s.session_endpoints.commit, parts, v2, {}, { 'If-Match': 'not-the-etag' }), 412, 'precondition_failed');
    const ok = await api.commit(s.session_endpoints.commit, parts, v2, {}, { 'If-Match': file.etag });
    assertStatus(ok, 201);
    const entry = ok.body.entries[0];
    assert.equal(entry.id, file.id);
    assert.equal(entry.sha1, sha1Hex(v2));
    assert.ok(Buffer.from((await api.download(file.id)).raw).equals(v2));
  });
});

describe('user quota (--user-quota 1000)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--user-quota', '1000', '--min-chunked-size', '10', '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('session for 2000 bytes → 403 storage_limit_exceeded', async () => {
    const res = await api.createSession({ folder_id: '0', file_size: 2000, file_name: uniqueName('q') });
    assertError(res, 403, 'storage_limit_exceeded');
  });

  test('simple upload exceeding the quota → 403 storage_limit_exceeded and nothing stored', async () => {
    const first = await api.simpleUpload({ name: uniqueName('q1'), parent: { id: '0' } }, randomBytesSeeded(600, 1));
    assertStatus(first, 201);
    const before = await listNames(api);
    const name = uniqueName('q2');
    const res = await api.simpleUpload({ name, parent: { id: '0' } }, randomBytesSeeded(600, 2));
    assertError(res, 403, 'storage_limit_exceeded');
    const afterNames = await listNames(api);
    assert.deepEqual(afterNames, before);
    assert.ok(!afterNames.includes(name));
  });

  test('preflight OPTIONS /2.0/files/content with size 2000 → 403 storage_limit_exceeded', async () => {
    const res = await api.options('/2.0/files/content', { name: uniqueName('qp'), size: 2000, parent: { id: '0' } });
    assertError(res, 403, 'storage_limit_exceeded');
  });
});

describe('max file size (--max-file-size 500)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--max-file-size', '500', '--min-chunked-size', '10', '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('session with file_size 600 → 403 file_size_limit_exceeded', async () => {
    const res = await api.createSession({ folder_id: '0', file_size: 600, file_name: uniqueName('big') });
    assertError(res, 403, 'file_size_limit_exceeded');
  });
});

describe('request size cap (50 MiB simple uploads)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('simple upload of 50 MiB + 1 byte → 413 request_entity_too_large and nothing stored', async () => {
    const name = uniqueName('huge');
    const before = await listNames(api);
    const data = Buffer.alloc(52_428_801, 0x61);
    const res = await api.simpleUpload({ name, parent: { id: '0' } }, data);
    assertError(res, 413, 'request_entity_too_large');
    const afterNames = await listNames(api);
    assert.deepEqual(afterNames, before);
    assert.ok(!afterNames.includes(name));
  });
});
