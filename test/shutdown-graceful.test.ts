/**
 * SIGTERM: the server stops accepting connections, lets the parts in flight finish, cuts what cannot finish (a
 * stalled upload, a rejected body still being drained, idle keep-alive connections), and exits within its bound;
 * nothing it acknowledged is lost.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Api, assertStatus, randomBytesSeeded, sha1Hex, shaDigest, sleep, uniqueName } from './helpers/http.js';
import { ServerProcess } from './helpers/server-process.js';

const PART = 4 * 1024 * 1024;
/** The shutdown's stall bound (shutdown.ts) plus room for a loaded machine. */
const STALL_BOUND_MS = 5_000 + 3_000;

interface StreamingPut {
  req: http.ClientRequest;
  /** The answer, or the error that ended the request. */
  outcome: Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string }>;
}

/** A PUT whose body the test writes by hand; without an agent it asks for `Connection: close`. */
function streamingPut(url: string, headers: Record<string, string | number>, agent: http.Agent | false = false): StreamingPut {
  const req = http.request(url, { method: 'PUT', headers, agent });
  const outcome = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
  });
  req.flushHeaders();
  return { req, outcome };
}

function partHeaders(token: string, data: Buffer, offset: number, size: number, digest = shaDigest(data.subarray(offset, offset + size))) {
  return {
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/octet-stream',
    'Content-Range': `bytes ${offset}-${offset + size - 1}/${data.length}`,
    'Content-Length': size,
    Digest: digest,
  };
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('graceful shutdown', () => {
  let server: ServerProcess;
  let token: string;

  before(async () => {
    server = await ServerProcess.create(['--min-chunked-size', '1', '--part-size', String(PART), '--log-level', 'warn']);
    token = await server.token('shutdown-user');
  });
  after(() => server?.dispose());

  test('a part in flight at SIGTERM completes and survives; new connections are refused meanwhile', { timeout: 60_000 }, async () => {
    await server.launch();
    const api = new Api(server.origin, token);
    const data = randomBytesSeeded(2 * PART, 11);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('sigterm') });
    assertStatus(created, 201);
    const endpoints = created.body.session_endpoints;
    const acked = await api.putPart(endpoints.upload_part, data, PART, PART);
    assertStatus(acked, 200);

    const inFlight = streamingPut(endpoints.upload_part, partHeaders(token, data, 0, PART));
    inFlight.req.write(data.subarray(0, PART / 2));
    await sleep(300);
    const exited = server.terminate();
    await sleep(300);
    assert.equal(await connectOutcome(server.port), 'ECONNREFUSED', 'no new connection after SIGTERM');
    inFlight.req.end(data.subarray(PART / 2, PART));
    const outcome = await inFlight.outcome;
    assert.ok('status' in outcome, `the part in flight got an answer: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.status, 200, outcome.body);
    assert.equal(JSON.parse(outcome.body).part.sha1, sha1Hex(data.subarray(0, PART)));
    assert.equal(outcome.headers.connection, 'close', 'the answer closes the connection');
    const exit = await exited;
    assert.equal(exit.code, 0, `clean exit:\n${server.output()}`);

    await server.launch();
    const again = new Api(server.origin, token);
    const listed = await again.get(endpoints.list_parts);
    assertStatus(listed, 200);
    assert.deepEqual(
      listed.body.entries.map((p: { offset: number; sha1: string }) => [p.offset, p.sha1]),
      [0, PART].map((offset) => [offset, sha1Hex(data.subarray(offset, offset + PART))]),
      'both acknowledged parts are listed after the restart',
    );
    const parts = listed.body.entries;
    const committed = await again.commit(endpoints.commit, parts, data);
    assertStatus(committed, 201);
    const content = await again.download(committed.body.entries[0].id);
    assert.ok(content.raw.equals(data), 'the committed file holds the bytes');
    await server.terminate();
  });

  test('a stalled upload does not hold the shutdown past its bound, and leaves no part', { timeout: 60_000 }, async () => {
    await server.launch();
    const api = new Api(server.origin, token);
    const data = randomBytesSeeded(PART + 10, 12);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('stalled') });
    assertStatus(created, 201);
    const endpoints = created.body.session_endpoints;
    const stalled = streamingPut(endpoints.upload_part, partHeaders(token, data, 0, PART));
    stalled.req.write(data.subarray(0, PART / 4));
    await sleep(300);

    const sent = Date.now();
    const exit = await server.terminate();
    const tookMs = Date.now() - sent;
    assert.equal(exit.code, 0, `clean exit:\n${server.output()}`);
    assert.ok(tookMs < STALL_BOUND_MS, `exited ${tookMs} ms after SIGTERM (bound ${STALL_BOUND_MS} ms)`);
    const outcome = await stalled.outcome;
    assert.ok(!('status' in outcome) || outcome.status !== 200, `the stalled part is not acknowledged: ${JSON.stringify(outcome)}`);
    stalled.req.destroy();

    await server.launch();
    const again = new Api(server.origin, token);
    const listed = await again.get(endpoints.list_parts);
    assertStatus(listed, 200);
    assert.equal(listed.body.total_count, 0, 'the cut part left no record');
    assertStatus(await again.putPart(endpoints.upload_part, data, 0, PART), 200);
    await server.terminate();
  });

  test('a rejected body still being drained and an idle keep-alive connection do not delay the exit', { timeout: 60_000 }, async () => {
    await server.launch();
    const api = new Api(server.origin, token);
    const created = await api.createSession({ folder_id: '0', file_size: 2 * PART, file_name: uniqueName('drained') });
    assertStatus(created, 201);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idle = await new Promise<number>((resolve, reject) => {
      http.get(`${server.origin}/2.0/folders/0`, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))).on('error', reject);
    });
    assert.equal(idle, 200);

    // A Digest that cannot be parsed is refused before the body is read; the client keeps sending it anyway, on a
    // keep-alive connection, so the server reads the rest to keep the connection usable.
    const declared = PART;
    const keepAlive = new http.Agent({ keepAlive: true });
    const rejected = streamingPut(
      created.body.session_endpoints.upload_part,
      { ...partHeaders(token, Buffer.alloc(0), 0, 0, 'sha=not-base64!'), 'Content-Range': `bytes 0-${PART - 1}/${2 * PART}`, 'Content-Length': declared },
      keepAlive,
    );
    const chunk = Buffer.alloc(8 * 1024, 7);
    let written = 0;
    const trickle = setInterval(() => {
      if (written + chunk.length < declared && !rejected.req.destroyed) {
        rejected.req.write(chunk);
        written += chunk.length;
      }
    }, 20);
    try {
      const answer = await rejected.outcome;
      assert.ok('status' in answer && answer.status === 400, `refused at once: ${JSON.stringify(answer)}`);
      await sleep(200);
      const sent = Date.now();
      const exit = await server.terminate();
      const tookMs = Date.now() - sent;
      assert.equal(exit.code, 0, `clean exit:\n${server.output()}`);
      assert.ok(tookMs < 2_000, `exited ${tookMs} ms after SIGTERM although a refused body was still arriving (${written} of ${declared} bytes sent)`);
    } finally {
      clearInterval(trickle);
      rejected.req.destroy();
      agent.destroy();
      keepAlive.destroy();
    }
  });
});
