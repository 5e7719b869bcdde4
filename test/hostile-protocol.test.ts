/**
 * Hostile input, part 3: HTTP itself, over bare sockets. Broken request lines and headers, smuggling-style length
 * headers, literal dot segments, oversized heads, lying lengths, and slow or vanishing clients (slowloris, stalls
 * mid-body, bodies dribbled past the request timeout, half-closes and resets). Every case gets a Box error envelope
 * (or, where the client is gone, a closed connection) within a stated bound; the server keeps answering, and the
 * stored state is unchanged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { TestServer } from './helpers/server.js';
import { assertStatus, randomBytesSeeded, shaDigest, uniqueName } from './helpers/http.js';
import {
  assertAlive,
  assertBoxError,
  CASE_BOUND_MS,
  createFixture,
  HEADER_TIMEOUT_S,
  IDLE_TIMEOUT_S,
  PART,
  REQUEST_TIMEOUT_S,
  snapshot,
  startHostileServer,
  type Fixture,
} from './helpers/hostile.js';
import { dribble, pause, rawExchange, send, type Script, type SocketReply } from './helpers/raw-socket.js';

/** Node checks header and request timeouts once a second; a socket's idle timer fires on time. */
const SLACK_MS = 1_500;

interface RawCase {
  name: string;
  script: (f: Fixture, port: number) => Script | Promise<Script>;
  /** Expected status and code; status 0: the connection is closed without an answer. */
  status: number;
  code?: string;
  /** Answer (or close) within this many ms (default CASE_BOUND_MS). */
  withinMs?: number;
}

const auth = (f: Fixture) => `Authorization: Bearer ${f.token}\r\n`;
const get = (target: string, extra = '') => (f: Fixture) => send(`GET ${target} HTTP/1.1\r\nHost: t\r\n${auth(f)}${extra}Connection: close\r\n\r\n`);
const raw = (text: string | ((f: Fixture) => string)) => (f: Fixture) => send(typeof text === 'string' ? text : text(f));

