/**
 * Scale-out end to end: three `tranche serve` processes over one PostgreSQL database and one S3-compatible server,
 * behind a balancer that sends every request to a random instance. The CLI uploads through it; instances die and
 * come back; concurrent PUTs and commits land on different instances.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBalancer, type Balancer } from './helpers/balancer.js';
import { randomFile, runCli, startCli, tempDir, eventsOf, sha1Of } from './helpers/client-fixtures.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, shaDigest, sleep, uniqueName } from './helpers/http.js';
import { createThrowawayDatabase } from './helpers/postgres.js';
import { startS3 } from './helpers/s3.js';
import { startServer, type TestServer } from './helpers/server.js';
import pg from 'pg';

const MiB = 1024 * 1024;
const PART = 8 * MiB;

describe('cluster: three instances over PostgreSQL + S3, no stickiness', () => {
  let db: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let s3: Awaited<ReturnType<typeof startS3>>;
  let balancer: Balancer;
  let servers: TestServer[] = [];
  let work: Awaited<ReturnType<typeof tempDir>>;
  let token: string;
  let api: Api;

  const storeArgs = (): string[] => ['--database', db.url, '--blob', s3.blobUrl];
  const cli = (args: string[], timeoutMs = 120_000) =>
    runCli([...args, '--server', balancer.origin, '--token', token, '--json'], { TRANCHE_STATE_DIR: path.join(work.dir, 'state') }, timeoutMs);

  before(async () => {
    [db, s3, balancer, work] = await Promise.all([createThrowawayDatabase(), startS3(), startBalancer(), tempDir('tranche-cluster-')]);
    // Sequential starts: the first applies the migrations, the others find them applied (concurrent starts are
    // covered by the migration lock in the store's conformance suite).
    for (let i = 0; i < 3; i++) {
      servers.push(await startServer({ args: [...storeArgs(), '--public-url', balancer.origin], env: s3.env }));
    }
    balancer.backends = servers.map((s) => s.origin);
    token = await servers[0]!.token('alice');
    api = new Api(balancer.origin, token);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
    await balancer?.close();
    await s3?.stop();
    await db?.drop();
    await work?.dispose();
  });

  test('several files uploaded with the CLI through random instances arrive with the right sha1', async () => {
    const sizes = [3 * PART, 5 * PART + 1, 40 * MiB + 12345];
    const files = await Promise.all(sizes.map(async (size, i) => {
      const file = path.join(work.dir, `many-${i}.bin`);
      return { file, sha1: await randomFile(file, size) };
    }));
    const result = await cli(['upload', ...files.map((f) => f.file)]);
    assert.equal(result.code, 0, result.stderr);
    const committed = eventsOf(result, 'committed');
    assert.equal(committed.length, files.length);
    for (const { file, sha1 } of files) {
      const event = committed.find((e) => e['file'] === file)!;
      assert.ok(event, `no committed event for ${file}`);
      assert.equal(event['sha1'], sha1);
      const info = await api.get(`/2.0/files/${event['fileId']}`);
      assertStatus(info, 200);
      assert.equal(info.body.sha1, sha1);
      const out = path.join(work.dir, `${path.basename(file)}.down`);
      const down = await cli(['download', String(event['fileId']), '-o', out]);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(await sha1Of(out), sha1);
    }
    for (const server of servers) assert.ok((balancer.stats.sent.get(server.origin) ?? 0) > 0, 'every instance served requests');
  });

  test('an instance killed and restarted mid-upload: the upload completes with the right sha1', async () => {
    const file = path.join(work.dir, 'killed.bin');
    const sha1 = await randomFile(file, 12 * PART + 777);
    const running = startCli(['upload', file, '--server', balancer.origin, '--token', token, '--json'], { TRANCHE_STATE_DIR: path.join(work.dir, 'state') }, 180_000);
    const isPart = (x: Record<string, unknown>): boolean => x['event'] === 'part';
    let eventsBeforeKill = 0;
    await running.waitFor((_e, all) => ((eventsBeforeKill = all.length), all.filter(isPart).length >= 3));
    const victim = servers[1]!;
    await victim.kill();
    await sleep(1500);
    await victim.restart();
    balancer.backends = servers.map((s) => s.origin);
    const result = await running.done;
    assert.equal(result.code, 0, result.stderr);
    const partsAfterKill = result.events.slice(eventsBeforeKill).filter(isPart).length;
    assert.ok(partsAfterKill > 0, 'parts were still being sent when the instance died');
    const [committed] = eventsOf(result, 'committed');
    assert.equal(committed?.['sha1'], sha1);
    const info = await api.get(`/2.0/files/${committed!['fileId']}`);
    assertStatus(info, 200);
    assert.equal(info.body.sha1, sha1);
    const down = await api.download(String(committed!['fileId']));
    assertStatus(down, 200);
    assert.equal(sha1Hex(down.raw), sha1);
  });

  test('overlapping PUTs of one part on different instances record exactly one part', async () => {
    const data = randomBytesSeeded(3 * PART, 41);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('overlap') });
    assertStatus(created, 201);
    const uploadUrl = new URL(created.body.session_endpoints.upload_part).pathname;
    const direct = servers.map((s) => new Api(s.origin, token));

    // The same bytes on all three at once: every answer is the one stored part.
    const same = await Promise.all(direct.map((a) => a.putPart(uploadUrl, data, 0, PART)));
    for (const res of same) assertStatus(res, 200);
    assert.equal(new Set(same.map((r) => r.body.part.part_id)).size, 1);

    // Different bytes for the second part, each with its own correct digest: one wins, the others overlap it.
    const rivals = direct.map((a, i) => {
      const bytes = Buffer.from(data);
      bytes.fill(i + 1, PART, 2 * PART);
      return a.putPart(uploadUrl, bytes, PART, PART);
    });
    const answers = await Promise.all(rivals);
    const won = answers.filter((r) => r.status === 200);
    assert.equal(won.length, 1, answers.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join('\n'));
    for (const lost of answers.filter((r) => r.status !== 200)) assertError(lost, 416, 'range_overlaps_existing_part');
    const listed = await api.get(created.body.session_endpoints.list_parts);
    assertStatus(listed, 200);
    assert.deepEqual(listed.body.entries.map((p: { offset: number }) => p.offset), [0, PART]);
    assert.equal(listed.body.total_count, 2);
    assert.equal(listed.body.entries[1].sha1, won[0]!.body.part.sha1);
  });

  test('racing commits on different instances make one file', async () => {
    const data = randomBytesSeeded(3 * PART + 5, 42);
    const name = uniqueName('race');
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: name });
    assertStatus(created, 201);
    const session = created.body;
    const parts: unknown[] = [];
    for (let offset = 0; offset < data.length; offset += PART) {
      const res = await api.putPart(session.session_endpoints.upload_part, data, offset, Math.min(PART, data.length - offset));
      assertStatus(res, 200);
      parts.push(res.body.part);
    }
    // The whole-file hash followed the in-order parts across instances: it is complete without any commit asking.
    const hashed = await hashedBytesWithin(db.url, session.id, data.length, 5_000);
    assert.equal(hashed, data.length, 'the hashed prefix reached the end of the file before the commit');
    const commitPath = new URL(session.session_endpoints.commit).pathname;
    const answers = await Promise.all(servers.map((s) => new Api(s.origin, token).post(commitPath, { parts }, { headers: { Digest: shaDigest(data) } })));
    for (const res of answers) assertStatus(res, 201);
    const ids = new Set(answers.map((r) => r.body.entries[0].id));
    assert.equal(ids.size, 1, 'every commit answer names the same file');
    const listing = await api.get('/2.0/folders/0/items?limit=1000');
    assert.equal(listing.body.entries.filter((e: { name: string }) => e.name === name).length, 1);
    const down = await api.download([...ids][0]);
    assert.equal(sha1Hex(down.raw), sha1Hex(data));
  });
  test('text PostgreSQL cannot store (NUL) is refused with 400, at commit and in a simple upload', async () => {
    const data = randomBytesSeeded(3 * PART, 44);
    const { session, parts } = await api.uploadParts(uniqueName('nul'), data);
    const refused = await api.commit(session.session_endpoints.commit, parts, data, { attributes: { description: 'a\u0000b' } });
    assertError(refused, 400, 'bad_request');
    const committed = await api.commit(session.session_endpoints.commit, parts, data, { attributes: { description: 'ab' } });
    assertStatus(committed, 201);
    const simple = await api.simpleUpload({ name: uniqueName('nul-simple'), parent: { id: '0' }, description: 'x\u0000' }, 'hello');
    assertError(simple, 400, 'bad_request');
  });
});

describe('cluster: the janitor runs once across instances', () => {
  test('expired sessions are each released by exactly one instance', async () => {
    const [db, s3] = await Promise.all([createThrowawayDatabase(), startS3()]);
    const args = ['--database', db.url, '--blob', s3.blobUrl, '--session-ttl', '2', '--janitor-interval', '1'];
    const servers: TestServer[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await startServer({ args, env: s3.env }));
      const api = new Api(servers[0]!.origin, await servers[0]!.token('janitor'));
      const sessions = [];
      for (let i = 0; i < 6; i++) {
        const res = await api.createSession({ folder_id: '0', file_size: 20 * MiB, file_name: uniqueName('expire') });
        assertStatus(res, 201);
        sessions.push(res.body);
      }
      const released = (): number =>
        servers.reduce((sum, s) => sum + [...s.output().matchAll(/"released":(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0), 0);
      const deadline = Date.now() + 15_000;
      while (released() < sessions.length && Date.now() < deadline) await sleep(250);
      await sleep(2500); // more janitor passes on both instances: none may release a session again
      assert.equal(released(), sessions.length, servers.map((s) => s.output()).join('\n---\n'));
      for (const s of sessions) assertError(await api.get(s.session_endpoints.status), 410, 'session_expired');
    } finally {
      await Promise.all(servers.map((s) => s.dispose()));
      await s3.stop();
      await db.drop();
    }
  });
});

/** Polls the session's hashed prefix in the database until it reaches `size` or time runs out; returns the last value. */
async function hashedBytesWithin(url: string, sessionId: string, size: number, ms: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + ms;
    for (;;) {
      const { rows } = await client.query('select hashed_bytes from sessions where id = $1', [sessionId]);
      const hashed = Number(rows[0]?.hashed_bytes ?? 0);
      if (hashed === size || Date.now() > deadline) return hashed;
      await sleep(50);
    }
  } finally {
    await client.end();
  }
}

