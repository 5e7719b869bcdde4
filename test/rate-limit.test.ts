/**
 * Per-token rate limiting (spec §2.4): 429 rate_limit_exceeded in the Box envelope with Retry-After once a token has
 * spent its budget; budgets are per token; part PUTs have a budget of their own, so a limited client still uploads
 * its parts; requests without a valid token are budgeted by address; with the defaults a parallel uploader of 1,200
 * parts (more than the 1,000 general requests a minute) is never refused; 0 turns the limit off. Requests without a
 * valid token have a budget per client address on every route, part PUTs included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, sha1Base64, uniqueName, type ApiResponse } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';
import { requestFrom } from './helpers/connection-flood.js';

const PART = 1024;

/** Runs `task` for 0..count-1, `width` at a time; returns the statuses in order. */
async function pool(count: number, width: number, task: (i: number) => Promise<ApiResponse>): Promise<number[]> {
  const statuses: number[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        statuses[i] = (await task(i)).status;
      }
    }),
  );
  return statuses;
}

function assertRateLimited(res: ApiResponse, what: string): void {
  assertBoxError(res, 429, 'rate_limit_exceeded', what);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${res.headers.get('retry-after')}`);
}

describe('--rate-limit 20 --part-rate-limit 40 --anonymous-rate-limit 20', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;

  before(async () => {
    server = await startServer({ args: ['--rate-limit', '20', '--part-rate-limit', '40', '--anonymous-rate-limit', '20', '--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'warn'] });
    alice = new Api(server.origin, await server.token('alice'));
    bob = alice.as(await server.token('bob'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('the 21st request of a token in a minute → 429 with Retry-After; parts still upload; other tokens unaffected', async () => {
    const data = randomBytesSeeded(30 * PART, 5);
    const created = await alice.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('rl') });
    assertStatus(created, 201);
    const session = created.body;
    for (let i = 2; i <= 20; i++) assertStatus(await alice.get('/2.0/folders/0'), 200);
    assertRateLimited(await alice.get('/2.0/folders/0'), '21st request');
    assertRateLimited(await alice.get(session.session_endpoints.status), '22nd request');
    // Part PUTs are not counted against the general budget: all 30 go through while Alice is limited.
    const statuses = await pool(30, 4, (i) => alice.putPart(session.session_endpoints.upload_part, data, i * PART, PART));
    assert.deepEqual(statuses, new Array(30).fill(200));
    // Commit is an ordinary request: limited, with a Retry-After the SDKs honour.
    assertRateLimited(await alice.commit(session.session_endpoints.commit, [], data), 'commit while limited');
    // Bob's budget is his own.
    assertStatus(await bob.get('/2.0/folders/0'), 200);
  });

  test('the part budget: the 41st part PUT of a token in a minute → 429', async () => {
    const data = randomBytesSeeded(12 * PART, 6);
    const created = await bob.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('rl') });
    assertStatus(created, 201);
    // Alice has spent 30 of her 40 part PUTs in the previous test; these are Bob's, so 40 more pass for him.
    const url = created.body.session_endpoints.upload_part;
    const statuses = await pool(41, 1, (i) => bob.putPart(url, data, (i % 12) * PART, PART));
    assert.deepEqual(statuses.slice(0, 40), new Array(40).fill(200));
    assertRateLimited(await bob.putPart(url, data, 0, PART), '42nd part PUT');
    assert.equal(statuses[40], 429);
  });

  test('requests without a valid token are budgeted by address', async () => {
    const anonymous = alice.as('not-a-token');
    const statuses = await pool(20, 1, () => anonymous.get('/2.0/folders/0', { validate: false }));
    assert.deepEqual(statuses, new Array(20).fill(401));
    assertRateLimited(await anonymous.get('/2.0/folders/0', { validate: false }), '21st unauthenticated request');
  });

  test('requests without a valid token are budgeted per address on every route, part PUTs included (they were never limited)', async () => {
    // Carol has spent nothing of her budgets (Alice's and Bob's are spent by now).
    const carol = alice.as(await server.token('carol'));
    const data = randomBytesSeeded(4 * PART, 9);
    const created = await carol.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('anon') });
    assertStatus(created, 201);
    const path = new URL(created.body.session_endpoints.upload_part).pathname;
    const part = data.subarray(0, PART);
    const put = (from: string, token: string) =>
      requestFrom(from, server.port, path, {
        method: 'PUT',
        token,
        body: part,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${PART - 1}/${data.length}`, digest: `sha=${sha1Base64(part)}` },
      });
    // From 127.0.0.2, whose budget nothing has spent yet.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await put('127.0.0.2', 'not-a-token')).status);
    assert.deepEqual(statuses, new Array(20).fill(401));
    const limited = await put('127.0.0.2', 'not-a-token');
    assert.equal(limited.status, 429, limited.body);
    assert.equal(JSON.parse(limited.body).code, 'rate_limit_exceeded');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    // A valid token from the same address has its own budget; another address has its own too.
    assert.equal((await put('127.0.0.2', carol.token!)).status, 200);
    assert.equal((await put('127.0.0.3', 'not-a-token')).status, 401);
  });
});

describe('default limits', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('a parallel uploader of 1,200 parts in well under a minute is never refused, and commits', async () => {
    const data = randomBytesSeeded(1200 * PART, 8);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('fast') });
    assertStatus(created, 201);
    const session = created.body;
    const started = Date.now();
    const statuses = await pool(1200, 8, (i) => api.putPart(session.session_endpoints.upload_part, data, i * PART, PART));
    assert.ok(Date.now() - started < 60_000);
    assert.equal(statuses.filter((s) => s !== 200).length, 0, `refused parts: ${statuses.filter((s) => s !== 200).slice(0, 5)}`);
    const parts: any[] = [];
    for (let offset = 0; offset < 1200; offset += 1000) {
      const page = await api.get(`${session.session_endpoints.list_parts}?offset=${offset}&limit=1000`);
      assertStatus(page, 200);
      parts.push(...page.body.entries);
    }
    let done = await api.commit(session.session_endpoints.commit, parts, data);
    while (done.status === 202) done = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(done, 201);
  });
});

describe('TRANCHE_RATE_LIMIT=0 turns the limit off', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ env: { TRANCHE_RATE_LIMIT: '0' }, args: ['--log-level', 'warn'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('1,050 requests in a few seconds all pass', async () => {
    const statuses = await pool(1050, 16, () => api.get('/2.0/folders/0', { validate: false }));
    assert.equal(statuses.filter((s) => s !== 200).length, 0);
  });
});