const MALFORMED: RawCase[] = [
  { name: 'HTTP/9.9', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/9.9\r\nHost: t\r\n\r\n') },
  { name: 'unknown method', status: 400, code: 'bad_request', script: raw('FOO /2.0/folders/0 HTTP/1.1\r\nHost: t\r\n\r\n') },
  { name: 'bare LF line endings', status: 400, code: 'bad_request', script: raw((f) => `GET /2.0/folders/0 HTTP/1.1\nHost: t\n${auth(f).trim()}\n\n`) },
  { name: 'space in a header name', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nBad Header: y\r\n\r\n') },
  { name: 'NUL in a header value', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nX-A: a\u0000b\r\n\r\n') },
  { name: 'CR inside a header value', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n') },
  { name: 'header line without a colon', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n') },
  { name: 'obsolete line folding', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nX-A: a\r\n  folded\r\n\r\n') },
  { name: 'negative Content-Length', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Length: -1\r\n\r\n`) },
  { name: 'Content-Length of 23 digits', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Length: 99999999999999999999999\r\n\r\n`) },
  { name: 'Content-Length in exponent form', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Length: 1e3\r\n\r\n`) },
  { name: 'two different Content-Lengths', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`) },
  { name: 'Content-Length with chunked encoding (smuggling)', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`) },
  { name: 'Transfer-Encoding gzip alone', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Transfer-Encoding: gzip\r\n\r\n`) },
  { name: 'chunk size not hex', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`) },
  { name: 'chunk size overflowing 64 bits', status: 400, code: 'bad_request', script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{}\r\n`) },
  { name: 'HTTP/2 preface', status: 400, code: 'bad_request', script: raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') },
  { name: 'TLS ClientHello bytes', status: 400, code: 'bad_request', script: () => send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])) },
  { name: 'space inside the request target', status: 400, code: 'bad_request', script: raw('GET /2.0/folders/0 x HTTP/1.1\r\nHost: t\r\n\r\n') },
  { name: 'NUL inside the request target', status: 400, code: 'bad_request', script: raw('GET /2.0/files/1\u0000 HTTP/1.1\r\nHost: t\r\n\r\n') },
  { name: 'control character in the Authorization header', status: 400, code: 'bad_request', script: raw((f) => `GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${f.token}\u0001\r\n\r\n`) },
  { name: 'HTTP/1.1 without Host', status: 400, code: 'bad_request', script: raw((f) => `GET /2.0/folders/0 HTTP/1.1\r\n${auth(f)}Connection: close\r\n\r\n`) },
  { name: 'CONNECT', status: 405, code: 'method_not_allowed', script: raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n') },
  { name: 'TRACE', status: 405, code: 'method_not_allowed', script: raw((f) => `TRACE /2.0/folders/0 HTTP/1.1\r\nHost: t\r\n${auth(f)}Connection: close\r\n\r\n`) },
  { name: 'unsupported Expect', status: 417, code: 'expectation_failed', script: get('/2.0/folders/0', 'Expect: 200-ok\r\n') },
];

const TRAVERSAL: RawCase[] = [
  { name: 'files/../../../etc/passwd', status: 404, code: 'not_found', script: get('/2.0/files/../../../etc/passwd') },
  { name: 'upload_sessions/../../../../etc/passwd', status: 404, code: 'not_found', script: get('/api/2.0/files/upload_sessions/../../../../etc/passwd') },
  { name: 'folders/0/../../../../etc/passwd', status: 404, code: 'not_found', script: get('/2.0/folders/0/../../../../etc/passwd') },
  { name: 'encoded dot segments', status: 404, code: 'not_found', script: get('/2.0/files/%2e%2e/%2e%2e/etc/passwd') },
  { name: 'encoded slashes and dots in one segment', status: 404, code: 'not_found', script: get('/2.0/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd/content') },
  { name: 'dot segments that would lead to another route', status: 404, code: 'not_found', script: (f) => get(`/2.0/files/${f.fileId}/content/../../../folders/0`)(f) },
  { name: 'encoded NUL before a dot segment', status: 404, code: 'not_found', script: get('/2.0/folders/..%00/items') },
  { name: 'doubled slashes', status: 404, code: 'not_found', script: get('//2.0//folders//0') },
  { name: 'backslashes', status: 404, code: 'not_found', script: get('/2.0/files/..\\..\\windows\\win.ini') },
  { name: 'absolute-form target with dot segments', status: 404, code: 'not_found', script: get('http://t/2.0/files/../../etc/passwd') },
];

const OVERSIZED: RawCase[] = [
  { name: 'one 20 KiB header', status: 431, code: 'request_header_fields_too_large', script: get('/2.0/folders/0', `X-Big: ${'a'.repeat(20_000)}\r\n`) },
  { name: '3,000 small headers', status: 431, code: 'request_header_fields_too_large', script: get('/2.0/folders/0', Array.from({ length: 3000 }, (_, i) => `X-${i}: 1\r\n`).join('')) },
  { name: 'a 20 KiB URL', status: 431, code: 'request_header_fields_too_large', script: get(`/2.0/folders/0?pad=${'a'.repeat(20_000)}`) },
  { name: 'a 17 KiB bearer token', status: 431, code: 'request_header_fields_too_large', script: raw(`GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${'t'.repeat(17_000)}\r\n\r\n`) },
];

/** A PUT head for part 0 of session `id` (range and digest of `data`'s first part). */
function putHead(f: Fixture, id: string, data: Buffer, lengthLine: string): string {
  const part = data.subarray(0, PART);
  return (
    `PUT /api/2.0/files/upload_sessions/${id} HTTP/1.1\r\nHost: t\r\n${auth(f)}` +
    `Content-Type: application/octet-stream\r\nContent-Range: bytes 0-${PART - 1}/${data.length}\r\nDigest: ${shaDigest(part)}\r\n${lengthLine}\r\n`
  );
}
const chunk = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

/** Fresh sessions the body cases write to, so they never touch the fixture; each must end with no part stored. */
const scratch: Array<{ id: string; data: Buffer; listParts: string }> = [];
async function scratchSession(f: Fixture): Promise<{ id: string; data: Buffer }> {
  const data = randomBytesSeeded(2 * PART, scratch.length + 100);
  const res = await f.api.createSession({ folder_id: f.folderId, file_size: data.length, file_name: uniqueName('scratch') });
  assertStatus(res, 201);
  scratch.push({ id: res.body.id, data, listParts: res.body.session_endpoints.list_parts });
  return { id: res.body.id, data };
}

const LENGTHS: RawCase[] = [
  {
    name: 'Content-Length smaller than the range',
    status: 400,
    code: 'request_size_mismatch',
    script: async (f) => {
      const s = await scratchSession(f);
      return send(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, 'Content-Length: 500\r\n')), s.data.subarray(0, 500)]));
    },
  },
  {
    name: 'Content-Length of a petabyte, answered and closed',
    status: 400,
    code: 'request_size_mismatch',
    script: async (f) => {
      const s = await scratchSession(f);
      return send(putHead(f, s.id, s.data, 'Content-Length: 1000000000000000\r\n'));
    },
  },
  {
    name: 'chunked body longer than the range',
    status: 400,
    code: 'request_size_mismatch',
    script: async (f) => {
      const s = await scratchSession(f);
      return send(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, 'Transfer-Encoding: chunked\r\n')), chunk(s.data.subarray(0, PART)), chunk(Buffer.alloc(64)), Buffer.from('0\r\n\r\n')]));
    },
  },
  {
    name: 'chunked body shorter than the range',
    status: 400,
    code: 'request_size_mismatch',
    script: async (f) => {
      const s = await scratchSession(f);
      return send(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, 'Transfer-Encoding: chunked\r\n')), chunk(s.data.subarray(0, 600)), Buffer.from('0\r\n\r\n')]));
    },
  },
  {
    name: 'neither Content-Length nor chunked',
    status: 411,
    code: 'length_required',
    script: async (f) => {
      const s = await scratchSession(f);
      return send(putHead(f, s.id, s.data, 'Connection: close\r\n'));
    },
  },
];

