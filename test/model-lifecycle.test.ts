/**
 * Model-based test of the file lifecycle (fast-check commands, helpers/model/lifecycle-model.ts): random sequences
 * of simple and chunked uploads, new versions, copies, moves, deletes, restores, purges and promotions by two users,
 * against the real server over HTTP, with the invariants "space_used equals the bytes the versions hold" and "no
 * blob is freed while a version names it, and none is kept once none does" checked after every command.
 *
 * TRANCHE_MODEL_RUNS (default 10) sets the number of sequences; TRANCHE_MODEL_SEED replays one.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { after, before, describe, test } from 'node:test';
import { lifecycleCommands, newLifeModel, type LifeReal } from './helpers/model/lifecycle-model.js';
import { Api, assertStatus } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const RUNS = Number(process.env.TRANCHE_MODEL_RUNS ?? 10);
const SEED = process.env.TRANCHE_MODEL_SEED === undefined ? undefined : Number(process.env.TRANCHE_MODEL_SEED);

describe('file lifecycle against a model', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1', '--part-size', '1000', '--rate-limit', '0', '--log-level', 'warn'] });
  });
  after(() => server?.dispose());

  test(`${RUNS} random command sequences for two users agree with the model`, { timeout: 10 * 60_000 }, async (t) => {
    let run = 0;
    const started = Date.now();
    const details = await fc.check(
      fc.asyncProperty(lifecycleCommands(), async (commands) => {
        // Fresh users for every sequence, so space_used starts at 0; blobs on disk are counted from here.
        run++;
        const api = { A: new Api(server.origin, await server.token(`life-a-${run}`)), B: new Api(server.origin, await server.token(`life-b-${run}`)) };
        const folders = { A: '', B: '' };
        for (const owner of ['A', 'B'] as const) {
          const res = await api[owner].post('/2.0/folders', { name: 'folder', parent: { id: '0' } });
          assertStatus(res, 201);
          folders[owner] = res.body.id;
        }
        let baseline = 0;
        for (const folder of ['objects', 'uploads']) baseline += (await readdir(path.join(server.dataDir, 'blobs', folder)).catch(() => [])).length;
        const real: LifeReal = { api, folders, dataDir: server.dataDir, baseline };
        await fc.asyncModelRun(() => ({ model: newLifeModel(), real }), commands);
        // Leave nothing behind for the next sequence's blob count: purge everything.
        for (const owner of ['A', 'B'] as const) {
          const trash = await api[owner].get('/2.0/folders/trash/items?limit=1000');
          for (const entry of trash.body.entries) assertStatus(await api[owner].delete(`/2.0/${entry.type}s/${entry.id}/trash`), 204);
          for (const root of ['0', folders[owner]]) {
            const items = await api[owner].get(`/2.0/folders/${root}/items?limit=1000`);
            for (const entry of items.body.entries.filter((e: any) => e.type === 'file')) {
              assertStatus(await api[owner].delete(`/2.0/files/${entry.id}`), 204);
              assertStatus(await api[owner].delete(`/2.0/files/${entry.id}/trash`), 204);
            }
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 6 * 60_000 },
    );
    t.diagnostic(`seed ${details.seed}: ${details.numRuns} sequences in ${((Date.now() - started) / 1000).toFixed(1)} s (shrinking included)`);
    if (details.failed) assert.fail(`${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}`);
    assert.ok(!details.interrupted, 'the runs finished within the time limit');
  });
});
