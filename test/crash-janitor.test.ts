/**
 * kill -9 during the janitor. Sessions live two seconds and the janitor runs every second. Every launch creates a
 * batch of sessions with a stored part each, aborts some, commits one file, and lets the rest expire; the janitor
 * then releases them and the server dies mid-batch: at the crash point between deleting a session's bytes and
 * marking it purged (the N-th release), or at a random moment of the sweep. The next launch checks that expired
 * sessions answer 410 on every endpoint and aborted ones 404 (never a 5xx, even for a session whose bytes are gone
 * but whose record is not marked), that the janitor finishes the interrupted work, and that no committed file ever
 * loses its bytes, although its session's lifetime has passed too.
 *
 * Launches: one fifth of TRANCHE_CRASH_ITERATIONS (default 50, so 10; crash-uploads.test.ts runs the rest);
 * TRANCHE_CRASH_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, sleep } from './helpers/http.js';
import { SeededRandom, seedFrom } from './helpers/seeded-random.js';
import { ServerProcess } from './helpers/server-process.js';

const ITERATIONS = Math.ceil(Number(process.env.TRANCHE_CRASH_ITERATIONS ?? 50) / 5);
const PART = 1024;
const BATCH = 12;
const ABORTED_PER_BATCH = 3;
const TTL_MS = 2_000;

interface TrackedSession {
  id: string;
  data: Buffer;
  /** What the session was left to; an expired one aborted later counts as aborted. */
  fate: 'expire' | 'abort';
  endpoints: Record<string, string>;
}

interface CommittedFile {
  id: string;
  data: Buffer;
}

let server: ServerProcess;
let token: string;
const random = new SeededRandom(seedFrom('TRANCHE_CRASH_SEED'));

before(async () => {
  server = await ServerProcess.create(['--min-chunked-size', '1', '--part-size', String(PART), '--session-ttl', String(TTL_MS / 1000), '--janitor-interval', '1', '--log-level', 'warn']);
  token = await server.token('janitor-crash');
});
after(() => server?.dispose());

test(`kill -9 during the janitor over ${ITERATIONS} launches: expired and aborted sessions end released, committed files keep their bytes`, { timeout: 10 * 60_000 }, async (t) => {
  t.diagnostic(`seed ${random.seed} (replay with TRANCHE_CRASH_SEED=${random.seed})`);
  const started = Date.now();
  let pending: TrackedSession[] = [];
  const files: CommittedFile[] = [];
  const outcomes = { crashPoint: 0, randomKill: 0, survived: 0 };

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    // Even launches crash at the N-th release: past the batch's aborts, so in the janitor (its first sweep after the
    // launch, or the one that finds the batch expired), and at most BATCH, so reached even when the previous launch
    // left nothing to release (the checks' abort is of a released session and releases nothing). Odd ones die at random.
    const byPoint = iteration % 2 === 0;
    const hit = random.int(ABORTED_PER_BATCH + 2, BATCH);
    const env: Record<string, string> = byPoint ? { TRANCHE_CRASH_POINT: `session-blob-released:${hit}` } : {};
    await server.launch(env);
    const api = new Api(server.origin, token);
    try {
      await checkReleased(api, pending);
      await checkFiles(api, files);
      pending = await createBatch(api, files, iteration);
    } catch (error) {
      if (!(await server.died())) throw error;
      if ((await server.exited()).crashPoint) outcomes.crashPoint++;
      continue;
    }
    const killer = byPoint ? undefined : setTimeout(() => void server.kill(), random.int(TTL_MS - 700, TTL_MS + 1_500));
    const died = await Promise.race([server.exited().then(() => true), sleep(TTL_MS + 3_000).then(() => false)]);
    clearTimeout(killer);
    const exit = await server.kill();
    if (exit.crashPoint) outcomes.crashPoint++;
    else if (died) outcomes.randomKill++;
    else {
      outcomes.survived++;
      if (byPoint) t.diagnostic(`launch ${iteration} armed at release ${hit} was not killed`);
    }
  }

  await server.launch();
  const api = new Api(server.origin, token);
  await checkReleased(api, pending);
  await checkFiles(api, files);
  await server.terminate();
  t.diagnostic(
    `${ITERATIONS} launches in ${((Date.now() - started) / 1000).toFixed(1)} s, ${ITERATIONS * BATCH} sessions released by abort or janitor, ${files.length} committed files kept: ` +
      `died at the crash point ${outcomes.crashPoint}, killed at random ${outcomes.randomKill}, not killed before the janitor was done ${outcomes.survived}`,
  );
  assert.equal(outcomes.crashPoint, Math.ceil(ITERATIONS / 2), 'the crash point was reached in every launch that armed it');
});

