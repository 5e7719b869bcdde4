/**
 * Outsiders (no valid token) against the connection layer. A request refused before authentication is answered and
 * its connection closed by a bounded lingering close: the client still reads its answer (an 8 MiB body behind it
 * does not reset it away), but can neither trickle the refused body for the hour a request may take nor make the
 * server read a large one to its end. Connections are capped per client address and in total, so one address
 * holding or flooding connections leaves the others served.
 *
 * Regressions: before, a 401 with a large declared Content-Length was answered and the body then read to its end
 * (up to 512 MiB), a trickled one kept its socket until the request timeout, and one address could hold as many
 * connections as the process had file descriptors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { clientKey } from '@tranche/server';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';
import { rawExchange, send } from './helpers/raw-socket.js';
import { flood, requestFrom } from './helpers/connection-flood.js';

/** The server's lingering bounds (packages/server/src/http/lingering-close.ts): 1 MiB, 5 s in all, 2 s idle. */
const LINGER_MS = 5_000;
const SESSION_PATH = '/api/2.0/files/upload_sessions/0123456789ABCDEF0123456789ABCDEF';

function putHead(token: string, contentLength: number): string {
  return (
    `PUT ${SESSION_PATH} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Range: bytes 0-${contentLength - 1}/${contentLength}\r\nDigest: sha=AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\nContent-Length: ${contentLength}\r\n\r\n`
  );
}

interface Refused {
  status: number;
  head: string;
  /** ms from connecting to the answer's head, and to the server closing the connection. */
  answeredAt: number;
  closedAt: number;
  /** Body bytes the kernel took from the client before the server closed (the write callbacks that succeeded). */
  accepted: number;
}

/**
 * Sends `head`, then a body either trickled (one byte every `trickleMs`) or pushed as fast as the connection takes
 * it (`floodBytes`), never stopping on its own: a client that ignores the answer, half-open so that the server's FIN
 * does not end it. Resolves when the server has closed the connection, or after `timeoutMs`.
 */
