/**
 * scripts/rgw.sh, the single-node Ceph RADOS Gateway the S3 tests run on, in a state directory of its own: a
 * second start keeps a healthy cluster, a start after a daemon was killed starts afresh from whatever was left, and
 * stop leaves no process and no directory behind. Skipped where Ceph is not installed (tests against another S3).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from './helpers/server.js';

const execFileP = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts/rgw.sh');

const cephInstalled = ['radosgw', 'ceph-mon', 'ceph-osd'].every((tool) => ['/usr/bin', '/usr/local/bin'].some((dir) => existsSync(path.join(dir, tool))));

async function rgw(dir: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP('bash', [SCRIPT, command], { env: { ...process.env, TRANCHE_RGW_DIR: dir }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Pids of live processes whose command line names the directory's ceph.conf. */
async function processesOf(dir: string): Promise<number[]> {
  const conf = path.join(dir, 'ceph.conf');
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.split('\0').includes(conf)) pids.push(Number(name));
  }
  return pids;
}

async function pidOf(dir: string, daemon: string): Promise<number> {
  return Number((await readFile(path.join(dir, 'run', `${daemon}.pid`), 'utf8')).trim());
}

test('rgw.sh: start, start again, recover from a killed daemon, stop leaves nothing', { timeout: 240_000, skip: cephInstalled ? false : 'Ceph is not installed' }, async () => {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'tranche-rgw-test-')), 'rgw');
  try {
    const first = await rgw(dir, 'start');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), path.join(dir, 'env'));
    const env = await readFile(path.join(dir, 'env'), 'utf8');
    assert.match(env, /^TRANCHE_TEST_S3_ENDPOINT=http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(env, /^TRANCHE_TEST_S3_ACCESS_KEY=\S+$/m);
    assert.equal((await processesOf(dir)).length, 3, 'a monitor, an OSD, a gateway');
    assert.equal((await rgw(dir, 'status')).code, 0);
    const exported = await rgw(dir, 'env');
    assert.match(exported.stdout, /^export TRANCHE_TEST_S3_SECRET_KEY=\S+$/m);

    // Healthy: a second start keeps it as it is.
    const gateway = await pidOf(dir, 'client.rgw');
    const again = await rgw(dir, 'start');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already running/);
    assert.equal(await pidOf(dir, 'client.rgw'), gateway);
    assert.equal(await readFile(path.join(dir, 'env'), 'utf8'), env);

    // A killed gateway: the next start clears what is left and starts afresh (new credentials, new processes).
    const before = await processesOf(dir);
    process.kill(gateway, 'SIGKILL');
    const recovered = await rgw(dir, 'start');
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.match(recovered.stderr, /started in \d+ ms/);
    const after = await processesOf(dir);
    assert.equal(after.length, 3);
    assert.deepEqual(after.filter((pid) => before.includes(pid)), [], 'none of the old processes is left');
    assert.notEqual(await readFile(path.join(dir, 'env'), 'utf8'), env);
    assert.equal((await rgw(dir, 'status')).code, 0);

    const stopped = await rgw(dir, 'stop');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(await processesOf(dir), []);
    assert.equal(existsSync(dir), false);
    assert.notEqual((await rgw(dir, 'status')).code, 0);
    assert.notEqual((await rgw(dir, 'env')).code, 0);
    assert.equal((await rgw(dir, 'stop')).code, 0, 'stopping what is stopped is fine');
  } finally {
    await rgw(dir, 'stop');
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
});
