/**
 * Resuming with the CLI: a `tranche upload` killed mid-way (SIGKILL, or Ctrl-C) and run again sends only the
 * missing parts; a local file changed between runs is detected, reported and uploaded afresh; an aborted or
 * expired session starts fresh. A counting proxy lets the first N part PUTs through and holds the rest, so
 * the process is killed with exactly N parts on the server.
 */
import assert from 'node:assert/strict';
import { open, readdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { eventsOf, randomFile, runCli, startCli, tempDir, type CliResult } from './helpers/client-fixtures.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

const PART = 1 << 20;
const SIZE = 12 * PART + 777;
const TOTAL = Math.ceil(SIZE / PART);

describe('resuming interrupted uploads', { timeout: 180_000 }, () => {
  let proxy: FaultProxy;
  let server: TestServer;
  let token: string;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;
  let counter = 0;

  const serverArgs = (extra: string[] = []) => ['--min-chunked-size', '1000', '--part-size', String(PART), ...extra];
  const uploadArgs = (file: string) => ['upload', file, '--json', '--parallel', '2', '--min-chunked-size', '1000', '--retry-delays', '50,100'];

  /** Starts an upload, lets `n` parts reach the server, then kills it with `signal`. */
  async function interruptAfter(file: string, n: number, signal: NodeJS.Signals = 'SIGKILL', envOverride = env): Promise<CliResult> {
    proxy.plan = { holdPutsAfter: n };
    proxy.resetStats();
    const run = startCli(uploadArgs(file), envOverride);
    await run.waitFor((_, all) => all.filter((e) => e['event'] === 'part').length >= n);
    while (proxy.stats.held === 0) await new Promise((r) => setTimeout(r, 10));
    run.child.kill(signal);
    const result = await run.done;
    proxy.releaseHeld();
    proxy.plan = {};
    proxy.resetStats();
    return result;
  }

  async function api(method: string, url: string): Promise<{ status: number; body: any }> {
    const response = await fetch(url.replace(proxy.origin, server.origin), { method, headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function storedStates(): Promise<Array<Record<string, any>>> {
    const result = await runCli(['uploads', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return result.events;
  }

  async function newFile(size = SIZE): Promise<{ file: string; sha1: string }> {
    const file = path.join(work.dir, `file-${++counter}.bin`);
    return { file, sha1: await randomFile(file, size) };
  }

  before(async () => {
    proxy = await startFaultProxy();
    server = await startServer({ args: serverArgs(['--public-url', proxy.origin]) });
    proxy.setTarget(server.origin);
    token = await server.token('alice');
    work = await tempDir();
    env = { TRANCHE_SERVER: proxy.origin, TRANCHE_TOKEN: token, TRANCHE_STATE_DIR: path.join(work.dir, 'state') };
  });
  after(async () => {
    await proxy?.close();
    await server?.dispose();
    await work?.dispose();
  });

  test('after SIGKILL, the same command resumes and sends only the missing parts', async () => {
    const { file, sha1 } = await newFile();
    const killed = await interruptAfter(file, 5);
    assert.equal(killed.signal, 'SIGKILL');
    const [state, ...others] = await storedStates();
    assert.equal(others.length, 0);
    assert.equal(state!['path'], file);
    const parts = await api('GET', `${server.origin}/api/2.0/files/upload_sessions/${state!['session_id']}/parts`);
    assert.equal(parts.body.entries.length, 5, 'five parts were stored before the kill');

    const resumed = await runCli(uploadArgs(file), env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const [info] = eventsOf(resumed, 'resumed');
    assert.equal(info?.['sessionId'], state!['session_id']);
    assert.equal(info?.['partsOnServer'], 5);
    assert.equal(proxy.stats.putsReceived, TOTAL - 5, 'only the missing parts were sent');
    assert.equal(eventsOf(resumed, 'part').filter((e) => e['reused']).length, 5);
    assert.equal(eventsOf(resumed, 'committed')[0]?.['sha1'], sha1);
    assert.deepEqual(await storedStates(), [], 'the state file is gone after the commit');
  });

  test('Ctrl-C stops cleanly, keeps the state and prints the command that resumes', async () => {
    const { file, sha1 } = await newFile();
    const stopped = await interruptAfter(file, 3, 'SIGINT');
    assert.equal(stopped.code, 130, stopped.stderr);
    const lines = stopped.stderr.trim().split('\n');
    assert.equal(lines.length, 1, stopped.stderr);
    // The hint is the command as it was typed: here `node …/bin.js upload …` (`npx tranche …` under npx).
    const command = /resume with: ((?:npx tranche|tranche|node \S+) upload .*)$/.exec(lines[0]!)?.[1];
    assert.ok(command, lines[0]);
    const [error] = eventsOf(stopped, 'error');
    assert.equal(error?.['interrupted'], true);
    assert.equal(error?.['resume'], command);
    assert.equal((await storedStates()).length, 1);

    const shell = spawn('sh', ['-c', command.replace(/^node /, `"${process.execPath}" `)], { env: { ...process.env, ...env } });
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c));
    const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
    assert.equal(code, 0, out);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(events.find((e) => e['event'] === 'resumed')?.['partsOnServer'], 3);
    assert.equal(events.find((e) => e['event'] === 'committed')?.['sha1'], sha1);
    assert.equal(proxy.stats.putsReceived, TOTAL - 3);
  });

  test('a file whose size or mtime changed is reported and uploaded in a new session; the stale one is aborted', async () => {
    const { file } = await newFile();
    await interruptAfter(file, 4);
    const [state] = await storedStates();
    const sha1 = await randomFile(file, SIZE + 10);
    const result = await runCli(uploadArgs(file), env);
    assert.equal(result.code, 0, result.stderr);
    const [restarted] = eventsOf(result, 'restarted');
    assert.equal(restarted?.['reason'], 'file_changed');
    assert.equal(restarted?.['previousSessionId'], state!['session_id']);
    assert.equal(eventsOf(result, 'resumed').length, 0);
    assert.notEqual(eventsOf(result, 'started')[0]?.['sessionId'], state!['session_id']);
    assert.equal(eventsOf(result, 'committed')[0]?.['sha1'], sha1);
    assert.equal(proxy.stats.putsReceived, Math.ceil((SIZE + 10) / PART));
    const old = await api('GET', `${server.origin}/api/2.0/files/upload_sessions/${state!['session_id']}`);
    assert.equal(old.status, 404, 'the stale session was aborted');
  });

  test('bytes changed under an unchanged size and mtime are caught by the stored parts\' sha1', async () => {
    const { file } = await newFile();
    const mtime = 1_700_000_000; // whole seconds: restored exactly
    await utimes(file, mtime, mtime);
    await interruptAfter(file, 4);
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from('changed!'), 0, 8, PART + 100);
    await handle.close();
    await utimes(file, mtime, mtime);
    assert.equal((await stat(file)).mtimeMs, mtime * 1000);
    const sha1 = await (await import('./helpers/client-fixtures.js')).sha1Of(file);
    const result = await runCli(uploadArgs(file), env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(eventsOf(result, 'resumed').length, 1);
    const [restarted] = eventsOf(result, 'restarted');
    assert.equal(restarted?.['reason'], 'file_changed');
    assert.match(String(restarted?.['detail']), /offset 1048576 .*sha1/);
    assert.equal(eventsOf(result, 'committed')[0]?.['sha1'], sha1);
  });

  test('tranche abort FILE deletes the session and the state; the next upload starts fresh', async () => {
    const { file, sha1 } = await newFile();
    await interruptAfter(file, 2);
    const [state] = await storedStates();
    const aborted = await runCli(['abort', file, '--json'], env);
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.deepEqual(aborted.events, [{ event: 'aborted', session_id: state!['session_id'], path: file }]);
    assert.deepEqual(await storedStates(), []);
    assert.equal((await api('GET', `${server.origin}/api/2.0/files/upload_sessions/${state!['session_id']}`)).status, 404);
    const again = await runCli(uploadArgs(file), env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(eventsOf(again, 'resumed').length + eventsOf(again, 'restarted').length, 0);
    assert.equal(proxy.stats.putsReceived, TOTAL);
    assert.equal(eventsOf(again, 'committed')[0]?.['sha1'], sha1);
    const none = await runCli(['abort', file], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^tranche: no interrupted upload of /);
  });

  test('a session deleted behind the client\'s back (404) starts fresh and says so', async () => {
    const { file, sha1 } = await newFile();
    await interruptAfter(file, 2);
    const [state] = await storedStates();
    assert.equal((await api('DELETE', `${server.origin}/api/2.0/files/upload_sessions/${state!['session_id']}`)).status, 204);
    const result = await runCli(uploadArgs(file), env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(eventsOf(result, 'restarted')[0]?.['reason'], 'session_not_found');
    assert.equal(proxy.stats.putsReceived, TOTAL);
    assert.equal(eventsOf(result, 'committed')[0]?.['sha1'], sha1);
  });

  test('an expired session (410) starts fresh and says so', async () => {
    // The session is expired in the database, not by a short --session-ttl: a TTL short enough to wait out is also
    // short enough for the fresh session to expire mid-upload on a loaded machine.
    const short = await startServer({ args: serverArgs(['--public-url', proxy.origin, '--janitor-interval', '3600']) });
    const shortEnv = { ...env, TRANCHE_TOKEN: await short.token('alice'), TRANCHE_STATE_DIR: path.join(work.dir, 'state-ttl') };
    proxy.setTarget(short.origin);
    try {
      const { file, sha1 } = await newFile();
      await interruptAfter(file, 2, 'SIGKILL', shortEnv);
      const db = new Database(path.join(short.dataDir, 'tranche.db'));
      try {
        db.pragma('busy_timeout = 10000');
        const expired = db.prepare("UPDATE sessions SET expires_at = ? WHERE state = 'active'").run(Date.now() - 1_000);
        assert.equal(expired.changes, 1, 'the interrupted session is active');
      } finally {
        db.close();
      }
      const result = await runCli(uploadArgs(file), shortEnv);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(eventsOf(result, 'restarted')[0]?.['reason'], 'session_expired', result.stdout + result.stderr);
      assert.equal(eventsOf(result, 'committed')[0]?.['sha1'], sha1);
      assert.deepEqual(await readdir(shortEnv.TRANCHE_STATE_DIR), []);
    } finally {
      proxy.setTarget(server.origin);
      await short.dispose();
    }
  });
});
