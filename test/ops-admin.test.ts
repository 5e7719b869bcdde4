/**
 * The admin commands (issue 15) against a running server, on SQLite + local disk and on PostgreSQL + S3: users
 * (list, create, set-quota, disable), sessions (list, abort), gc, doctor, and fsck finding a byte flipped in a stored
 * blob (on disk, and in the S3 bucket), the download then refusing the file, and the finding cleared once the byte
 * is restored. Each command runs as a real `tranche` process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3, type TestS3 } from './helpers/s3.js';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, uniqueName } from './helpers/http.js';
import { scrapeUntil, valueOf } from './helpers/metrics.js';

const execFileP = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Setup {
  name: string;
  /** Part size: S3 takes parts of 5 MiB at least. */
  part: number;
  /** serve flags and admin flags for the stores; env for both. */
  storeArgs(dataDir: string): string[];
  env: Record<string, string>;
  /** Flips one byte of a stored blob, or puts it back; returns the original byte. */
  flip(server: TestServer, key: string, at: number): Promise<void>;
}

function suite(setup: () => Promise<Setup & { dispose(): Promise<void> }>): void {
  let s: Setup & { dispose(): Promise<void> };
  let server: TestServer;
  let alice: Api;
  let PART = 0;

  const cli = async (...args: string[]): Promise<Run> => {
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [CLI_BIN, ...args, ...s.storeArgs(server.dataDir)], { env: { ...process.env, ...s.env }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw error;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const json = async (...args: string[]): Promise<any> => {
    const run = await cli(...args, '--json');
    assert.equal(run.code, 0, `tranche ${args.join(' ')} → ${run.code}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };

  before(async () => {
    s = await setup();
    PART = s.part;
    // The server's own janitor (every 60 s) is kept out of the way: past a minute into this block (under load) it
    // released the session `gc` is there to release, and gc found nothing to do.
    server = await startServer({
      args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--session-ttl', '8', '--janitor-interval', '86400', ...s.storeArgs('')].filter((a) => a !== '--data-dir' && a !== ''),
      env: s.env,
    });
    alice = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
    await s?.dispose();
  });

  test('users: list with usage, create, set-quota (enforced), disable (tokens refused)', async () => {
    const data = randomBytesSeeded(3000, 1);
    await alice.chunkedUpload(uniqueName('usage'), data);
    const users = await json('users', 'list');
    const a = users.find((u: any) => u.name === 'alice');
    assert.ok(a, JSON.stringify(users));
    assert.ok(a.usedBytes >= data.length && a.files >= 1 && a.tokens >= 1 && a.quota === null && a.disabled === false, JSON.stringify(a));

    assert.equal((await cli('users', 'create', 'bob')).code, 0);
    const again = await cli('users', 'create', 'bob');
    assert.equal(again.code, 1, 'creating an existing user fails');
    const table = await cli('users', 'list');
    assert.match(table.stdout, /^NAME +ID +USED/m);
    assert.match(table.stdout, /^bob /m);

    const bob = alice.as(await server.token('bob'));
    assert.equal((await cli('users', 'set-quota', 'bob', '2000')).code, 0);
    assert.equal((await json('users', 'list')).find((u: any) => u.name === 'bob').quota, 2000);
    assertError(await bob.createSession({ folder_id: '0', file_size: 2500, file_name: uniqueName('big') }), 403, 'storage_limit_exceeded');
    assertStatus(await bob.createSession({ folder_id: '0', file_size: 1500, file_name: uniqueName('fits') }), 201);
    assert.equal((await cli('users', 'set-quota', 'nobody', '1G')).code, 1, 'an unknown user fails');

    const carol = alice.as(await server.token('carol'));
    assert.equal((await cli('users', 'disable', 'carol')).code, 0);
    assertError(await carol.get('/2.0/folders/0'), 401, 'unauthorized');
    assert.equal((await json('users', 'list')).find((u: any) => u.name === 'carol').disabled, true);
    assert.equal((await cli('users', 'enable', 'carol')).code, 0);
    assertStatus(await carol.get('/2.0/folders/0'), 200);
  });

  test('sessions: list with filters, abort by id (bytes released), refuses what is not active', async () => {
    const created = await alice.createSession({ folder_id: '0', file_size: 2 * PART, file_name: uniqueName('listed') });
    assertStatus(created, 201);
    const id = created.body.id;
    const listed = await json('sessions', 'list', '--user', 'alice');
    const mine = listed.find((x: any) => x.id === id);
    assert.ok(mine && ['active', 'expired'].includes(mine.status) && mine.totalParts === 2, JSON.stringify(mine));
    assert.equal((await json('sessions', 'list', '--user', 'nobody')).length, 0);

    const aborted = await cli('sessions', 'abort', id);
    assert.equal(aborted.code, 0, aborted.stderr);
    assertError(await alice.get(created.body.session_endpoints.status), 404);
    const abortedList = await json('sessions', 'list', '--state', 'aborted');
    assert.ok(abortedList.some((x: any) => x.id === id && x.released === true));
    assert.ok(!(await json('sessions', 'list', '--state', 'committed')).some((x: any) => x.id === id));
    assert.equal((await cli('sessions', 'abort', id)).code, 1, 'an aborted session cannot be aborted again');
    assert.equal((await cli('sessions', 'abort', 'NOPE')).code, 1);
  });

  test('gc: releases expired sessions now and reports the bytes', async () => {
    const data = randomBytesSeeded(2 * PART, 2);
    const created = await alice.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('expiring') });
    assertStatus(created, 201);
    assertStatus(await alice.putPart(created.body.session_endpoints.upload_part, data, 0, PART), 200);
    await new Promise((resolve) => setTimeout(resolve, 8_500)); // the session lives 8 s
    const report = await json('gc');
    assert.ok(report.releasedSessions >= 1, JSON.stringify(report));
    assert.ok(report.freedBytes >= data.length, JSON.stringify(report));
    const expired = await json('sessions', 'list', '--state', 'expired');
    assert.ok(expired.some((x: any) => x.id === created.body.id && x.released === true));
  });

  test('doctor: every check passes on a working setup', async () => {
    const run = await cli('doctor', '--json', '--min-free-disk', '1');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const result = JSON.parse(run.stdout);
    const names = result.checks.map((c: any) => c.check);
    for (const name of ['config', 'schema', 'metadata', 'blobs', 'clock', 'integrity']) assert.ok(names.includes(name), names.join());
    assert.ok(result.checks.every((c: any) => c.status !== 'fail'), JSON.stringify(result.checks));
  });

  test('fsck: a flipped byte is found, named, refused to downloads, and cleared once restored', async () => {
    const data = randomBytesSeeded(PART + 3000, 11); // S3: at most 11 MiB, what the test S3 server takes in one PUT
    const { session, file } = await alice.chunkedUpload(uniqueName('scrub'), data);
    const clean = await cli('fsck', '--json');
    assert.equal(clean.code, 0, clean.stderr);
    assert.ok(JSON.parse(clean.stdout).checked >= 1);

    const key = `uploads/${session.id}`;
    await s.flip(server, key, 1500);
    const dirty = await cli('fsck', '--json', '--rate', '10M');
    assert.equal(dirty.code, 1, 'fsck exits non-zero');
    const report = JSON.parse(dirty.stdout);
    const bad = report.bad.find((b: any) => b.fileId === file.id);
    assert.ok(bad, dirty.stdout);
    assert.equal(bad.outcome, 'corrupt');
    assert.equal(bad.expectedSha1, sha1Hex(data));
    assert.notEqual(bad.actualSha1, sha1Hex(data));
    assert.match(dirty.stderr, new RegExp(`BAD file ${file.id} `), 'stderr names the file');
    const download = await alice.download(file.id);
    assertError(download, 500, 'file_integrity_error');
    const advice = await cli('fsck', '--repair-report', '--user', 'alice');
    assert.equal(advice.code, 1);
    assert.match(advice.stdout, new RegExp(`blob key: +${key}`));

    await s.flip(server, key, 1500); // flipping back restores the bytes
    const restored = await cli('fsck', '--json', '--sample', '100%');
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.ok(JSON.parse(restored.stdout).repaired >= 1);
    const again = await alice.download(file.id);
    assertStatus(again, 200);
    assert.equal(sha1Hex(again.raw), sha1Hex(data));
  });
}

describe('admin commands on SQLite + local disk', () => {
  suite(async () => ({
    name: 'sqlite',
    part: 1024,
    storeArgs: (dataDir) => (dataDir ? ['--data-dir', dataDir] : []),
    env: {},
    async flip(server, key, at) {
      const file = path.join(server.dataDir, 'blobs', key);
      const bytes = await readFile(file);
      bytes[at] = bytes[at]! ^ 0xff;
      await writeFile(file, bytes);
    },
    dispose: async () => {},
  }));
});

describe('admin commands on PostgreSQL + S3', () => {
  let db: ThrowawayDatabase;
  let s3: TestS3;
  suite(async () => {
    db = await createThrowawayDatabase();
    s3 = await startS3();
    return {
      name: 'postgres+s3',
      part: 5 * 1024 * 1024,
      storeArgs: (dataDir) => [...(dataDir ? ['--data-dir', dataDir] : []), '--database', db.url, '--blob', s3.blobUrl],
      env: s3.env,
      async flip(_server, key, at) {
        // Signed requests through the test's own client: a real store refuses anonymous ones.
        const got = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
        const bytes = Buffer.from(await got.Body!.transformToByteArray());
        bytes[at] = bytes[at]! ^ 0xff;
        await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }));
      },
      dispose: async () => {
        await s3?.stop();
        await db?.drop();
      },
    };
  });
});

describe('continuous integrity check (serve --fsck-rate)', () => {
  const PART = 1024;
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--fsck-rate', '100000000', '--fsck-interval', '1'] });
  });
  after(async () => {
    await server?.dispose();
  });

  test('finds a flipped byte by itself: metrics, log, refused download', async () => {
    const api = new Api(server.origin, await server.token('gina'));
    const data = randomBytesSeeded(2 * PART, 12);
    const { session, file } = await api.chunkedUpload(uniqueName('scheduled'), data);
    const checked = await scrapeUntil(server.origin, (m) => valueOf(m, 'tranche_fsck_files_total', { outcome: 'ok' }) >= 1);
    assert.ok(valueOf(checked, 'tranche_fsck_files_total', { outcome: 'ok' }) >= 1, 'the file is checked');
    const blob = path.join(server.dataDir, 'blobs', 'uploads', session.id);
    const bytes = await readFile(blob);
    bytes[10] = bytes[10]! ^ 1;
    await writeFile(blob, bytes);
    const found = await scrapeUntil(server.origin, (m) => valueOf(m, 'tranche_fsck_corrupt_files') === 1);
    assert.equal(valueOf(found, 'tranche_fsck_corrupt_files'), 1);
    assert.ok(valueOf(found, 'tranche_fsck_files_total', { outcome: 'corrupt' }) >= 1);
    assert.match(server.output(), /"msg":"stored file failed the integrity check"/);
    assertError(await api.download(file.id), 500, 'file_integrity_error');
  });
});
