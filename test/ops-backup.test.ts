/**
 * `tranche backup DIR` while the server runs and `tranche restore DIR` into a new data directory (issue 15): the
 * restored server serves every committed file byte for byte, fsck finds nothing wrong, and the commands refuse what
 * they must (a non-empty target, an existing database without --force, the PostgreSQL + S3 stores).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI_BIN, startServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, sha1Hex, uniqueName } from './helpers/http.js';

const execFileP = promisify(execFile);

async function tranche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI_BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('backup and restore of the embedded stores', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-backup-'));
  after(() => rm(dir, { recursive: true, force: true }));

  test('an online backup restores to a server that serves every file byte for byte', async () => {
    const server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024'] });
    const files: Array<{ id: string; data: Buffer }> = [];
    try {
      const api = new Api(server.origin, await server.token('ivy'));
      for (const [size, seed] of [[5000, 1], [300, 2]] as const) {
        const data = randomBytesSeeded(size, seed);
        const id = size >= 1000 ? (await api.chunkedUpload(uniqueName('kept'), data)).file.id : (await api.simpleUpload({ name: uniqueName('small'), parent: { id: '0' } }, data)).body.entries[0].id;
        files.push({ id, data });
      }
      // An upload in progress while the backup runs.
      const open = await api.createSession({ folder_id: '0', file_size: 4096, file_name: uniqueName('open') });
      assertStatus(open, 201);
      assertStatus(await api.putPart(open.body.session_endpoints.upload_part, randomBytesSeeded(4096, 3), 0, 1024), 200);

      const backupDir = path.join(dir, 'b1');
      const made = await tranche('backup', backupDir, '--data-dir', server.dataDir, '--json');
      assert.equal(made.code, 0, made.stderr);
      const summary = JSON.parse(made.stdout);
      assert.equal(summary.versions, 2);
      assert.ok(summary.migrations.includes('005_operations'));
      assert.equal((await tranche('backup', backupDir, '--data-dir', server.dataDir)).code, 1, 'a non-empty directory is refused');
      assert.equal((await tranche('backup', path.join(dir, 'pg'), '--database', 'postgres://x@127.0.0.1/x')).code, 1, 'PostgreSQL is refused');

      const target = path.join(dir, 'restored');
      const restored = await tranche('restore-backup', backupDir, '--data-dir', target);
      assert.equal(restored.code, 0, restored.stderr);
      assert.equal((await tranche('restore-backup', backupDir, '--data-dir', target)).code, 1, 'an existing database needs --force');
      assert.equal((await tranche('restore-backup', backupDir, '--data-dir', target, '--force')).code, 0);
      const fsck = await tranche('fsck', '--data-dir', target, '--json');
      assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
      assert.equal(JSON.parse(fsck.stdout).checked, 2);

      const copy = await startServer({ dataDir: target });
      try {
        const reader = new Api(copy.origin, await copy.token('ivy'));
        for (const file of files) {
          const res = await reader.download(file.id);
          assertStatus(res, 200);
          assert.equal(sha1Hex(res.raw), sha1Hex(file.data));
        }
        // The session open at backup time is there, with its part.
        const parts = await reader.get(`/api/2.0/files/upload_sessions/${open.body.id}/parts`);
        assertStatus(parts, 200);
        assert.equal(parts.body.total_count, 1);
      } finally {
        await copy.dispose();
      }
    } finally {
      await server.dispose();
    }
  });

  test('restore refuses a directory that is no backup', async () => {
    const notBackup = path.join(dir, 'junk');
    await mkdir(notBackup, { recursive: true });
    await writeFile(path.join(notBackup, 'tranche.db'), 'x');
    const run = await tranche('restore-backup', notBackup, '--data-dir', path.join(dir, 'nowhere'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not a backup/);
  });
});
