/**
 * rclone, unmodified (Debian's package, backend `box`), against a real `tranche serve` (issue 12): listing, mkdir,
 * copies small and chunked, checks and hashes, ranged reads, moves, server-side copies, deletes, purge, rmdir, sync,
 * about, cleanup, overwrites as new versions, and a folder of 2,500 files listed in full. Every step is checked on
 * the server as well as through rclone's own output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded } from './helpers/http.js';
import { rcloneAgainst, type Rclone } from './helpers/rclone.js';

const sha1 = (data: Uint8Array | string) => createHash('sha1').update(data).digest('hex');
const MiB = 1024 * 1024;

describe('rclone against tranche serve', () => {
  let server: TestServer;
  let api: Api;
  let rclone: Rclone;
  let local: string;

  before(async () => {
    server = await startServer({ args: ['--public-url', 'https://upload.box.com', '--rate-limit', '0', '--log-level', 'warn'] });
    const token = await server.token('alice');
    api = new Api(server.origin, token);
    rclone = await rcloneAgainst(server, token);
    local = await mkdtemp(path.join(tmpdir(), 'tranche-rclone-local-'));
  });
  after(async () => {
    await rclone?.dispose();
    await server?.dispose();
    if (local) await rm(local, { recursive: true, force: true });
  });

  async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
    for (const [name, data] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), data);
    }
  }
  async function lsjson(remote: string, ...flags: string[]): Promise<any[]> {
    return JSON.parse((await rclone.run(['lsjson', ...flags, remote])).stdout);
  }
  async function objectCount(): Promise<number> {
    return (await readdir(path.join(server.dataDir, 'blobs', 'objects')).catch(() => [])).length;
  }
  async function spaceUsed(): Promise<number> {
    return (await api.get('/2.0/users/me')).body.space_used;
  }

  test('mkdir (new and existing), lsd, copy of a small tree with --transfers 4, ls, lsjson -R --hash, check, hashsum', async () => {
    await rclone.run(['mkdir', 'box:docs']);
    await rclone.run(['mkdir', 'box:docs']);
    await rclone.run(['mkdir', 'box:docs/nested/deeper']);
    assert.match((await rclone.run(['lsd', 'box:'])).stdout, /\sdocs\n/);

    const tree = path.join(local, 'tree');
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) files[`${i % 3 === 0 ? 'a/' : i % 3 === 1 ? 'b/c/' : ''}file-${i}.bin`] = randomBytesSeeded(1000 + i * 777, i + 1);
    await writeTree(tree, files);
    await rclone.run(['copy', '--transfers', '4', tree, 'box:docs/tree']);

    const ls = (await rclone.run(['ls', 'box:docs/tree'])).stdout.trim().split('\n');
    assert.equal(ls.length, 12);
    const listed = await lsjson('box:docs/tree', '-R', '--hash', '--files-only');
    assert.equal(listed.length, 12);
    for (const entry of listed) assert.equal(entry.Hashes.sha1, sha1(files[entry.Path]!), entry.Path);
    await rclone.run(['check', tree, 'box:docs/tree']);
    const sums = (await rclone.run(['hashsum', 'sha1', 'box:docs/tree'])).stdout;
    for (const [name, data] of Object.entries(files)) assert.ok(sums.includes(`${sha1(data)}  ${name}`), name);

    // Into existing folders, and an unchanged re-copy uploads nothing.
    const before = { objects: await objectCount(), used: await spaceUsed() };
    const again = await rclone.run(['copy', '-v', '--transfers', '4', tree, 'box:docs/tree']);
    assert.doesNotMatch(again.stderr, /Copied \(/);
    assert.deepEqual({ objects: await objectCount(), used: await spaceUsed() }, before);
    await writeTree(tree, { 'a/new.txt': 'a new file in an existing folder' });
    const added = await rclone.run(['copy', '-v', tree, 'box:docs/tree']);
    assert.match(added.stderr, /a\/new\.txt: Copied \(new\)/);
    assert.equal((await rclone.run(['cat', 'box:docs/tree/a/new.txt'])).stdout, 'a new file in an existing folder');
  });

  test('200 MiB through upload sessions; download and compare; cat --offset --count', async () => {
    const big = path.join(local, 'big.bin');
    const out = createWriteStream(big);
    const hash = createHash('sha1');
    for (let i = 0; i < 200; i++) {
      const chunk = randomBytesSeeded(MiB, 1000 + i);
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    const digest = hash.digest('hex');
    const copied = await rclone.run(['copy', '-vv', big, 'box:large'], { timeoutMs: 600_000 });
    assert.match(copied.stderr, /Multipart upload session started/);
    const [entry] = await lsjson('box:large', '--hash');
    assert.equal(entry.Size, 200 * MiB);
    assert.equal(entry.Hashes.sha1, digest);

    const back = path.join(local, 'back');
    await rclone.run(['copy', 'box:large/big.bin', back], { timeoutMs: 600_000 });
    const downloaded = createHash('sha1').update(await readFile(path.join(back, 'big.bin'))).digest('hex');
    assert.equal(downloaded, digest);
    await rm(back, { recursive: true, force: true });

    const slice = await rclone.run(['cat', '--offset', String(5 * MiB + 3), '--count', '1000', 'box:large/big.bin']);
    assert.equal(sha1(slice.stdoutBytes), sha1(randomBytesSeeded(MiB, 1005).subarray(3, 1003)));
    await rm(big);
  });

  test('moveto (file and folder), copyto server-side, delete, deletefile, purge, rmdir', async () => {
    const src = path.join(local, 'moves');
    await writeTree(src, { 'one.txt': 'one', 'dir/two.txt': 'two', 'dir/three.txt': 'three' });
    await rclone.run(['copy', src, 'box:moves']);
    await rclone.run(['moveto', 'box:moves/one.txt', 'box:moves/dir/one-moved.txt']);
    await rclone.run(['moveto', 'box:moves/dir', 'box:moved-dir']);
    const moved = (await lsjson('box:moved-dir')).map((e) => e.Name).sort();
    assert.deepEqual(moved, ['one-moved.txt', 'three.txt', 'two.txt']);
    assert.deepEqual(await lsjson('box:moves'), []);

    const objects = await objectCount();
    await rclone.run(['copyto', 'box:moved-dir/two.txt', 'box:moved-dir/two-copy.txt']);
    assert.equal(await objectCount(), objects, 'a server-side copy stores no bytes');
    assert.equal((await rclone.run(['cat', 'box:moved-dir/two-copy.txt'])).stdout, 'two');

    await rclone.run(['deletefile', 'box:moved-dir/one-moved.txt']);
    await rclone.run(['delete', '--include', 'three.*', 'box:moved-dir']);
    assert.deepEqual((await lsjson('box:moved-dir')).map((e) => e.Name).sort(), ['two-copy.txt', 'two.txt']);
    const rmdirFull = await rclone.run(['rmdir', 'box:moved-dir'], { allowFailure: true });
    assert.notEqual(rmdirFull.code, 0, 'rmdir of a folder with files fails');
    await rclone.run(['rmdir', 'box:moves']);
    await rclone.run(['purge', 'box:moved-dir']);
    const top = (await lsjson('box:')).map((e) => e.Name);
    assert.ok(!top.includes('moves') && !top.includes('moved-dir'), top.join(','));
  });

  test('sync with deletions; overwrite as new versions (simple and chunked); about; cleanup', async () => {
    const src = path.join(local, 'sync');
    await writeTree(src, { 'keep.txt': 'keep', 'drop.txt': 'drop', 'sub/x.txt': 'x' });
    await rclone.run(['sync', src, 'box:sync']);
    await rm(path.join(src, 'drop.txt'));
    await writeTree(src, { 'keep.txt': 'keep, changed' });
    await rclone.run(['sync', src, 'box:sync']);
    assert.deepEqual((await lsjson('box:sync', '-R', '--files-only')).map((e) => e.Path).sort(), ['keep.txt', 'sub/x.txt']);
    assert.equal((await rclone.run(['cat', 'box:sync/keep.txt'])).stdout, 'keep, changed');

    // The overwrite was a new version of the same file.
    const [keep] = (await lsjson('box:sync', '--files-only')).filter((e) => e.Name === 'keep.txt');
    const versions = await api.get(`/2.0/files/${keep.ID}/versions`);
    assertStatus(versions, 200);
    assert.equal(versions.body.total_count, 1);
    assert.equal(versions.body.entries[0].sha1, sha1('keep'));

    // A chunked overwrite (above rclone's upload cutoff, 50 MiB at least) is a new version too.
    const chunked = path.join(local, 'chunked');
    await writeTree(chunked, { 'c.bin': randomBytesSeeded(51 * MiB, 77) });
    await rclone.run(['copy', chunked, 'box:sync'], { timeoutMs: 600_000 });
    const second = randomBytesSeeded(51 * MiB, 78);
    await writeTree(chunked, { 'c.bin': second });
    const over = await rclone.run(['copy', '-vv', chunked, 'box:sync'], { timeoutMs: 600_000 });
    assert.match(over.stderr, /Multipart upload session started/);
    const [c] = (await lsjson('box:sync', '--files-only', '--hash')).filter((e) => e.Name === 'c.bin');
    assert.equal(c.Hashes.sha1, sha1(second));
    await rm(chunked, { recursive: true, force: true });
    assert.equal((await api.get(`/2.0/files/${c.ID}/versions`)).body.total_count, 1);

    const about = JSON.parse((await rclone.run(['about', '--json', 'box:'])).stdout);
    assert.equal(about.used, await spaceUsed());
    assert.equal(about.total, 999_999_999_999_999);

    // The trash holds what sync deleted; cleanup purges it and the bytes go.
    const trash = await api.get('/2.0/folders/trash/items?limit=1000');
    assert.ok(trash.body.total_count > 0);
    const usedBefore = await spaceUsed();
    await rclone.run(['cleanup', 'box:']);
    assert.equal((await api.get('/2.0/folders/trash/items')).body.total_count, 0);
    assert.ok((await spaceUsed()) < usedBefore);
  });

  test('a folder of 2,500 files, listed in full with the default page size and with --box-list-chunk 7', async () => {
    const folder = await api.post('/2.0/folders', { name: 'many', parent: { id: '0' } });
    assertStatus(folder, 201);
    const names = Array.from({ length: 2500 }, (_, i) => `n${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < names.length; i += 16) {
      await Promise.all(names.slice(i, i + 16).map(async (name) => assertStatus(await api.simpleUpload({ name, parent: { id: folder.body.id } }, name), 201)));
    }
    for (const flags of [[], ['--box-list-chunk', '7']]) {
      const listed = (await rclone.run(['lsf', ...flags, 'box:many'])).stdout.trim().split('\n');
      assert.equal(listed.length, 2500, flags.join(' '));
      assert.deepEqual([...listed].sort(), names);
    }
  });
});
