/**
 * One structured log line per request (issue 15): the request id in the log line, the `X-Request-Id` and
 * `box-request-id` headers and the Box error body's `request_id` are one id; a proxy's X-Request-Id is taken when it
 * is a plain token and replaced otherwise; the line carries user, route, status, bytes and duration, and never a
 * credential.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, uniqueName } from './helpers/http.js';

interface LogLine {
  msg?: string;
  request_id?: string;
  userId?: string | null;
  method?: string;
  route?: string;
  status?: number;
  bytesIn?: number;
  bytesOut?: number;
  durationMs?: number;
}

describe('request log', () => {
  let server: TestServer;
  let api: Api;
  let token: string;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024'] });
    token = await server.token('erin');
    api = new Api(server.origin, token);
  });
  after(async () => {
    await server?.dispose();
  });

  /** The request lines the server printed with this id (waits for the line: it is written after the answer). */
  async function linesOf(id: string): Promise<LogLine[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine)
        .filter((l) => l.msg === 'request' && l.request_id === id);
      if (lines.length > 0 || Date.now() > deadline) return lines;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('an error: one id in the log line, both headers and the body', async () => {
    const res = await api.get('/2.0/files/999999');
    assertError(res, 404, 'not_found');
    const id = res.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(res.headers.get('box-request-id'), id);
    assert.equal(res.body.request_id, id);
    const [line, ...more] = await linesOf(id);
    assert.equal(more.length, 0, 'one line per request');
    assert.ok(line);
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/2.0/files/:id');
    assert.equal(line.status, 404);
    assert.match(String(line.userId), /^\d+$/);
    assert.ok(line.bytesOut! > res.raw.length, 'bytes out include the head');
    assert.ok(line.bytesIn! > 0);
    assert.ok(typeof line.durationMs === 'number' && line.durationMs >= 0);
  });

  test("a proxy's X-Request-Id is used throughout; an unacceptable one is replaced", async () => {
    const res = await api.get('/2.0/folders/nope', { headers: { 'X-Request-Id': 'edge-7f3a:42' } });
    assertError(res, 404);
    assert.equal(res.headers.get('x-request-id'), 'edge-7f3a:42');
    assert.equal(res.body.request_id, 'edge-7f3a:42');
    assert.equal((await linesOf('edge-7f3a:42')).length, 1);

    for (const bad of ['has space', 'x'.repeat(129), 'quote"d']) {
      const replaced = await api.get('/2.0/folders/nope', { headers: { 'X-Request-Id': bad } });
      const id = replaced.headers.get('x-request-id')!;
      assert.match(id, /^[0-9a-f]{16}$/, `${JSON.stringify(bad)} is replaced`);
      assert.equal(replaced.body.request_id, id);
    }
  });

  test('a part upload logs its bytes in; credentials never reach the log', async () => {
    const data = randomBytesSeeded(2048, 5);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('log') });
    assertStatus(created, 201);
    const put = await api.putPart(created.body.session_endpoints.upload_part, data, 0, 1024);
    assertStatus(put, 200);
    const [line] = await linesOf(put.headers.get('x-request-id')!);
    assert.equal(line?.route, '/api/2.0/files/upload_sessions/:id');
    assert.equal(line?.status, 200);
    assert.ok(line!.bytesIn! >= 1024, `bytesIn ${line!.bytesIn}`);
    // The token in a query string and in a header, on success and on refusal.
    const query = await api.as(null).get(`/2.0/files/123/content?access_token=${token}`);
    assertError(query, 404);
    await linesOf(query.headers.get('x-request-id')!);
    await api.as(`${token}x`).get('/2.0/folders/0');
    assert.ok(!server.output().includes(token), 'the token appears nowhere in the output');
  });
});
