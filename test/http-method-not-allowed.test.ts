/**
 * A wrong method on a known path answers 405 `method_not_allowed` with an `Allow` header naming the methods the path
 * takes, whatever the request's body or content type (the body is never read); an unknown path answers 404 the same
 * way. And `?access_token=` is a credential only where Box accepts it, on downloads (GET /files/{id}/content).
 *
 * Regressions: `DELETE …/parts` with a JSON content type answered 400 (the body was parsed before the route was
 * found missing), and a token in the query was accepted on every route, writes included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, uniqueName } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';

describe('405 from the route table, and access_token only on downloads', () => {
  let server: TestServer;
  let api: Api;
  let sessionId: string;
  let fileId: string;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024', '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
    const created = await api.createSession({ folder_id: '0', file_size: 3000, file_name: uniqueName('m') });
    assertStatus(created, 201);
    sessionId = created.body.id;
    const up = await api.simpleUpload({ name: uniqueName('m'), parent: { id: '0' } }, 'content');
    assertStatus(up, 201);
    fileId = up.body.entries[0].id;
  });
  after(async () => {
    await server?.dispose();
  });

  test('a wrong method answers 405 with Allow, whatever the body or content type', async () => {
    const session = `/api/2.0/files/upload_sessions/${sessionId}`;
    const paths: Array<[string, string, string[]]> = [
      [`${session}/parts`, 'GET, HEAD', ['DELETE', 'POST', 'PUT', 'PATCH']],
      [`${session}/commit`, 'POST', ['GET', 'PUT', 'DELETE']],
      [`${session}/log`, 'POST', ['GET', 'DELETE']],
      [session, 'DELETE, GET, HEAD, PUT', ['POST', 'PATCH']],
      // A literal path is a resource of its own, though /files/:id would also match it (no file has that id).
      ['/api/2.0/files/upload_sessions', 'POST', ['GET', 'PUT', 'DELETE', 'PATCH']],
      ['/2.0/files/content', 'OPTIONS, POST', ['GET', 'PUT', 'DELETE']],
      [`/2.0/files/${fileId}`, 'DELETE, GET, HEAD, POST, PUT', ['PATCH']],
      [`/2.0/files/${fileId}/content`, 'GET, HEAD, OPTIONS, POST', ['PUT', 'DELETE']],
      ['/2.0/folders', 'POST', ['GET', 'DELETE']],
      ['/2.0/folders/0/items', 'GET, HEAD', ['POST', 'DELETE']],
    ];
    const bodies: Array<[string, { body?: string; headers?: Record<string, string> }]> = [
      ['no body', {}],
      ['JSON content type, empty body', { headers: { 'Content-Type': 'application/json' } }],
      ['invalid JSON', { body: '{"parts": [', headers: { 'Content-Type': 'application/json' } }],
      ['JSON over every body limit', { body: JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }), headers: { 'Content-Type': 'application/json' } }],
      ['broken multipart', { body: '--x\r\nnot a part', headers: { 'Content-Type': 'multipart/form-data; boundary=x' } }],
      ['bytes', { body: 'raw', headers: { 'Content-Type': 'application/octet-stream' } }],
    ];
    for (const [path, allow, methods] of paths) {
      for (const method of methods) {
        for (const [what, options] of bodies) {
          if (method === 'GET' && options.body !== undefined) continue; // fetch sends no body with GET
          const res = await api.request(method, path, { ...options, validate: false });
          assertBoxError(res, 405, 'method_not_allowed', `${method} ${path} (${what})`);
          assert.equal(res.headers.get('allow'), allow, `${method} ${path}: Allow`);
        }
      }
    }
  });

  test('an unknown path answers 404 whatever the body', async () => {
    for (const path of ['/2.0/nowhere', '/2.0/folders/0/items/more', '/3.0/folders/0']) {
      const res = await api.request('POST', path, { body: '{', headers: { 'Content-Type': 'application/json' }, validate: false });
      assertBoxError(res, 404, 'not_found', path);
      assert.equal(res.headers.get('allow'), null);
    }
  });

  test('?access_token= authenticates downloads and nothing else; a write with it changes nothing', async () => {
    const q = `access_token=${encodeURIComponent(api.token!)}`;
    const anonymous = api.as(null);
    const download = await anonymous.get(`/2.0/files/${fileId}/content?${q}`);
    assertStatus(download, 200);
    assert.equal(download.text, 'content');
    const head = await anonymous.request('HEAD', `/2.0/files/${fileId}/content?${q}`, { validate: false });
    assert.equal(head.status, 200);
    const before = await api.get('/2.0/folders/0/items?limit=1000');
    assertStatus(before, 200);
    const name = uniqueName('query-token');
    const refused: Array<[string, Promise<import('./helpers/http.js').ApiResponse>]> = [
      ['create a folder', anonymous.post(`/2.0/folders?${q}`, { name, parent: { id: '0' } }, { validate: false })],
      ['create a session', anonymous.post(`/api/2.0/files/upload_sessions?${q}`, { folder_id: '0', file_size: 3000, file_name: name }, { validate: false })],
      ['abort a session', anonymous.delete(`/api/2.0/files/upload_sessions/${sessionId}?${q}`, { validate: false })],
      ['read a folder', anonymous.get(`/2.0/folders/0?${q}`, { validate: false })],
      ['read file metadata', anonymous.get(`/2.0/files/${fileId}?${q}`, { validate: false })],
      ['session status', anonymous.get(`/api/2.0/files/upload_sessions/${sessionId}?${q}`, { validate: false })],
    ];
    for (const [what, pending] of refused) {
      const res = await pending;
      assertBoxError(res, 401, 'unauthorized', what);
      assert.match(res.body.message, /access_token/, what);
    }
    const after = await api.get('/2.0/folders/0/items?limit=1000');
    assert.deepEqual(after.body.entries, before.body.entries, 'nothing was created');
    assertStatus(await api.get(`/api/2.0/files/upload_sessions/${sessionId}`), 200);
    // With the header, the same query parameter is ignored (it is no credential there).
    assertStatus(await api.get(`/2.0/folders/0?access_token=junk`), 200);
  });
});
