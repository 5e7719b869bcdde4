/**
 * kill -9 harness for uploads. Every iteration launches the server on the same data directory with one way to die:
 * a deterministic crash point (TRANCHE_CRASH_POINT=name:N, N random) or a kill -9 at a random moment. While it
 * runs, @tranche/client resumes the unfinished uploads and starts new ones, and a decoy session is created and
 * aborted. When the server dies the clients are cut off; the next launch first checks that nothing acknowledged
 * was lost (see CrashUploadJob.verify), then the work goes on. A last clean launch lets every upload finish and
 * checks every file byte for byte, and that its janitor removed every upload blob left without a session.
 *
 * TRANCHE_CRASH_ITERATIONS (default 50) sets the kill iterations of the harness: four fifths here (40), one fifth in
 * crash-janitor.test.ts; TRANCHE_CRASH_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CrashUploadJob } from './helpers/crash-upload-job.js';
import { Api, randomBytesSeeded, sleep } from './helpers/http.js';
import { SeededRandom, seedFrom } from './helpers/seeded-random.js';
import { ServerProcess } from './helpers/server-process.js';

const ITERATIONS = Math.ceil((Number(process.env.TRANCHE_CRASH_ITERATIONS ?? 50) * 4) / 5);
/** Just over the fs store's 1 MiB write batch, so a crash mid-body can leave some of a part's bytes on disk. */
const PART = 1024 * 1024 + 64 * 1024;
const MAX_UNFINISHED = 4;
/**
 * The last launch's --orphan-age: short, so its janitor removes the upload blobs left without a session within the
 * test, yet well above the time a session takes from its blob to its record (the blob's fsync included).
 */
const FINAL_ORPHAN_AGE_S = 3;

/** The points this harness drives, with the largest hit count one launch's work reaches with fair certainty. */
const POINTS = [
  { point: 'part-body-chunk', maxHit: 40 },
  { point: 'part-written', maxHit: 6 },
  { point: 'part-recorded', maxHit: 6 },
  { point: 'hash-folded', maxHit: 3 },
  { point: 'commit-before-transaction', maxHit: 2 },
  { point: 'commit-after-transaction', maxHit: 2 },
  { point: 'session-blob-created', maxHit: 1 },
  { point: 'session-blob-released', maxHit: 1 },
] as const;
/** Plans per cycle: every point once, then random kills. */
const RANDOM_KILLS_PER_CYCLE = 2;

type Plan = { kind: 'point'; spec: string } | { kind: 'random'; delayMs: number };

interface Decoy {
  id: string;
  deleteAcked: boolean;
  /** Checked aborted, with its bytes released: nothing left to check. */
  settled: boolean;
}

let server: ServerProcess;
let work: string;
let token: string;
const random = new SeededRandom(seedFrom('TRANCHE_CRASH_SEED'));