/** A committed file, then a batch of sessions with one stored part each: some aborted, the rest left to expire. */
async function createBatch(api: Api, files: CommittedFile[], iteration: number): Promise<TrackedSession[]> {
  const kept = randomBytesSeeded(2 * PART + 7, random.int(1, 2 ** 30));
  const { file } = await api.chunkedUpload(`janitor-kept-${random.seed}-${iteration}.bin`, kept);
  files.push({ id: file.id, data: kept });
  const batch: TrackedSession[] = [];
  for (let i = 0; i < BATCH; i++) {
    const data = randomBytesSeeded(PART + random.int(1, PART), random.int(1, 2 ** 30));
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: `janitor-${random.seed}-${iteration}-${i}.bin` });
    assertStatus(created, 201);
    const session: TrackedSession = { id: created.body.id, data, fate: i < ABORTED_PER_BATCH ? 'abort' : 'expire', endpoints: created.body.session_endpoints };
    assertStatus(await api.putPart(session.endpoints.upload_part!, data, 0, PART), 200);
    batch.push(session);
  }
  for (const session of batch.filter((s) => s.fate === 'abort')) assertStatus(await api.delete(session.endpoints.abort!), 204);
  return batch;
}

/**
 * Expired: 410 on every endpoint; aborted: 404; both released by the janitor soon after the restart. Then one
 * expired session is aborted (204, and 404 from then on).
 */
async function checkReleased(api: Api, sessions: TrackedSession[]): Promise<void> {
  for (const [index, session] of sessions.entries()) {
    const { status, list_parts, upload_part, commit } = session.endpoints as Record<string, string>;
    const expected: [number, string] = session.fate === 'abort' ? [404, 'not_found'] : [410, 'session_expired'];
    assertError(await api.get(status!), ...expected);
    // Every endpoint for a few sessions of each fate (the first are aborted, the last expired).
    if (index > 1 && index < sessions.length - 2) continue;
    assertError(await api.get(list_parts!), ...expected);
    assertError(await api.putPart(upload_part!, session.data, PART, session.data.length - PART), ...expected);
    assertError(await api.commit(commit!, [], session.data), ...expected);
  }
  const blobs = sessions.map((s) => server.uploadBlobPath(s.id));
  for (let waited = 0; blobs.some(existsSync) && waited < 5_000; waited += 100) await sleep(100);
  const left = sessions.filter((_, i) => existsSync(blobs[i]!)).map((s) => `${s.id} (${s.fate})`);
  assert.deepEqual(left, [], 'the janitor released every expired and aborted session after the restart');
  const expired = sessions.find((s) => s.fate === 'expire');
  if (expired) {
    assertStatus(await api.delete(expired.endpoints.abort!), 204);
    expired.fate = 'abort';
    assertError(await api.get(expired.endpoints.status!), 404, 'not_found');
  }
}

async function checkFiles(api: Api, files: CommittedFile[]): Promise<void> {
  for (const file of files) {
    const info = await api.get(`/2.0/files/${file.id}`);
    assertStatus(info, 200);
    assert.equal(info.body.sha1, sha1Hex(file.data));
    const content = await api.download(file.id);
    assertStatus(content, 200);
    assert.ok(content.raw.equals(file.data), `file ${file.id} keeps its bytes after its session's lifetime and the janitor`);
  }
}