describe('S3 with presign=SECONDS: downloads redirect to the object store', () => {
  test('GET content → 302 to a presigned URL that serves the bytes, ranges included, without the token', async () => {
    const [db, s3] = await Promise.all([createThrowawayDatabase(), startS3()]);
    const server = await startServer({ args: ['--database', db.url, '--blob', `${s3.blobUrl}&presign=60`], env: s3.env });
    try {
      const api = new Api(server.origin, await server.token('presign'));
      const data = randomBytesSeeded(3 * PART + 99, 43);
      const { file } = await api.chunkedUpload(uniqueName('presigned'), data);
      const first = await api.get(`/2.0/files/${file.id}/content`);
      assertStatus(first, 302);
      const location = first.headers.get('location')!;
      assert.ok(location.startsWith(s3.endpoint), `${location} points at the object store`);
      assert.match(location, /X-Amz-Signature=/);
      const whole = await fetch(location);
      assert.equal(whole.status, 200);
      assert.equal(sha1Hex(Buffer.from(await whole.arrayBuffer())), sha1Hex(data));
      const ranged = await fetch(location, { headers: { Range: `bytes=${PART - 5}-${PART + 4}` } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), data.subarray(PART - 5, PART + 5));
    } finally {
      await server.dispose();
      await s3.stop();
      await db.drop();
    }
  });
});