before(async () => {
  server = await ServerProcess.create(['--min-chunked-size', '1', '--part-size', String(PART), '--janitor-interval', '1', '--log-level', 'warn']);
  work = await mkdtemp(path.join(tmpdir(), 'tranche-crash-files-'));
  token = await server.token('crash-user');
});
after(async () => {
  await server?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

test(`kill -9 over ${ITERATIONS} launches: nothing acknowledged is lost and every upload finishes`, { timeout: 30 * 60_000 }, async (t) => {
  t.diagnostic(`seed ${random.seed} (replay with TRANCHE_CRASH_SEED=${random.seed})`);
  const started = Date.now();
  const jobs: CrashUploadJob[] = [];
  const decoys: Decoy[] = [];
  const crashes = new Map<string, number>();
  let randomKills = 0;
  let idleKills = 0;
  let diedWhileChecking = 0;
  let workloadMs = 400;

  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const plan = planFor(iteration);
    await server.launch(plan.kind === 'point' ? { TRANCHE_CRASH_POINT: plan.spec } : {});
    const api = new Api(server.origin, token);
    if (!(await survives(() => checkAll(api, jobs, decoys)))) {
      diedWhileChecking++;
      countCrash(crashes, (await server.exited()).crashPoint);
      continue;
    }

    // New files while few are unfinished, so the work of one launch stays about the same size.
    for (let i = 0; i < 2 && jobs.filter((j) => !j.done).length < MAX_UNFINISHED; i++) jobs.push(await newJob(jobs.length));
    const controller = new AbortController();
    setMaxListeners(100, controller.signal);
    const runs = [
      ...jobs.filter((job) => !job.done).map((job) => job.run({ origin: server.origin, token, stateDir: path.join(work, 'state'), signal: controller.signal })),
      decoy(api.origin, controller.signal, decoys),
    ];
    const workStarted = Date.now();
    const killer = plan.kind === 'random' ? setTimeout(() => void server.kill(), plan.delayMs) : undefined;
    const outcome = await Promise.race([server.exited().then(() => 'died' as const), settleAll(runs).then(() => 'finished' as const)]);
    clearTimeout(killer);
    if (outcome === 'finished') workloadMs = (workloadMs + (Date.now() - workStarted)) / 2;
    const exit = await server.kill();
    controller.abort();
    await settleAll(runs).then((errors) => assert.deepEqual(errors, [], 'clients fail only because the server died'));

    if (exit.crashPoint) countCrash(crashes, exit.crashPoint);
    else if (outcome === 'died') randomKills++;
    else idleKills++;
  }

  // A clean launch: every check once more, then every upload to the end; its janitor removes the upload blobs
  // without a session, and then every file is checked byte for byte.
  const blobsBefore = await server.uploadBlobIds();
  await server.launch({ TRANCHE_ORPHAN_AGE: String(FINAL_ORPHAN_AGE_S) });
  const api = new Api(server.origin, token);
  const decoyIds = new Set(decoys.map((decoy) => decoy.id));
  const orphansBefore = await withoutSession(api, blobsBefore.filter((id) => !decoyIds.has(id)));
  await checkAll(api, jobs, decoys);
  for (const job of jobs.filter((j) => !j.done)) await job.run({ origin: server.origin, token, stateDir: path.join(work, 'state') });
  const orphansLeft = await orphansAfterSweep(api, FINAL_ORPHAN_AGE_S * 1000 + 10_000);
  for (const job of jobs) await job.verifyFinished(api);
  await server.terminate();

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const resumed = jobs.reduce((n, job) => n + job.resumedRuns, 0);
  const parts = jobs.reduce((n, job) => n + job.acked.size, 0);
  t.diagnostic(`${ITERATIONS} launches in ${seconds} s: crash points ${JSON.stringify(Object.fromEntries(crashes))}, random kills mid-work ${randomKills}, kills after the work was done ${idleKills}, died during the checks ${diedWhileChecking}`);
  t.diagnostic(`${jobs.length} files uploaded (${parts} parts), ${resumed} resumed runs, ${decoys.length} aborted decoy sessions`);
  // Not a loss: a crash between creating a session's upload blob and recording the session leaves the blob with no
  // session (docs/RELIABILITY.md); the janitor removes such blobs once they are older than the orphan age.
  t.diagnostic(
    `upload blobs without a session after the kill launches: ${orphansBefore.length} (${crashes.get('session-blob-created') ?? 0} crashes at session-blob-created); ` +
      `after the last launch's janitor (orphan age ${FINAL_ORPHAN_AGE_S} s): ${orphansLeft.length}`,
  );
  assert.deepEqual(orphansLeft, [], 'the janitor removed every upload blob without a session');
  if (ITERATIONS >= 2 * (POINTS.length + RANDOM_KILLS_PER_CYCLE)) {
    for (const { point } of POINTS) assert.ok((crashes.get(point) ?? 0) > 0, `crash point ${point} was reached at least once`);
  } else {
    t.diagnostic(`${ITERATIONS} launches are too few to require every crash point: not checked`);
  }

  function planFor(iteration: number): Plan {
    const slot = iteration % (POINTS.length + RANDOM_KILLS_PER_CYCLE);
    const entry = POINTS[slot];
    if (entry) return { kind: 'point', spec: `${entry.point}:${random.int(1, entry.maxHit)}` };
    return { kind: 'random', delayMs: random.int(0, Math.round(workloadMs)) };
  }

  async function newJob(index: number): Promise<CrashUploadJob> {
    const parts = random.int(1, 3);
    const size = random.next() < 0.2 ? parts * PART : (parts - 1) * PART + random.int(1, PART - 1);
    return CrashUploadJob.create(work, `crash-${random.seed}-${index}.bin`, randomBytesSeeded(size, random.int(1, 2 ** 30)));
  }
});


/** The ids whose session the server does not know (it answers 404; so would an aborted one). */
async function withoutSession(api: Api, ids: string[]): Promise<string[]> {
  const unknown: string[] = [];
  for (const id of ids) {
    if ((await api.get(`/api/2.0/files/upload_sessions/${id}`)).status === 404) unknown.push(id);
  }
  return unknown;
}

/** Upload blobs on disk without a session, once none are left or after `timeoutMs`. */
async function orphansAfterSweep(api: Api, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const orphans = await withoutSession(api, await server.uploadBlobIds());
    if (orphans.length === 0 || Date.now() > deadline) return orphans;
    await sleep(250);
  }
}

