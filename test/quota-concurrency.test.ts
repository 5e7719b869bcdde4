/**
 * The storage quota under concurrency, over real HTTP, on SQLite and on PostgreSQL: the check and the reservation
 * are one step (the store decides inside the write), so of 50 session creations at once that fit one at a time,
 * exactly one is made; of concurrent simple uploads that fit one at a time, exactly one is stored; and a commit
 * checks the quota again (a quota lowered since the session was opened refuses it, changing nothing).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, uniqueName } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';

const PART = 1024;
const QUOTA = 3000;
const serveArgs = (quota: number) => ['--user-quota', String(quota), '--min-chunked-size', '1000', '--part-size', String(PART), '--rate-limit', '0', '--log-level', 'warn'];

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`quota under concurrency (${backend})`, () => {
    let server: TestServer;
    let db: ThrowawayDatabase | undefined;
    let storeArgs: string[] = [];

    before(async () => {
      if (backend === 'postgres') {
        db = await createThrowawayDatabase();
        storeArgs = ['--database', db.url];
      }
      server = await startServer({ args: [...serveArgs(QUOTA), ...storeArgs] });
    });
    after(async () => {
      await server?.dispose();
      await db?.drop();
    });

    test('50 concurrent session creations against a quota that fits one: exactly one succeeds', async () => {
      const api = new Api(server.origin, await server.token('racer'));
      const results = await Promise.all(
        Array.from({ length: 50 }, () => api.createSession({ folder_id: '0', file_size: 2000, file_name: uniqueName('race') })),
      );
      const made = results.filter((r) => r.status === 201);
      assert.equal(made.length, 1, `statuses: ${results.map((r) => r.status).join(' ')}`);
      for (const r of results) if (r.status !== 201) assertBoxError(r, 403, 'storage_limit_exceeded', 'a creation past the quota');
      // The one reservation holds: nothing else fits until it is aborted.
      assertBoxError(await api.createSession({ folder_id: '0', file_size: 1001, file_name: uniqueName('after') }), 403, 'storage_limit_exceeded', 'after the race');
      assertStatus(await api.delete(made[0]!.body.session_endpoints.abort), 204);
    });

    test('concurrent simple uploads that fit one at a time: exactly one is stored', async () => {
      const api = new Api(server.origin, await server.token('uploader'));
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => api.simpleUpload({ name: uniqueName('s'), parent: { id: '0' } }, randomBytesSeeded(2000, i + 1))),
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1, `statuses: ${results.map((r) => r.status).join(' ')}`);
      for (const r of results) if (r.status !== 201) assertBoxError(r, 403, 'storage_limit_exceeded', 'an upload past the quota');
      const listed = await api.get('/2.0/folders/0/items?limit=1000');
      assert.equal(listed.body.total_count, 1, 'one file stored, the refused ones left nothing');
    });

    test('sessions and simple uploads racing each other never pass the quota together', async () => {
      const api = new Api(server.origin, await server.token('mixed'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 ? api.createSession({ folder_id: '0', file_size: 1600, file_name: uniqueName('m') }) : api.simpleUpload({ name: uniqueName('m'), parent: { id: '0' } }, randomBytesSeeded(1600, i)),
        ),
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1, `statuses: ${results.map((r) => r.status).join(' ')}`);
    });
  });
}

test('a commit checks the quota again: lowered since the session opened, the commit is refused and changes nothing', async () => {
  const first = await startServer({ args: serveArgs(QUOTA) });
  let second: TestServer | undefined;
  try {
    const api = new Api(first.origin, await first.token('committer'));
    const data = randomBytesSeeded(2000, 7);
    const name = uniqueName('late');
    const { session, parts } = await api.uploadParts(name, data);
    await first.stop();
    second = await startServer({ dataDir: first.dataDir, args: serveArgs(1500) });
    const later = new Api(second.origin, await second.token('committer'));
    const commitUrl = new URL(new URL(session.session_endpoints.commit).pathname, second.origin).toString();
    assertBoxError(await later.commit(commitUrl, parts, data), 403, 'storage_limit_exceeded', 'commit past the lowered quota');
    const listed = await later.get('/2.0/folders/0/items?limit=1000');
    assert.equal(listed.body.total_count, 0, 'no file was created');
  } finally {
    await second?.dispose();
    await first.dispose();
  }
});
