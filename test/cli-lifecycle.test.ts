/**
 * The lifecycle commands (rm, mv, cp, rename, versions, trash, restore, info) over real HTTP, written against
 * Box's definitions of the endpoints (PUT/DELETE /files|folders/{id}, POST …/copy, versions, the trash,
 * users/me). They need the server's lifecycle routes (branch `life`): until that branch is merged, these tests
 * fail with 405 method_not_allowed / 404 — everything else of the CLI is in the other cli-*.test.ts files.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, sha1Of, tempDir } from './helpers/client-fixtures.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('lifecycle commands: rm, mv, cp, rename, versions, trash, restore, info', { timeout: 120_000 }, () => {
  let server: TestServer;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '65536'] });
    work = await tempDir();
    env = { TRANCHE_SERVER: server.origin, TRANCHE_TOKEN: await server.token('life'), TRANCHE_STATE_DIR: path.join(work.dir, 's'), TRANCHE_CONFIG: path.join(work.dir, 'c.json') };
  });
  after(async () => {
    await server?.dispose();
    await work?.dispose();
  });

  const json = async (args: string[]): Promise<Array<Record<string, any>>> => {
    const result = await runCli([...args, '--json'], env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.events;
  };
  const names = async (folder: string): Promise<string[]> => (await json(['ls', folder])).map((e) => String(e['name'])).sort();

  test('info, rename, mv, cp, versions, rm, trash, restore, purge', async () => {
    const me = (await json(['info']))[0]!;
    assert.equal(me['type'], 'user');
    assert.equal(me['name'], 'life');

    const file = path.join(work.dir, 'a.txt');
    await writeFile(file, 'first content');
    const first = await sha1Of(file);
    await json(['upload', file, '--to', '/lc']);
    const info = (await json(['info', '/lc/a.txt']))[0]!;
    assert.equal(info['type'], 'file');
    assert.equal(info['size'], 13);
    assert.equal(info['sha1'], first);

    const renamed = (await json(['rename', '/lc/a.txt', 'b.txt']))[0]!;
    assert.deepEqual([renamed['event'], renamed['name']], ['renamed', 'b.txt']);
    assert.deepEqual(await names('/lc'), ['b.txt']);

    await json(['mkdir', '-p', '/lc/dest']);
    const moved = (await json(['mv', '/lc/b.txt', '/lc/dest']))[0]!;
    assert.equal(moved['event'], 'moved');
    assert.deepEqual(await names('/lc/dest'), ['b.txt']);
    await json(['mv', '/lc/dest/b.txt', '/lc/c.txt']); // move and rename at once
    assert.deepEqual(await names('/lc'), ['c.txt', 'dest']);

    const copied = (await json(['cp', '/lc/c.txt', '/lc/dest']))[0]!;
    assert.equal(copied['event'], 'copied');
    assert.notEqual(copied['id'], copied['source_id']);
    const inDest = (await json(['ls', '/lc/dest']))[0]!;
    assert.deepEqual([inDest['name'], inDest['sha1']], ['c.txt', first]);

    await writeFile(file, 'second content, longer');
    await json(['upload', file, '--to', '/lc', '--name', 'c.txt', '--overwrite']);
    const versions = await json(['versions', '/lc/c.txt']);
    assert.equal(versions.filter((v) => v['current']).length, 1);
    const old = versions.find((v) => !v['current'])!;
    assert.equal(old['sha1'], first);
    const promoted = (await json(['versions', '/lc/c.txt', '--promote', String(old['id'])]))[0]!;
    assert.equal(promoted['event'], 'promoted');
    assert.equal((await json(['info', '/lc/c.txt']))[0]!['sha1'], first);

    const removed = (await json(['rm', '/lc/c.txt']))[0]!;
    assert.equal(removed['event'], 'trashed');
    assert.deepEqual(await names('/lc'), ['dest']);
    const trashed = await json(['trash']);
    assert.ok(trashed.some((t) => t['name'] === 'c.txt' && t['type'] === 'file'));
    const restored = (await json(['restore', 'c.txt']))[0]!;
    assert.equal(restored['event'], 'restored');
    assert.deepEqual(await names('/lc'), ['c.txt', 'dest']);

    const notEmpty = await runCli(['rm', '/lc/dest'], env);
    assert.equal(notEmpty.code, 4, notEmpty.stderr);
    await json(['rm', '-r', '/lc/dest']);
    assert.deepEqual(await names('/lc'), ['c.txt']);
    const folderInTrash = (await json(['trash'])).find((t) => t['name'] === 'dest')!;
    const purged = (await json(['trash', '--purge', `folder:${folderInTrash['id']}`]))[0]!;
    assert.equal(purged['event'], 'purged');
    assert.ok(!(await json(['trash'])).some((t) => t['name'] === 'dest'));
    assert.equal((await runCli(['restore', `folder:${folderInTrash['id']}`], env)).code, 3);
  });
});
