/**
 * Pure unit tests of the client's policy pieces, with in-test fakes only: retry delays, the bounded pool,
 * the 416 "part already there" logic, the pure-JS SHA-1, endpoint resolution, and that the core stays free of
 * Node APIs.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  createSha1,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  PartConflictError,
  resolveConfig,
  resolveEndpoints,
  retryDelay,
  TrancheApiError,
  TrancheNetworkError,
  uploadPart,
  uploadFile,
  bytesSource,
  openDownload,
  readAll,
  TaskPool,
  type Transport,
  type TransportResponse,
} from '@tranche/client/core';
import { REPO_ROOT } from './helpers/server.js';

const policy = { ...DEFAULT_RETRY_POLICY, random: () => 0.5 };
const apiError = (status: number, code = 'x', retryAfterMs?: number) => new TrancheApiError({ status, method: 'PUT', url: 'u', body: { code, message: 'm' }, retryAfterMs });

describe('retry policy', () => {
  test('retries network errors, 5xx, 429 and 408 with the listed delays, then gives up', () => {
    const network = new TrancheNetworkError('PUT', 'u', new Error('reset'));
    assert.equal(retryDelay(policy, network, 1), 500);
    assert.equal(retryDelay(policy, apiError(503), 3), 2_000);
    assert.equal(retryDelay(policy, apiError(408), 1), 500);
    assert.equal(retryDelay(policy, apiError(500), DEFAULT_RETRY_POLICY.retryDelays.length + 1), undefined);
    for (const status of [400, 401, 403, 404, 409, 410, 416]) assert.equal(retryDelay(policy, apiError(status), 1), undefined, String(status));
    assert.equal(retryDelay(policy, new Error('bug'), 1), undefined);
  });

  test('honours Retry-After (capped) and spreads other delays by the jitter', () => {
    assert.equal(retryDelay(policy, apiError(429, 'rate_limit_exceeded', 3_000), 1), 3_000);
    assert.equal(retryDelay(policy, apiError(429, 'rate_limit_exceeded', 10_000_000), 1), 120_000);
    assert.equal(retryDelay({ ...policy, random: () => 0 }, apiError(500), 2), 500);
    assert.equal(retryDelay({ ...policy, random: () => 0.999999 }, apiError(500), 2), 1_500);
    assert.equal(retryDelay({ ...policy, shouldRetry: () => false }, apiError(500), 1), undefined);
  });

  test('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2_000);
    assert.equal(parseRetryAfter('1.5'), 1_500);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4_000), 6_000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('TaskPool', () => {
  test('runs at most N tasks at once and waits for all', async () => {
    const pool = new TaskPool(3);
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      await pool.ready();
      pool.start(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 1 + (i % 4)));
        running--;
        done++;
      });
    }
    await pool.drain();
    assert.equal(peak, 3);
    assert.equal(done, 20);
  });

  test('the first failure stops the producer and is rethrown', async () => {
    const pool = new TaskPool(2);
    pool.start(async () => {
      throw new Error('boom');
    });
    pool.start(() => new Promise((r) => setTimeout(r, 20)));
    await assert.rejects(async () => {
      for (;;) await pool.ready();
    }, /boom/);
    await assert.rejects(pool.drain(), /boom/);
    assert.equal(pool.size, 0);
  });
});

describe('part uploads that meet a stored part (fake transport)', () => {
  const bytes = new Uint8Array([1, 2, 3, 4]);
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  const target = { uploadUrl: 'http://h/api/2.0/files/upload_sessions/S', listUrl: 'http://h/api/2.0/files/upload_sessions/S/parts', fileSize: 100 };
  const reply = (status: number, body: unknown): TransportResponse => {
    const data = new TextEncoder().encode(JSON.stringify(body));
    return { status, header: () => null, body: (async function* () { yield data; })(), discard: () => undefined };
  };
  const overlap = (conflicting?: unknown) =>
    reply(416, { type: 'error', status: 416, code: 'range_overlaps_existing_part', message: 'overlap', context_info: conflicting ? { conflicting_part: conflicting } : null, request_id: 'r' });
  const run = (transport: Transport) => uploadPart(resolveConfig({ server: 'http://h', transport, retry: { retryDelays: [] } }), target, { offset: 8, body: bytes, sha1 }, {});

  test('416 whose conflicting part is ours counts as uploaded', async () => {
    const part = { part_id: 'ABCDEF01', offset: 8, size: 4, sha1 };
    assert.deepEqual(await run(async () => overlap(part)), { part, reused: true });
  });

  test('416 without context_info lists the parts to decide', async () => {
    const part = { part_id: 'ABCDEF01', offset: 8, size: 4, sha1 };
    const seen: string[] = [];
    const result = await run(async (req) => {
      seen.push(`${req.method} ${req.url}`);
      return req.method === 'PUT' ? overlap() : reply(200, { total_count: 1, limit: 1000, offset: 0, entries: [part] });
    });
    assert.deepEqual(result, { part, reused: true });
    assert.deepEqual(seen, [`PUT ${target.uploadUrl}`, `GET ${target.listUrl}?offset=0&limit=1000`]);
  });

  test('416 with a different part is a clear, non-retried error', async () => {
    let calls = 0;
    const other = { part_id: 'ABCDEF01', offset: 8, size: 4, sha1: '0'.repeat(40) };
    await assert.rejects(
      run(async () => (calls++, overlap(other))),
      (e: unknown) => e instanceof PartConflictError && /different part .* at offset 8/.test(e.message),
    );
    assert.equal(calls, 1);
  });

  test('a 200 naming a different part is refused', async () => {
    await assert.rejects(run(async () => reply(200, { part: { part_id: 'A', offset: 8, size: 4, sha1: 'f'.repeat(40) } })), /not our part/);
  });
});

describe('commit answering 202 (fake transport)', () => {
  test('waits Retry-After and commits again until 201', async () => {
    const bytes = new Uint8Array(10).fill(7);
    const endpoints = { upload_part: 'http://h/s', commit: 'http://h/s/commit', abort: 'http://h/s', list_parts: 'http://h/s/parts', status: 'http://h/s', log_event: 'http://h/s/log' };
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    let commits = 0;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): TransportResponse => {
      const data = new TextEncoder().encode(body === undefined ? '' : JSON.stringify(body));
      return { status, header: (n) => headers[n.toLowerCase()] ?? null, body: (async function* () { yield data; })(), discard: () => undefined };
    };
    const transport: Transport = async (req) => {
      if (req.url.endsWith('/upload_sessions')) return json(201, { id: 'S', type: 'upload_session', session_expires_at: '', part_size: 8, total_parts: 2, num_parts_processed: 0, session_endpoints: endpoints });
      if (req.method === 'PUT') {
        const offset = Number(/bytes (\d+)-/.exec(req.headers['content-range']!)![1]);
        const part = bytes.subarray(offset, offset + 8);
        return json(200, { part: { part_id: `P${offset}`, offset, size: part.byteLength, sha1: createHash('sha1').update(part).digest('hex') } });
      }
      if (++commits < 3) return json(202, undefined, { 'retry-after': '0.01' });
      return json(201, { total_count: 1, entries: [{ type: 'file', id: '9', name: 'x', size: 10, sha1 }] });
    };
    const events: string[] = [];
    const file = await uploadFile(bytesSource(bytes, 'x'), { server: 'http://h', transport, minChunkedSize: 1, onEvent: (e) => events.push(e.type) });
    assert.equal(file.id, '9');
    assert.equal(commits, 3);
    assert.deepEqual(events, ['started', 'part', 'part', 'commit-pending', 'commit-pending', 'committed']);
  });
});

describe('downloads (fake transport)', () => {
  test('follow 302 (no token to another origin) and wait through 202', async () => {
    const seen: Array<[string, string | undefined]> = [];
    let pending = 1;
    const respond = (status: number, body: string, headers: Record<string, string> = {}): TransportResponse => ({
      status,
      header: (n) => headers[n.toLowerCase()] ?? null,
      body: (async function* () { yield new TextEncoder().encode(body); })(),
      discard: () => undefined,
    });
    const transport: Transport = async (req) => {
      seen.push([req.url, req.headers['authorization']]);
      if (req.url === 'http://h/2.0/files/5') return respond(200, JSON.stringify({ type: 'file', id: '5', size: 5, sha1: 'x' }));
      if (req.url === 'http://h/2.0/files/5/content') return pending-- > 0 ? respond(202, '', { 'retry-after': '0.01' }) : respond(302, '', { location: 'http://dl.other/blob?sig=1' });
      return respond(200, 'hello');
    };
    const { file, response } = await openDownload('5', { server: 'http://h', token: 't', transport });
    assert.equal(file.id, '5');
    assert.equal(new TextDecoder().decode(await readAll(response.body)), 'hello');
    assert.deepEqual(seen, [
      ['http://h/2.0/files/5', 'Bearer t'],
      ['http://h/2.0/files/5/content', 'Bearer t'],
      ['http://h/2.0/files/5/content', 'Bearer t'],
      ['http://dl.other/blob?sig=1', undefined],
    ]);
  });
});

describe('portable pieces', () => {
  test('the pure-JS SHA-1 matches node:crypto, in one piece and incrementally', () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 1 << 20]) {
      const data = randomBytes(size);
      const expected = createHash('sha1').update(data).digest('hex');
      const whole = createSha1();
      whole.update(data);
      assert.equal(whole.digestHex(), expected, `size ${size}`);
      const pieces = createSha1();
      for (let at = 0; at < size; at += 37) pieces.update(data.subarray(at, at + 37));
      assert.equal(pieces.digestHex(), expected, `size ${size} in pieces`);
    }
  });

  test('a server origin sets both base URLs; explicit URLs win; Box by default', () => {
    assert.deepEqual(resolveEndpoints({ server: 'http://127.0.0.1:8080/' }), { apiUrl: 'http://127.0.0.1:8080/2.0', uploadUrl: 'http://127.0.0.1:8080/api/2.0' });
    assert.deepEqual(resolveEndpoints({ server: 'http://x', uploadUrl: 'https://up/api/2.0/' }), { apiUrl: 'http://x/2.0', uploadUrl: 'https://up/api/2.0' });
    assert.deepEqual(resolveEndpoints({}), { apiUrl: 'https://api.box.com/2.0', uploadUrl: 'https://upload.box.com/api/2.0' });
    assert.throws(() => resolveEndpoints({ server: 'ftp://x' }), /http/);
  });

  test('the core imports nothing from Node', async () => {
    const dir = path.join(REPO_ROOT, 'packages/client/src/core');
    for (const name of await readdir(dir)) {
      const source = await readFile(path.join(dir, name), 'utf8');
      assert.doesNotMatch(source, /from 'node:|require\(|\bBuffer\b|\bprocess\./, name);
      assert.doesNotMatch(source, /from '\.\.\/node\//, name);
    }
  });
});
