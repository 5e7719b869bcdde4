/**
 * GET /metrics over real HTTP (issue 15): every family moves as the work it counts happens. Each test reads the
 * figures before and after, so the assertions are deltas and do not depend on what other tests did.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, rawRequest, shaDigest, uniqueName } from './helpers/http.js';
import { has, scrape, scrapeUntil, valueOf, type Sample } from './helpers/metrics.js';

const PART = 1024;
const PUT_ROUTE = '/api/2.0/files/upload_sessions/:id';

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}): number =>
  valueOf(after, name, labels) - valueOf(before, name, labels);

describe('metrics', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--rate-limit', '0'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('served at /metrics without a token, in Prometheus text format, every name prefixed tranche_', async () => {
    const res = await fetch(`${server.origin}/metrics`);
    assert.equal(res.status, 200);
    const samples = await scrape(server.origin);
    assert.ok(samples.length > 50);
    for (const s of samples) assert.match(s.name, /^tranche_/);
    for (const name of [
      'tranche_http_requests_total',
      'tranche_http_request_duration_seconds_bucket',
      'tranche_http_received_bytes_total',
      'tranche_http_sent_bytes_total',
      'tranche_http_open_connections',
      'tranche_parts_rejected_total',
      'tranche_sessions_total',
      'tranche_sessions_open',
      'tranche_hash_backlog_bytes',
      'tranche_janitor_runs_total',
      'tranche_rate_limited_total',
      'tranche_store_operation_duration_seconds_count',
    ]) {
      assert.ok(has(samples, name), `${name} is exported`);
    }
    // The request-duration buckets are OpenTelemetry's http.server.request.duration defaults.
    const buckets = samples
      .filter((s) => s.name === 'tranche_http_request_duration_seconds_bucket' && s.labels['route'] === '/metrics')
      .map((s) => s.labels['le']);
    assert.deepEqual(buckets, ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
  });

  test('a chunked upload moves the byte, part, session, commit, request and store counters', async () => {
    const data = randomBytesSeeded(3 * PART - 100, 7);
    const before = await scrape(server.origin);
    const { file } = await api.chunkedUpload(uniqueName('metrics'), data);
    const download = await api.download(file.id);
    assertStatus(download, 200);
    const after = await scrape(server.origin);

    assert.equal(delta(before, after, 'tranche_parts_accepted_total'), 3);
    assert.equal(delta(before, after, 'tranche_part_bytes_total'), data.length);
    assert.ok(delta(before, after, 'tranche_http_received_bytes_total') >= data.length, 'bytes received cover the parts');
    assert.ok(delta(before, after, 'tranche_http_sent_bytes_total') >= data.length, 'bytes sent cover the download');
    assert.equal(delta(before, after, 'tranche_sessions_total', { event: 'created' }), 1);
    assert.equal(delta(before, after, 'tranche_sessions_total', { event: 'committed' }), 1);
    assert.equal(delta(before, after, 'tranche_commit_duration_seconds_count', { outcome: 'created' }), 1);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { method: 'PUT', route: PUT_ROUTE, status: '200' }), 3);
    assert.equal(delta(before, after, 'tranche_http_request_duration_seconds_count', { method: 'PUT', route: PUT_ROUTE, status: '200' }), 3);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { method: 'GET', route: '/2.0/files/:id/content', status: '200' }), 1);
    assert.equal(delta(before, after, 'tranche_store_operation_duration_seconds_count', { store: 'blob', operation: 'writePart' }), 3);
    assert.equal(delta(before, after, 'tranche_store_operation_duration_seconds_count', { store: 'metadata', operation: 'insertPart' }), 3);
    assert.equal(delta(before, after, 'tranche_store_operation_duration_seconds_count', { store: 'blob', operation: 'get' }), 1);
    assert.equal(delta(before, after, 'tranche_store_errors_total'), 0);
    const settled = await scrapeUntil(server.origin, (s) => valueOf(s, 'tranche_hash_backlog_bytes') === 0);
    assert.equal(valueOf(settled, 'tranche_hash_backlog_bytes'), 0, 'nothing left to hash once committed');
  });

  test('refused parts are counted by reason: digest mismatch, overlap, size, aborted body', async () => {
    const data = randomBytesSeeded(2 * PART, 8);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('rejects') });
    assertStatus(created, 201);
    const url = created.body.session_endpoints.upload_part;
    const before = await scrape(server.origin);

    assertError(await api.putPart(url, data, 0, PART, { digest: shaDigest('something else') }), 400, 'digest_mismatch');
    assertStatus(await api.putPart(url, data, 0, PART), 200);
    assertError(await api.putPart(url, randomBytesSeeded(2 * PART, 9), 0, PART), 416, 'range_overlaps_existing_part');
    // A chunked body that ends 10 bytes into a part of PART bytes.
    const short = await rawRequest(
      url,
      'PUT',
      { authorization: `Bearer ${api.token}`, 'content-range': `bytes ${PART}-${2 * PART - 1}/${data.length}`, digest: shaDigest(data.subarray(PART)), 'transfer-encoding': 'chunked' },
      (req) => req.end(data.subarray(PART, PART + 10)),
    );
    assert.equal(short.status, 400);
    assert.equal(short.json?.code, 'request_size_mismatch');
    await abortedPart(new URL(url), api.token!, data.subarray(PART), PART, data.length);

    const after = await scrapeUntil(server.origin, (s) => delta(before, s, 'tranche_parts_rejected_total', { reason: 'aborted' }) >= 1);
    assert.equal(delta(before, after, 'tranche_parts_rejected_total', { reason: 'digest_mismatch' }), 1);
    assert.equal(delta(before, after, 'tranche_parts_rejected_total', { reason: 'overlap' }), 1);
    assert.equal(delta(before, after, 'tranche_parts_rejected_total', { reason: 'size' }), 1);
    assert.equal(delta(before, after, 'tranche_parts_rejected_total', { reason: 'aborted' }), 1);
    assert.equal(delta(before, after, 'tranche_parts_accepted_total'), 1);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { method: 'PUT', route: PUT_ROUTE, status: '400' }), 2);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { method: 'PUT', route: PUT_ROUTE, status: '416' }), 1);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { method: 'PUT', route: PUT_ROUTE, status: '499' }), 1, 'the hung-up part is recorded as 499');
  });

  test('sessions open now, aborted; connections open', async () => {
    const before = await scrape(server.origin);
    const created = await api.createSession({ folder_id: '0', file_size: 5000, file_name: uniqueName('open') });
    assertStatus(created, 201);
    const open = await scrape(server.origin);
    assert.equal(delta(before, open, 'tranche_sessions_open'), 1);
    assertStatus(await api.delete(created.body.session_endpoints.abort), 204);
    const aborted = await scrape(server.origin);
    assert.equal(delta(before, aborted, 'tranche_sessions_total', { event: 'aborted' }), 1);
    assert.equal(delta(before, aborted, 'tranche_sessions_open'), 0);

    // Connections: three more sockets are seen open, then closed again.
    const base = valueOf(aborted, 'tranche_http_open_connections');
    const sockets = await Promise.all([1, 2, 3].map(() => connected(server.port)));
    const opened = await scrapeUntil(server.origin, (s) => valueOf(s, 'tranche_http_open_connections') >= base + 3);
    assert.ok(valueOf(opened, 'tranche_http_open_connections') >= base + 3, 'three more connections are counted');
    for (const socket of sockets) socket.destroy();
    const closed = await scrapeUntil(server.origin, (s) => valueOf(s, 'tranche_http_open_connections') <= base);
    assert.ok(valueOf(closed, 'tranche_http_open_connections') <= base, 'closed connections are no longer counted');
  });
});

describe('metrics: janitor, rate limits', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({
      args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--session-ttl', '1', '--janitor-interval', '1', '--rate-limit', '40'],
    });
    api = new Api(server.origin, await server.token('carol'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('an expired session is released by the janitor: runs, sessions, freed bytes', async () => {
    const before = await scrape(server.origin);
    const data = randomBytesSeeded(2 * PART, 3);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('expires') });
    assertStatus(created, 201);
    assertStatus(await api.putPart(created.body.session_endpoints.upload_part, data, 0, PART), 200);
    const after = await scrapeUntil(server.origin, (s) => delta(before, s, 'tranche_sessions_total', { event: 'expired' }) >= 1);
    assert.equal(delta(before, after, 'tranche_sessions_total', { event: 'expired' }), 1);
    assert.ok(delta(before, after, 'tranche_janitor_runs_total') >= 1);
    assert.equal(delta(before, after, 'tranche_janitor_released_sessions_total'), 1);
    assert.equal(delta(before, after, 'tranche_janitor_freed_bytes_total'), data.length);
  });

  test('requests refused by the rate limit are counted by budget', async () => {
    const before = await scrape(server.origin);
    let refused = 0;
    for (let i = 0; i < 60 && refused < 2; i++) {
      const res = await api.get('/2.0/folders/0');
      if (res.status === 429) refused++;
    }
    assert.equal(refused, 2, 'the limit of 40 a minute was reached');
    const after = await scrape(server.origin);
    assert.equal(delta(before, after, 'tranche_rate_limited_total', { budget: 'requests' }), 2);
    assert.equal(delta(before, after, 'tranche_rate_limited_total', { budget: 'parts' }), 0);
    assert.equal(delta(before, after, 'tranche_http_requests_total', { route: '/2.0/folders/:id', status: '429' }), 2);
  });
});

async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Sends a part's head and half its body, then hangs up. */
async function abortedPart(url: URL, token: string, part: Uint8Array, offset: number, total: number): Promise<void> {
  const socket = await connected(Number(url.port));
  const head =
    `PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Range: bytes ${offset}-${offset + part.length - 1}/${total}\r\nDigest: ${shaDigest(part)}\r\nContent-Length: ${part.length}\r\n\r\n`;
  socket.write(head);
  socket.write(part.subarray(0, part.length / 2));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
}
