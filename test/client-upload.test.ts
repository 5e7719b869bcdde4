/**
 * The client against a real server over HTTP: chunked uploads of awkward sizes, simple uploads below the
 * chunked minimum, new versions, downloads compared byte for byte, and the CLI end to end.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadFile, getFile, listFolder, createFolder, uploadFile, TrancheApiError, type UploadEvent } from '@tranche/client';
import * as core from '@tranche/client/core';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, type TestServer } from './helpers/server.js';
import { eventsOf, randomFile, runCli, sha1Of, tempDir } from './helpers/client-fixtures.js';

const PART = 65_536;
const MIN = 1_000;

describe('client uploads against the server', { timeout: 120_000 }, () => {
  let server: TestServer;
  let token: string;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let stateDir: string;
  const opts = () => ({ server: server.origin, token, minChunkedSize: MIN, stateDir });

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', String(MIN), '--part-size', String(PART)] });
    token = await server.token('alice');
    work = await tempDir();
    stateDir = path.join(work.dir, 'state');
  });
  after(async () => {
    await server?.dispose();
    await work?.dispose();
  });

  const cases: Array<[string, number, 'chunked' | 'simple']> = [
    ['exact multiple of part_size', PART * 4, 'chunked'],
    ['one byte over a multiple', PART * 4 + 1, 'chunked'],
    ['exactly one part', PART, 'chunked'],
    ['at the chunked minimum', MIN, 'chunked'],
    ['below the chunked minimum', MIN - 1, 'simple'],
    ['empty', 0, 'simple'],
  ];
  for (const [label, size, mode] of cases) {
    test(`${label} (${size} bytes) goes ${mode} and downloads identical`, async () => {
      const file = path.join(work.dir, `f-${size}.bin`);
      const sha1 = await randomFile(file, size);
      const events: UploadEvent[] = [];
      const uploaded = await uploadFile(file, { ...opts(), folderId: '0', onEvent: (e) => events.push(e) });
      assert.equal(uploaded.sha1, sha1);
      assert.equal(uploaded.size, size);
      assert.equal(uploaded.name, `f-${size}.bin`);
      const started = events.find((e) => e.type === 'started');
      assert.equal(started?.mode, mode);
      if (mode === 'chunked') {
        assert.equal(started?.totalParts, Math.ceil(size / PART));
        const parts = events.filter((e) => e.type === 'part');
        assert.equal(parts.length, Math.ceil(size / PART));
        assert.deepEqual(new Set(parts.map((p) => p.offset)).size, parts.length);
      }
      assert.equal(events.at(-1)?.type, 'committed');
      const out = path.join(work.dir, `out-${size}.bin`);
      const result = await downloadFile(uploaded.id, { ...opts(), output: out });
      assert.equal(result.sha1, sha1);
      assert.deepEqual(await readFile(out), await readFile(file));
      assert.deepEqual(await readdir(stateDir).catch(() => []), [], 'no state file is left after a commit');
    });
  }

  test('a new version by fileId (chunked, then simple) keeps the id and the name', async () => {
    const first = path.join(work.dir, 'versioned.bin');
    await randomFile(first, PART * 2 + 7);
    const original = await uploadFile(first, { ...opts(), folderId: '0' });
    const v2 = path.join(work.dir, 'v2-content.bin');
    const sha2 = await randomFile(v2, PART * 3);
    const second = await uploadFile(v2, { ...opts(), fileId: original.id });
    assert.equal(second.id, original.id);
    assert.equal(second.sha1, sha2);
    assert.equal(second.name, 'versioned.bin');
    assert.notEqual(second.file_version.id, original.file_version.id);
    const v3 = path.join(work.dir, 'v3-content.bin');
    const sha3 = await randomFile(v3, 10);
    const third = await uploadFile(v3, { ...opts(), fileId: original.id });
    assert.equal(third.sha1, sha3);
    assert.equal((await getFile(original.id, opts())).sha1, sha3);
    const out = path.join(work.dir, 'versioned.out');
    await downloadFile(original.id, { ...opts(), output: out });
    assert.deepEqual(await readFile(out), await readFile(v3));
  });

  test('the environment-free core works with its defaults: global fetch and the pure-JS SHA-1', async () => {
    const bytes = new Uint8Array(randomBytes(PART * 2 + 3));
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    const events: core.UploadEvent[] = [];
    const file = await core.uploadFile(core.bytesSource(bytes, 'core.bin'), {
      server: server.origin,
      token,
      minChunkedSize: MIN,
      resumeStore: core.memoryResumeStore(),
      onEvent: (e) => events.push(e),
    });
    assert.equal(file.sha1, sha1);
    assert.equal(events.filter((e) => e.type === 'part').length, 3);
    const { response } = await core.openDownload(file.id, { server: server.origin, token });
    assert.deepEqual(await core.readAll(response.body), bytes);
  });

  test('every byte is read once, in offset order, whatever the parallelism', async () => {
    const bytes = new Uint8Array(randomBytes(PART * 9 + 11));
    const reads: Array<[number, number]> = [];
    const source: core.UploadSource = {
      size: bytes.byteLength,
      name: 'read-once.bin',
      slice: async (start, end) => {
        reads.push([start, end]);
        await new Promise((r) => setTimeout(r, 1));
        return bytes.subarray(start, end);
      },
    };
    const file = await uploadFile(source, { ...opts(), parallel: 4 });
    assert.equal(file.sha1, createHash('sha1').update(bytes).digest('hex'));
    let next = 0;
    for (const [start, end] of reads) {
      assert.equal(start, next, `reads are contiguous and ordered: ${JSON.stringify(reads)}`);
      next = end;
    }
    assert.equal(next, bytes.byteLength);
  });

  test('folders: create, list, and a name conflict is a TrancheApiError with Box fields', async () => {
    const folder = await createFolder('sdk-folder', '0', opts());
    const file = path.join(work.dir, 'in-folder.bin');
    const sha1 = await randomFile(file, PART + 1);
    await uploadFile(file, { ...opts(), folderId: folder.id });
    const items = await listFolder(folder.id, opts());
    assert.deepEqual(items.map((i) => [i.type, i.name]), [['file', 'in-folder.bin']]);
    assert.equal((items[0] as { sha1: string }).sha1, sha1);
    const error = await uploadFile(file, { ...opts(), folderId: folder.id }).catch((e: unknown) => e);
    assert.ok(error instanceof TrancheApiError, String(error));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'item_name_in_use');
    assert.equal(error.method, 'POST');
    assert.match(error.url, /\/api\/2\.0\/files\/upload_sessions$/);
    assert.ok(error.requestId, 'request_id is carried');
  });

  test('CLI: mkdir, upload --json, ls, download -o, and one-line failures', async () => {
    const env = { TRANCHE_SERVER: server.origin, TRANCHE_TOKEN: token, TRANCHE_STATE_DIR: stateDir };
    const mk = await runCli(['mkdir', 'cli-folder'], env);
    assert.equal(mk.code, 0, mk.stderr);
    const folderId = mk.stdout.trim();
    assert.match(folderId, /^\d+$/);

    const a = path.join(work.dir, 'cli-a.bin');
    const b = path.join(work.dir, 'cli-b.bin');
    const shaA = await randomFile(a, PART * 3 + 5);
    const shaB = await randomFile(b, 100);
    const up = await runCli(['upload', a, b, '--folder', folderId, '--json', '--min-chunked-size', String(MIN), '--parallel', '2'], env);
    assert.equal(up.code, 0, up.stderr);
    const committed = eventsOf(up, 'committed');
    assert.deepEqual(committed.map((e) => e['sha1']), [shaA, shaB]);
    assert.deepEqual(eventsOf(up, 'started').map((e) => e['mode']), ['chunked', 'simple']);
    assert.equal(eventsOf(up, 'part').length, 4);
    // Every event names its file; several files end with one `summary` (no file).
    assert.ok(up.events.filter((e) => e['event'] !== 'summary').every((e) => typeof e['event'] === 'string' && typeof e['file'] === 'string'));
    assert.equal(eventsOf(up, 'summary')[0]?.['sent'], 2);

    const listing = await runCli(['ls', folderId, '--json'], env);
    assert.equal(listing.code, 0, listing.stderr);
    assert.deepEqual(listing.events.map((e) => [e['name'], e['sha1']]).sort(), [['cli-a.bin', shaA], ['cli-b.bin', shaB]]);
    const plain = await runCli(['ls', folderId], env);
    assert.match(plain.stdout, /^file\t\d+\tcli-a\.bin\t[0-9a-f]{40}$/m);

    const out = path.join(work.dir, 'cli-a.out');
    const dl = await runCli(['download', String(committed[0]!['fileId']), '-o', out], env);
    assert.equal(dl.code, 0, dl.stderr);
    assert.equal(await sha1Of(out), shaA);

    const missing = await runCli(['upload', path.join(work.dir, 'nope.bin'), '--json'], env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /^tranche: .*ENOENT/);

    const notFound = await runCli(['ls', '987654'], env);
    assert.notEqual(notFound.code, 0);
    assert.match(notFound.stderr, /^tranche: .*404 not_found/);

    const noToken = await runCli(['ls'], { ...env, TRANCHE_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no token/);
  });
});