const SLOW: RawCase[] = [
  {
    name: 'slowloris: headers dribbled a byte every 50 ms',
    status: 408,
    code: 'request_timeout',
    withinMs: HEADER_TIMEOUT_S * 1000 + SLACK_MS,
    script: (f) => dribble(`GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\n${auth(f)}X-Pad: ${'p'.repeat(400)}\r\n\r\n`, 50),
  },
  {
    name: 'request line never finished',
    status: 408,
    code: 'request_timeout',
    withinMs: HEADER_TIMEOUT_S * 1000 + SLACK_MS,
    script: () => send('GET /2.0/fol'),
  },
  {
    // Node's header timer runs from the moment of connection.
    name: 'connection that never sends a byte',
    status: 408,
    code: 'request_timeout',
    withinMs: HEADER_TIMEOUT_S * 1000 + SLACK_MS,
    script: () => () => {},
  },
  {
    name: 'part body stalls halfway',
    status: 408,
    code: 'request_timeout',
    withinMs: IDLE_TIMEOUT_S * 1000 + SLACK_MS,
    script: async (f) => {
      const s = await scratchSession(f);
      return send(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, `Content-Length: ${PART}\r\n`)), s.data.subarray(0, PART / 2)]));
    },
  },
  {
    name: 'part body dribbled past the request timeout',
    status: 408,
    code: 'request_timeout',
    withinMs: REQUEST_TIMEOUT_S * 1000 + SLACK_MS,
    script: async (f) => {
      const s = await scratchSession(f);
      const body = dribble(s.data.subarray(0, PART), 20);
      return async (socket) => {
        socket.write(putHead(f, s.id, s.data, `Content-Length: ${PART}\r\n`));
        await body(socket);
      };
    },
  },
  {
    name: 'JSON body stalls halfway',
    status: 408,
    code: 'request_timeout',
    withinMs: IDLE_TIMEOUT_S * 1000 + SLACK_MS,
    script: raw((f) => `POST /2.0/folders HTTP/1.1\r\nHost: t\r\n${auth(f)}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`),
  },
  {
    name: 'client half-closes mid-body',
    status: 400,
    code: 'request_size_mismatch',
    script: async (f) => {
      const s = await scratchSession(f);
      return async (socket) => {
        socket.write(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, `Content-Length: ${PART}\r\n`)), s.data.subarray(0, 300)]));
        await pause(200);
        socket.end();
      };
    },
  },
  {
    // The client itself cuts the connection, so no answer can be read; what counts is checked after the group:
    // the server lives on, and the session and its parts are unchanged.
    name: 'client resets mid-body',
    status: 0,
    script: async (f) => {
      const s = await scratchSession(f);
      return async (socket) => {
        socket.write(Buffer.concat([Buffer.from(putHead(f, s.id, s.data, `Content-Length: ${PART}\r\n`)), s.data.subarray(0, 300)]));
        await pause(200);
        socket.resetAndDestroy();
      };
    },
  },
];