function refusedWhileSending(port: number, head: string, body: { trickleMs: number } | { floodBytes: number }, timeoutMs: number): Promise<Refused> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let answeredAt = 0;
    let accepted = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept the connection for ${timeoutMs} ms (answer: ${received.split('\r\n')[0] || 'none'}, ${accepted} body bytes taken)`));
    }, timeoutMs);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!answeredAt && received.includes('\r\n\r\n')) answeredAt = Date.now() - started;
    });
    socket.once('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve({ status, head: received.split('\r\n\r\n')[0] ?? '', answeredAt, closedAt: Date.now() - started, accepted });
    });
    socket.once('connect', () => {
      socket.write(head);
      if ('trickleMs' in body) {
        timer = setInterval(() => socket.write('x', (error) => !error && accepted++), body.trickleMs);
        return;
      }
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let left = body.floodBytes;
      const pump = (): void => {
        while (left > 0 && !socket.destroyed) {
          left -= chunk.length;
          if (!socket.write(chunk, (error) => !error && (accepted += chunk.length))) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

describe('refusals before authentication end in a bounded lingering close', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    // Default timeouts: a request may take an hour, a connection idle 120 s.
    server = await startServer({ args: ['--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('a 401 whose body trickles in is closed within the lingering bound, not kept for the request timeout', async () => {
    const reply = await refusedWhileSending(server.port, putHead('not-a-token', 100_000_000), { trickleMs: 200 }, LINGER_MS + 10_000);
    assert.equal(reply.status, 401, reply.head);
    assert.match(reply.head, /\r\nconnection: close/i);
    const lingered = reply.closedAt - reply.answeredAt;
    assert.ok(lingered <= LINGER_MS + 2_000, `closed ${lingered} ms after the answer`);
  });

  test('a 401 whose body floods in is cut after a bounded drain, not read to its declared 64 MiB', async () => {
    const declared = 64 * 1024 * 1024;
    const reply = await refusedWhileSending(server.port, putHead('not-a-token', declared), { floodBytes: declared }, 30_000);
    assert.equal(reply.status, 401, reply.head);
    // What the server read (≤ 1 MiB after the answer) plus what the kernel buffers of both ends hold.
    assert.ok(reply.accepted < declared / 2, `the server took ${reply.accepted} of ${declared} bytes before closing`);
  });

  test('an 8 MiB body behind a refusal still gets its answer, never a reset', async () => {
    const junk = Buffer.alloc(8 * 1024 * 1024, 0x7b);
    const token = api.token!;
    const cases: Array<[string, number, string, string]> = [
      ['no valid token, part PUT', 401, 'unauthorized', putHead('not-a-token', junk.length)],
      ['no valid token, JSON', 401, 'unauthorized', `POST /2.0/folders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${junk.length}\r\n\r\n`],
      ['JSON over its limit', 413, 'request_entity_too_large', `POST /2.0/folders HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${junk.length}\r\n\r\n`],
      ['a malformed header', 400, 'bad_request', `POST /2.0/folders HTTP/1.1\r\nHost: t\r\nBad Header: x\r\nContent-Length: ${junk.length}\r\n\r\n`],
      ['an oversized head', 431, 'request_header_fields_too_large', `POST /2.0/folders HTTP/1.1\r\nHost: t\r\nX-Pad: ${'p'.repeat(20_000)}\r\nContent-Length: ${junk.length}\r\n\r\n`],
    ];
    for (const [what, status, code, head] of cases) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const reply = await rawExchange(server.port, send(Buffer.concat([Buffer.from(head, 'latin1'), junk])), { timeoutMs: 15_000 });
        assertBoxError(reply, status, code, `${what}, attempt ${attempt}`);
      }
    }
    // The same through fetch, which sends its whole body before it reads.
    const refused = await fetch(`${server.origin}${SESSION_PATH}`, { method: 'PUT', headers: { Authorization: 'Bearer nope', 'Content-Range': `bytes 0-${junk.length - 1}/${junk.length}` }, body: junk });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'unauthorized');
    const tooLarge = await fetch(`${server.origin}/2.0/folders`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: junk });
    assert.equal(tooLarge.status, 413);
    assertStatus(await api.get('/2.0/folders/0'), 200);
  });

  test('a client without a valid token keeps no connection: its answer says close, and the server closes', async () => {
    const reply = await rawExchange(server.port, send('GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\n\r\n'), { closeWaitMs: 5_000 });
    assertBoxError(reply, 401, 'unauthorized');
    assert.equal(reply.headers['connection'], 'close');
    assert.ok(reply.closed, 'the server closed the connection after the 401');
    // With a valid token the connection is kept alive.
    const kept = await rawExchange(server.port, send(`GET /2.0/folders/0 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${api.token}\r\n\r\n`), { closeWaitMs: 1_000 });
    assert.equal(kept.status, 200);
    assert.equal(kept.closed, false);
  });
});

describe('connection caps: per client address and in total', () => {
  const PER_ADDRESS = 40;
  const TOTAL = 150;
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startServer({
      args: ['--max-connections-per-address', String(PER_ADDRESS), '--max-connections', String(TOTAL), '--header-timeout', '300', '--log-level', 'warn'],
    });
    token = await server.token('alice');
  });
  after(async () => {
    await server?.dispose();
  });

  test('one address past its cap is refused at accept while other addresses are served; the total cap holds too', async () => {
    const hog = await flood(server.port, { from: '127.0.0.1', count: 300, trickleMs: 500 });
    try {
      // Every connection past the cap is closed by the server, at once and without an answer.
      await hog.closedAtLeast(300 - PER_ADDRESS);
      const other = await requestFrom('127.0.0.2', server.port, '/2.0/folders/0', { token });
      assert.equal(other.status, 200);
      assert.ok(other.elapsedMs < 1_000, `another address waited ${other.elapsedMs} ms`);
      assert.equal(hog.closedByServer, 300 - PER_ADDRESS);
      assert.equal(hog.held(), PER_ADDRESS);

      // Another address has a cap of its own.
      const second = await flood(server.port, { from: '127.0.0.3', count: PER_ADDRESS });
      const third = await flood(server.port, { from: '127.0.0.4', count: PER_ADDRESS });
      assert.equal((await requestFrom('127.0.0.2', server.port, '/2.0/folders/0', { token })).status, 200);
      assert.deepEqual([second.closedByServer, third.closedByServer], [0, 0]);

      // 3 × 40 held; the total cap of 150 leaves room for 30 more.
      const fourth = await flood(server.port, { from: '127.0.0.5', count: PER_ADDRESS });
      await fourth.closedAtLeast(PER_ADDRESS - (TOTAL - 3 * PER_ADDRESS));
      await assert.rejects(requestFrom('127.0.0.2', server.port, '/2.0/folders/0', { token }), 'the total cap refuses everyone once reached');
      hog.destroy();
      second.destroy();
      third.destroy();
      fourth.destroy();
      // Freed connections are accepted again (the server notices the closes asynchronously: retry briefly).
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = await requestFrom('127.0.0.2', server.port, '/2.0/folders/0', { token }).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200);
    } finally {
      hog.destroy();
    }
  });
});

test('caps and budgets count an IPv4 address, or an IPv6 /64 (an IPv4-mapped address as its IPv4 address)', () => {
  assert.equal(clientKey('127.0.0.2'), '127.0.0.2');
  assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:2::ffff'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:0db8:0001:0002:abcd::1'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  assert.equal(clientKey(undefined), 'unknown');
});
