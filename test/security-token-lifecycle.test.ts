/**
 * Tokens expire and can be revoked: `tranche token create --ttl SECONDS` (default: no expiry), `tranche token list
 * --user NAME [--json]` (ids, states and dates, never a secret), `tranche token revoke TOKEN_OR_ID`. A revoked or
 * expired token is refused from the very next request, on every instance: each request checks the database (on
 * PostgreSQL, two instances sharing it both refuse at once).
 *
 * Regression: tokens lived forever, and a server kept a token it had seen valid for 30 s in a cache.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, sleep } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof import('better-sqlite3');

const idOf = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tranche(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `token create`, checked: the token is the last line of stdout. */
async function create(store: string[], user: string, ttl?: number): Promise<{ token: string; run: Run }> {
  const run = await tranche(['token', 'create', '--user', user, ...(ttl === undefined ? [] : ['--ttl', String(ttl)]), ...store]);
  assert.equal(run.code, 0, run.stderr);
  const token = run.stdout.trim().split('\n').at(-1)!.trim();
  assert.match(token, /^trn_[A-Za-z0-9_-]{32}$/);
  return { token, run };
}

async function listJson(store: string[], user: string): Promise<any[]> {
  const run = await tranche(['token', 'list', '--user', user, '--json', ...store]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function refusedAs(api: Api, state: 'revoked' | 'expired', what: string): Promise<void> {
  const res = await api.get('/2.0/folders/0', { validate: false });
  assertBoxError(res, 401, 'unauthorized', what);
  assert.match(res.body.message, state === 'revoked' ? /revoked/ : /expired/, what);
}

describe('token lifecycle on SQLite', () => {
  let server: TestServer;
  let store: string[];

  before(async () => {
    server = await startServer({ args: ['--log-level', 'warn'] });
    store = ['--data-dir', server.dataDir];
  });
  after(async () => {
    await server?.dispose();
  });

  test('create prints the token last; --ttl sets an expiry, none by default; list shows ids and states, never a secret', async () => {
    const started = Date.now();
    const expiring = await create(store, 'dana', 3600);
    const lasting = await create(store, 'dana');
    assert.match(expiring.run.stderr, new RegExp(`new token ${idOf(expiring.token)} for user dana .*expires \\d{4}-`));
    assert.match(lasting.run.stderr, /does not expire/);
    const listed = await listJson(store, 'dana');
    assert.deepEqual(listed.map((t) => [t.id, t.user, t.state, t.revoked_at]), [
      [idOf(expiring.token), 'dana', 'active', null],
      [idOf(lasting.token), 'dana', 'active', null],
    ]);
    const expiresAt = Date.parse(listed[0].expires_at);
    assert.ok(Math.abs(expiresAt - (started + 3_600_000)) < 120_000, `expires_at ${listed[0].expires_at}`);
    assert.equal(listed[1].expires_at, null);
    const table = await tranche(['token', 'list', '--user', 'dana', ...store]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${idOf(lasting.token)}\\s+active\\s+\\S+\\s+never`));
    for (const output of [table.stdout, JSON.stringify(listed)]) {
      for (const token of [expiring.token, lasting.token]) {
        assert.ok(!output.includes(token) && !output.includes(token.slice(4)), 'token list shows no secret');
      }
    }
    const nobody = await tranche(['token', 'list', '--user', 'nobody', ...store]);
    assert.notEqual(nobody.code, 0);
    assert.match(nobody.stderr, /no user named nobody/);
  });

  test('a revoked token is refused from the next request on, named by its id or by itself', async () => {
    const first = await create(store, 'erin');
    const second = await create(store, 'erin');
    const a = new Api(server.origin, first.token);
    const b = new Api(server.origin, second.token);
    for (let i = 0; i < 3; i++) assertStatus(await a.get('/2.0/folders/0'), 200);
    const byId = await tranche(['token', 'revoke', idOf(first.token), ...store]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stdout.trim(), `revoked token ${idOf(first.token)} of user erin`);
    await refusedAs(a, 'revoked', 'the revoked token');
    assertStatus(await b.get('/2.0/folders/0'), 200);
    const byToken = await tranche(['token', 'revoke', second.token, '--json', ...store]);
    assert.equal(byToken.code, 0, byToken.stderr);
    const revoked = JSON.parse(byToken.stdout);
    assert.deepEqual([revoked.id, revoked.state], [idOf(second.token), 'revoked']);
    assert.ok(!byToken.stdout.includes(second.token));
    await refusedAs(b, 'revoked', 'the token revoked by itself');
    const again = await tranche(['token', 'revoke', idOf(first.token).slice(0, 10), ...store]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already revoked/);
    for (const [what, arg, message] of [
      ['an unknown id', '0123456789abcdef', /no token with id/],
      ['not an id', 'zz-top', /expected a token/],
      ['too short an id', idOf(first.token).slice(0, 4), /expected a token/],
    ] as const) {
      const run = await tranche(['token', 'revoke', arg, ...store]);
      assert.notEqual(run.code, 0, what);
      assert.match(run.stderr, message, what);
    }
    const states = (await listJson(store, 'erin')).map((t) => t.state);
    assert.deepEqual(states, ['revoked', 'revoked']);
  });

  test('an expired token is refused, and expiry is checked on every request', async () => {
    const short = await create(store, 'fay', 1);
    await sleep(1_500);
    await refusedAs(new Api(server.origin, short.token), 'expired', 'a token past its --ttl 1');
    // A token seen valid, then expired in the database behind the server's back: refused at the next request.
    const long = await create(store, 'fay', 600);
    const api = new Api(server.origin, long.token);
    for (let i = 0; i < 3; i++) assertStatus(await api.get('/2.0/folders/0'), 200);
    const db = new Database(path.join(server.dataDir, 'tranche.db'));
    try {
      const hash = createHash('sha256').update(long.token).digest('hex');
      assert.equal(db.prepare('update tokens set expires_at = ? where hash = ?').run(Date.now() - 1_000, hash).changes, 1);
    } finally {
      db.close();
    }
    await refusedAs(api, 'expired', 'a token expired in the database');
    assert.deepEqual((await listJson(store, 'fay')).map((t) => t.state), ['expired', 'expired']);
  });
});

describe('token revocation on PostgreSQL, two instances', () => {
  let database: ThrowawayDatabase;
  const servers: TestServer[] = [];

  before(async () => {
    database = await createThrowawayDatabase();
    for (let i = 0; i < 2; i++) servers.push(await startServer({ args: ['--database', database.url, '--log-level', 'warn'] }));
  });
  after(async () => {
    for (const server of servers) await server.dispose();
    await database?.drop();
  });

  test('a token revoked through the database is refused by both instances at their next request', async () => {
    const store = ['--database', database.url];
    const { token } = await create(store, 'gus', 3600);
    const apis = servers.map((server) => new Api(server.origin, token));
    for (const api of apis) for (let i = 0; i < 3; i++) assertStatus(await api.get('/2.0/folders/0'), 200);
    const run = await tranche(['token', 'revoke', idOf(token), ...store]);
    assert.equal(run.code, 0, run.stderr);
    for (const [i, api] of apis.entries()) await refusedAs(api, 'revoked', `instance ${i + 1}`);
    assert.deepEqual((await listJson(store, 'gus')).map((t) => t.state), ['revoked']);
  });
});
