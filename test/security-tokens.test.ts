/**
 * Tokens at rest and in logs. Only the SHA-256 of a token is stored (checked in the SQLite file, its WAL, and in
 * PostgreSQL), and no token reaches the log, however it is sent (header or query) and whatever happens to the request
 * (accepted, refused, unroutable, unparsable, oversized), with the most verbose log level on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, sha1Base64, sleep, uniqueName } from './helpers/http.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { rawExchange, send } from './helpers/raw-socket.js';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof import('better-sqlite3');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every way the token could appear in a file or a log: as text, as its secret part, as JSON-serialised bytes. */
function traces(token: string): string[] {
  const secret = token.replace(/^trn_/, '');
  return [token, secret, Buffer.from(token).toJSON().data.join(','), Buffer.from(secret).toString('base64')];
}

function assertNoTrace(haystack: string, token: string, where: string): void {
  for (const needle of traces(token)) assert.ok(!haystack.includes(needle), `${where} holds the token (as ${JSON.stringify(needle.slice(0, 20))}…)`);
}

describe('tokens on SQLite, log level trace', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024', '--log-level', 'trace'] });
    alice = await server.token('alice');
    bob = await server.token('bob');
    api = new Api(server.origin, alice);
  });
  after(async () => {
    await server?.dispose();
  });

  test('the database holds the SHA-256 of each token, and no token', async () => {
    const db = new Database(path.join(server.dataDir, 'tranche.db'), { readonly: true, fileMustExist: true });
    try {
      const hashes = (db.prepare('select hash from tokens').all() as Array<{ hash: string }>).map((row) => row.hash).sort();
      assert.deepEqual(hashes, [sha256(alice), sha256(bob)].sort());
      for (const table of ['users', 'tokens']) {
        const rows = JSON.stringify(db.prepare(`select * from ${table}`).all());
        assertNoTrace(rows, alice, `table ${table}`);
        assertNoTrace(rows, bob, `table ${table}`);
      }
    } finally {
      db.close();
    }
    for (const name of readdirSync(server.dataDir).filter((n) => n.startsWith('tranche.db'))) {
      const bytes = readFileSync(path.join(server.dataDir, name)).toString('latin1');
      assertNoTrace(bytes, alice, name);
      assertNoTrace(bytes, bob, name);
    }
  });

  test('no request, accepted or refused, puts a token in the log', async () => {
    const created = await api.createSession({ folder_id: '0', file_size: 2048, file_name: uniqueName('log') });
    assertStatus(created, 201);
    const s = created.body;
    const data = randomBytesSeeded(2048, 3);
    assertStatus(await api.putPart(s.session_endpoints.upload_part, data, 0, 1024), 200);
    assert.equal((await api.putPart(s.session_endpoints.upload_part, data, 1024, 1024, { digest: `sha=${sha1Base64('x')}` })).status, 400);
    assert.equal((await api.post(s.session_endpoints.log_event, { event_type: 'x', event_info: 'y' })).status, 204);
    assert.equal((await api.commit(s.session_endpoints.commit, [], { digest: 'sha=bad' })).status, 400);
    const up = await api.simpleUpload({ name: uniqueName('log'), parent: { id: '0' } }, 'content');
    assertStatus(up, 201);
    const fileId = up.body.entries[0].id;
    const q = (token: string) => `access_token=${encodeURIComponent(token)}`;
    const attempts: Array<[string, number, Promise<{ status: number }>]> = [
      ['download with the token in the query', 200, api.as(null).get(`/2.0/files/${fileId}/content?${q(alice)}`)],
      ['another user in the query', 404, api.as(null).get(`/2.0/files/${fileId}/content?${q(bob)}`)],
      ['a wrong token in the header', 401, api.as(`${alice}x`).get('/2.0/folders/0')],
      ['a wrong token in the query', 401, api.as(null).get(`/2.0/folders/0?${q(`${bob}x`)}`)],
      // The query token is a credential on downloads only: elsewhere it is refused (401), and still never logged.
      ['an unknown route with the token in the query', 401, api.as(null).get(`/2.0/nowhere?${q(alice)}`)],
      ['a malformed path with the token in the query', 400, api.as(null).get(`/2.0/files/%zz?${q(alice)}`)],
      ['an over-long id with the token in the query', 404, api.as(null).get(`/2.0/files/${'1'.repeat(300)}?${q(alice)}`)],
      ['a repeated parameter', 400, api.get(`/2.0/folders/0/items?${q(alice)}&${q(alice)}`)],
      ['invalid JSON', 400, api.post('/2.0/folders', undefined, { body: '{', headers: { 'Content-Type': 'application/json' } })],
      ['a wrong method', 405, api.request('PATCH', '/2.0/folders/0')],
    ];
    for (const [what, status, pending] of attempts) assert.equal((await pending).status, status, what);
    const head = (extra: string) => `GET /2.0/folders/0?${q(alice)} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${alice}\r\n${extra}\r\n`;
    for (const [what, bytes, status] of [
      ['an unparsable header', head('Bad Header: x\r\n'), 400],
      ['an oversized head', head(`X-Pad: ${'p'.repeat(20_000)}\r\n`), 431],
      ['a NUL in a header', head('X-A: a\u0000b\r\n'), 400],
    ] as const) {
      const reply = await rawExchange(server.port, send(bytes), { timeoutMs: 5_000 });
      assert.equal(reply.status, status, what);
    }
    await sleep(300); // let the log lines of the last requests flush
    const log = server.output();
    assert.match(log, /"level":20/, 'debug lines are written (so the check below is not vacuous)');
    assert.match(log, /client error/, 'parser errors are logged (without their raw bytes)');
    assert.match(log, /"authorization":"\[redacted\]"/, 'header sets that libraries log are redacted');
    assertNoTrace(log, alice, 'the server log');
    assertNoTrace(log, bob, 'the server log');
  });
});

describe('tokens on PostgreSQL', () => {
  let database: ThrowawayDatabase;
  let server: TestServer;

  before(async () => {
    database = await createThrowawayDatabase();
    server = await startServer({ args: ['--database', database.url, '--log-level', 'warn'] });
  });
  after(async () => {
    await server?.dispose();
    await database?.drop();
  });

  test('the tokens table holds only SHA-256 digests', async () => {
    const token = await server.token('carol');
    assertStatus(await new Api(server.origin, token).get('/2.0/folders/0'), 200);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ hash: string }>('select hash from tokens');
      assert.deepEqual(rows.map((r) => r.hash), [sha256(token)]);
      const everything = JSON.stringify((await client.query('select * from users')).rows) + JSON.stringify((await client.query('select * from tokens')).rows);
      assertNoTrace(everything, token, 'PostgreSQL');
    } finally {
      await client.end();
    }
  });
});
