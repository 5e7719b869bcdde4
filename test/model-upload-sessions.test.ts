/**
 * Model-based tests (fast-check commands): random sequences of session creation, part uploads (valid, overlapping,
 * corrupt, truncated, dropped, misplaced), listings, status, commits (right, wrong digest, missing parts), aborts,
 * downloads and waits past the sessions' lifetime, by two users, against the real server over HTTP. Every answer
 * is checked against a simple model (helpers/model); none may be a 5xx; user B poking user A's sessions gets
 * exactly what a session that does not exist gets.
 *
 * TRANCHE_MODEL_RUNS (default 50) sets the number of sequences; TRANCHE_MODEL_SEED replays one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { after, before, describe, test } from 'node:test';
import { commandsRun, MODEL_PART_SIZE, MODEL_TTL_S, uploadCommands } from './helpers/model/upload-commands.js';
import { newModel, type Real } from './helpers/model/upload-model.js';
import { Api, assertError, assertStatus, uniqueName } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const RUNS = Number(process.env.TRANCHE_MODEL_RUNS ?? 50);
const SEED = process.env.TRANCHE_MODEL_SEED === undefined ? undefined : Number(process.env.TRANCHE_MODEL_SEED);

describe('upload sessions against a model', () => {
  let server: TestServer;
  let real: Real;

  before(async () => {
    server = await startServer({
      args: ['--min-chunked-size', '1', '--part-size', String(MODEL_PART_SIZE), '--session-ttl', String(MODEL_TTL_S), '--janitor-interval', '1', '--log-level', 'warn'],
    });
    const api = { A: new Api(server.origin, await server.token('model-a')), B: new Api(server.origin, await server.token('model-b')) };
    const probe = await api.B.get(`/api/2.0/files/upload_sessions/${randomBytes(16).toString('hex').toUpperCase()}`);
    real = { api, unknownSession: { status: probe.status, code: probe.body?.code } };
  });
  after(() => server?.dispose());

  test('a session that does not exist is 404 not_found (what another user\'s session must look like)', () => {
    assert.deepEqual(real.unknownSession, { status: 404, code: 'not_found' });
  });

  // Found by the model (shrunk to: create(B, 1 byte), status(A, that session)): another user's session answered
  // 403 forbidden while an unknown one answers 404, so any user could tell which session ids exist.
  test('regression: another user\'s session, in any state, is 404 not_found on every endpoint and stays untouched', async () => {
    // A server of its own with the default lifetime: the model's 2 s sessions can expire mid-test on a loaded machine.
    const own = await startServer({ args: ['--min-chunked-size', '1', '--part-size', String(MODEL_PART_SIZE), '--log-level', 'warn'] });
    try {
      await anotherUsersSessionIsNotFound({ A: new Api(own.origin, await own.token('model-a')), B: new Api(own.origin, await own.token('model-b')) });
    } finally {
      await own.dispose();
    }
  });

  async function anotherUsersSessionIsNotFound({ A, B }: Real['api']): Promise<void> {
    const data = Buffer.alloc(2 * MODEL_PART_SIZE + 1, 3);
    const open = await A.uploadParts(uniqueName('mine-open'), data.subarray(0, MODEL_PART_SIZE + 1));
    const committed = await A.chunkedUpload(uniqueName('mine-committed'), data);
    const aborted = await A.uploadParts(uniqueName('mine-aborted'), data);
    assertStatus(await A.delete(aborted.session.session_endpoints.abort), 204);
    for (const { session } of [open, committed, aborted]) {
      const endpoints = session.session_endpoints;
      const attempts = [
        await B.get(endpoints.status),
        await B.get(endpoints.list_parts),
        await B.putPart(endpoints.upload_part, data.subarray(0, session.total_parts * MODEL_PART_SIZE), 0, MODEL_PART_SIZE),
        await B.commit(endpoints.commit, [], data),
        await B.delete(endpoints.abort),
        await B.post(`/api/2.0/files/upload_sessions/${session.id}/log`, { event_type: 'x' }),
      ];
      for (const res of attempts) assertError(res, 404, 'not_found');
    }
    const status = await A.get(open.session.session_endpoints.status);
    assertStatus(status, 200);
    assert.equal(status.body.num_parts_processed, 2, "B's requests changed nothing");
    assertStatus(await A.get(committed.session.session_endpoints.status), 200);
  }

  test(`${RUNS} random command sequences for two users agree with the model`, { timeout: 10 * 60_000 }, async (t) => {
    const started = Date.now();
    const details = await fc.check(
      fc.asyncProperty(uploadCommands(), async (commands) => {
        await fc.asyncModelRun(() => ({ model: newModel(), real }), commands);
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 5 * 60_000 },
    );
    const total = [...commandsRun.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`seed ${details.seed}: ${details.numRuns} sequences, ${total} commands in ${((Date.now() - started) / 1000).toFixed(1)} s (shrinking included)`);
    t.diagnostic(`commands: ${JSON.stringify(Object.fromEntries([...commandsRun].sort()))}`);
    if (details.failed) assert.fail(`${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`);
    assert.ok(!details.interrupted, 'the runs finished within the time limit');
  });
});