/**
 * Checks every job and decoy the last launch touched against the server that was just launched. A finished job
 * is checked once more after finishing, then left alone (the final launch checks all of them again).
 */
async function checkAll(api: Api, jobs: CrashUploadJob[], decoys: Decoy[]): Promise<void> {
  for (const job of jobs.filter((j) => !settledJobs.has(j))) {
    if (job.done) {
      await job.verifyFinished(api);
      settledJobs.add(job);
    } else {
      await job.verify(api);
    }
  }
  for (const decoy of decoys.filter((d) => !d.settled)) await checkDecoy(api, decoy);
}

const settledJobs = new WeakSet<CrashUploadJob>();

/**
 * An aborted session stays aborted (404) and loses its bytes; one whose abort was not answered is either, and
 * aborting it again works.
 */
async function checkDecoy(api: Api, decoy: Decoy): Promise<void> {
  const url = `/api/2.0/files/upload_sessions/${decoy.id}`;
  let status = await api.get(url);
  if (decoy.deleteAcked) assert.equal(status.status, 404, `decoy ${decoy.id}: an acknowledged abort stays: ${status.text}`);
  if (status.status === 200) {
    assert.equal((await api.delete(url)).status, 204, `decoy ${decoy.id}: abort`);
    decoy.deleteAcked = true;
    status = await api.get(url);
  }
  assert.equal(status.status, 404, `decoy ${decoy.id}: aborted: ${status.text}`);
  decoy.deleteAcked = true;
  const blob = server.uploadBlobPath(decoy.id);
  for (let waited = 0; existsSync(blob) && waited < 5_000; waited += 100) await sleep(100);
  assert.ok(!existsSync(blob), `decoy ${decoy.id}: the aborted session's bytes are released (by the abort or the janitor)`);
  decoy.settled = true;
}

/** A session with one stored part, then aborted; tracked so the next launch can check it. */
async function decoy(origin: string, signal: AbortSignal, decoys: Decoy[]): Promise<void> {
  const api = new Api(origin, token);
  const data = randomBytesSeeded(PART + 1, decoys.length + 1);
  try {
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: `decoy-${random.seed}-${decoys.length}.bin` });
    if (created.status !== 201) throw new Error(`decoy session: ${created.status} ${created.text}`);
    const tracked: Decoy = { id: created.body.id, deleteAcked: false, settled: false };
    decoys.push(tracked);
    const put = await api.putPart(created.body.session_endpoints.upload_part, data, 0, PART);
    if (put.status !== 200) throw new Error(`decoy part: ${put.status} ${put.text}`);
    const deleted = await api.delete(created.body.session_endpoints.abort);
    if (deleted.status !== 204) throw new Error(`decoy abort: ${deleted.status} ${deleted.text}`);
    tracked.deleteAcked = true;
  } catch (error) {
    if (signal.aborted || (await server.died())) return;
    throw error;
  }
}

/** Runs `check`; false when the server died under it (the next launch checks again), rethrows a real failure. */
async function survives(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (error) {
    if (await server.died()) return false;
    throw error;
  }
}

/** Waits for every promise; returns the errors of those that rejected. */
async function settleAll(runs: Promise<unknown>[]): Promise<unknown[]> {
  const results = await Promise.allSettled(runs);
  return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
}

function countCrash(crashes: Map<string, number>, crashPoint: string | undefined): void {
  if (!crashPoint) return;
  const name = crashPoint.replace(/ hit \d+$/, '');
  crashes.set(name, (crashes.get(name) ?? 0) + 1);
}