function check(c: RawCase, reply: SocketReply): void {
  const bound = c.withinMs ?? CASE_BOUND_MS;
  assert.ok(reply.elapsedMs <= bound, `${c.name}: took ${reply.elapsedMs} ms, bound ${bound} ms`);
  if (c.status === 0) {
    assert.equal(reply.status, 0, `${c.name}: expected no answer, got ${reply.status} ${reply.body.toString('utf8').slice(0, 200)}`);
    assert.ok(reply.closed, `${c.name}: the connection must be closed`);
    return;
  }
  assertBoxError(reply, c.status, c.code!, c.name);
  assert.equal(reply.headers['box-request-id'], reply.json.request_id, `${c.name}: box-request-id header`);
}

describe('hostile HTTP over bare sockets', () => {
  let server: TestServer;
  let f: Fixture;
  let before_: unknown;

  before(async () => {
    server = await startHostileServer();
    f = await createFixture(server);
    before_ = await snapshot(f);
  });
  after(async () => {
    await server?.dispose();
  });

  const groups: Array<[string, RawCase[]]> = [
    ['malformed requests', MALFORMED],
    ['literal and encoded dot segments', TRAVERSAL],
    ['oversized heads', OVERSIZED],
    ['bodies whose length lies', LENGTHS],
  ];
  for (const [title, cases] of groups) {
    describe(`${title} (${cases.length} cases)`, () => {
      for (const c of cases) {
        test(c.name, async () => check(c, await rawExchange(server.port, await c.script(f, server.port), { timeoutMs: 15_000, closeWaitMs: 200 })));
      }
      test('afterwards the server answers and nothing stored has changed', async () => {
        await assertAlive(server, f.api);
        assert.deepEqual(await snapshot(f), before_);
      });
    });
  }

  // Each slow case waits on a timer of its own: run them side by side.
  describe(`slow and vanishing clients (${SLOW.length} cases)`, { concurrency: true }, () => {
    for (const c of SLOW) {
      test(c.name, async () => check(c, await rawExchange(server.port, await c.script(f, server.port), { timeoutMs: 15_000, closeWaitMs: 200 })));
    }
  });

  test('a connection whose part body failed midway still carries the next request', async () => {
    const s = await scratchSession(f);
    // 1,025 bytes for a 1,024-byte part fail the write; 256 KiB more are still on the way when the answer goes out.
    const head = putHead(f, s.id, s.data, 'Transfer-Encoding: chunked\r\n');
    const next = `GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\n${auth(f)}\r\n`;
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(Buffer.concat([Buffer.from(head), chunk(Buffer.alloc(PART + 1)), chunk(Buffer.alloc(256 * 1024)), Buffer.from('0\r\n\r\n'), Buffer.from(next)]));
      });
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(text);
      }, CASE_BOUND_MS);
      socket.on('data', (data: Buffer) => {
        text += data.toString('latin1');
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2 && text.includes('"All Files"')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    const statuses = [...answers.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [400, 200], `answers on the connection: ${answers.slice(0, 400)}`);
    assert.match(answers, /request_size_mismatch/);
  });

  test('after the slow clients the server answers, nothing is stored, and the cut-off parts upload at once', async () => {
    await assertAlive(server, f.api);
    assert.deepEqual(await snapshot(f), before_);
    assert.ok(scratch.length >= 9);
    for (const s of scratch) {
      const listed = await f.api.get(s.listParts);
      assertStatus(listed, 200);
      assert.deepEqual(listed.body.entries, [], `session ${s.id} must hold no part`);
      // The part claim of the cut-off request is released: the same part uploads straight away.
      const started = Date.now();
      const again = await f.api.putPart(`${server.origin}/api/2.0/files/upload_sessions/${s.id}`, s.data, 0, PART);
      assertStatus(again, 200);
      assert.ok(Date.now() - started < 2_000, `retrying part 0 of ${s.id} took ${Date.now() - started} ms`);
    }
  });
});
