/**
 * The CLI's commands as a script sees them, over real HTTP against a real server: paths and ids, every
 * command's JSON, exit codes (usage 2, not found 3, conflict 4, auth 5, network 6, partial 7, interrupted 130),
 * retry notices at once, stdin uploads, `-o -`, a download interrupted and resumed from its `.part` (one stream
 * and parallel ranges), profiles, completion scripts, examples in every --help, and `token create`'s checks.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventsOf, randomFile, runCli, sha1Of, startCli, tempDir } from './helpers/client-fixtures.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';

const PART = 65_536;

describe('tranche commands: paths, JSON, exit codes, downloads, profiles', { timeout: 300_000 }, () => {
  let server: TestServer;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let env: Record<string, string>;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART)] });
    work = await tempDir();
    env = {
      TRANCHE_SERVER: server.origin,
      TRANCHE_TOKEN: await server.token('cmd'),
      TRANCHE_STATE_DIR: path.join(work.dir, 'state'),
      TRANCHE_CONFIG: path.join(work.dir, 'config.json'),
      TRANCHE_MIN_CHUNKED_SIZE: '1000',
    };
  });
  after(async () => {
    await server?.dispose();
    await work?.dispose();
  });

  const ok = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await runCli(args, { ...env, ...extra });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  };

  test('paths wherever ids are taken; every command prints parseable JSON', async () => {
    const made = await ok(['mkdir', '-p', '/p/q/r', '--json']);
    const folder = made.events[0]!;
    assert.equal(folder['event'], 'created');
    assert.equal(folder['name'], 'r');
    assert.equal((await ok(['mkdir', '-p', '/p/q/r'])).stdout.trim(), folder['id'], 'mkdir -p of an existing path answers its id');

    const file = path.join(work.dir, 'a.bin');
    const sha1 = await randomFile(file, 3 * PART + 7);
    const up = await ok(['upload', file, '--to', '/p/q/r']);
    assert.equal(eventsOf(up, 'committed')[0]!['sha1'], sha1, 'JSON by default when stdout is a pipe');
    const byId = await ok(['ls', String(folder['id']), '--json']);
    const byPath = await ok(['ls', '/p/q/r', '--json']);
    assert.deepEqual(byPath.events.map((e) => e['id']), byId.events.map((e) => e['id']));
    assert.equal(byPath.events[0]!['path'], '/p/q/r/a.bin');
    const long = await ok(['ls', '-l', '/p/q/r', '--json']);
    assert.equal(long.events[0]!['size'], 3 * PART + 7);
    assert.match(String(long.events[0]!['modified_at']), /^\d{4}-\d\d-\d\dT/);
    const longText = await ok(['ls', '-l', '/p/q/r']);
    assert.match(longText.stdout, /^file\s+\d+\s+192\.0 KiB\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[0-9a-f]{40}\s+a\.bin$/m);
    assert.doesNotMatch(longText.stdout, /SIZE/, 'no header when stdout is not a terminal');
    const bytes = await ok(['ls', '-l', '--bytes', '/p/q/r/a.bin']);
    assert.match(bytes.stdout, /\s196615\s/);
    const recursive = await ok(['ls', '-R', '/p', '--json']);
    assert.deepEqual(recursive.events.map((e) => e['path']), ['/p/q', '/p/q/r', '/p/q/r/a.bin']);
    const plainR = await ok(['ls', '-R', '/p']);
    assert.match(plainR.stdout, /^\/p:\nfolder\t\d+\tq\n\n\/p\/q:\nfolder\t\d+\tr\n\n\/p\/q\/r:\nfile\t\d+\ta\.bin\t[0-9a-f]{40}\n$/);

    const out = path.join(work.dir, 'a.out');
    const down = await ok(['download', '/p/q/r/a.bin', '-o', out]);
    assert.equal(eventsOf(down, 'downloaded')[0]!['sha1'], sha1);
    assert.equal(await sha1Of(out), sha1);
    const uploads = await ok(['uploads', '--json']);
    assert.deepEqual(uploads.events, []);
    await ok(['config', 'set', 'parallel', '3', '--profile', 'json-check']);
    const listed = await ok(['config', 'list', '--json', '--profile', 'json-check']);
    assert.deepEqual(listed.events, [{ profile: 'json-check', key: 'parallel', value: '3' }]);
  });

  test('exit codes: usage 2, not found 3, conflict 4, auth 5, network 6, partial 7', async () => {
    const code = async (args: string[], extra: Record<string, string> = {}) => {
      const result = await runCli(args, { ...env, ...extra });
      assert.ok(result.stderr.trim().split('\n').every((l) => l.length > 0), result.stderr);
      return result;
    };
    assert.equal((await code(['ls', '--no-such-flag'])).code, 2);
    assert.equal((await code(['upload'])).code, 2);
    assert.equal((await code(['upload', work.dir])).code, 2, 'a directory without -r');
    assert.equal((await code(['frobnicate'])).code, 2);
    const missing = await code(['ls', '/does/not/exist']);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /^tranche: \/does\/not\/exist: not found \(no "does"\)\n$/);
    assert.equal((await code(['download', '99999999'])).code, 3);
    await ok(['mkdir', '-p', '/clash']);
    assert.equal((await code(['mkdir', '/clash'])).code, 4);
    const file = path.join(work.dir, 'c.txt');
    await writeFile(file, 'one');
    await ok(['upload', file, '--to', '/clash']);
    await writeFile(file, 'two, different');
    const clash = await code(['upload', file, '--to', '/clash']);
    assert.equal(clash.code, 4, clash.stderr);
    assert.match(clash.stderr, /exists as a file .*--skip-existing, --overwrite or --keep-both/);
    const other = path.join(work.dir, 'd.txt');
    await writeFile(other, 'three');
    const partial = await code(['upload', file, other, '--to', '/clash']);
    assert.equal(partial.code, 7, partial.stderr);
    assert.match(partial.stderr, /1 of 2 files failed/);
    assert.equal(eventsOf(partial, 'summary')[0]!['sent'], 1);
    assert.equal((await code(['ls'], { TRANCHE_TOKEN: 'trn_not-a-token' })).code, 5);
    const closed = await code(['ls', '--retry-delays', ''], { TRANCHE_SERVER: 'http://127.0.0.1:9' });
    assert.equal(closed.code, 6, closed.stderr);

    // --overwrite makes a new version; --keep-both a new name; --skip-existing skips the identical one.
    const version = await ok(['upload', file, '--to', '/clash', '--overwrite']);
    assert.equal(eventsOf(version, 'committed')[0]!['name'], 'c.txt');
    const both = await ok(['upload', file, '--to', '/clash', '--keep-both']);
    assert.equal(eventsOf(both, 'committed')[0]!['name'], 'c (1).txt');
    const skip = await ok(['upload', file, '--to', '/clash', '--skip-existing']);
    assert.equal(eventsOf(skip, 'skipped').length, 1);
    assert.equal(eventsOf(skip, 'committed').length, 0);
  });

  test('a retry says so at once on one line; an answer that cannot change is not retried', async () => {
    const proxy: FaultProxy = await startFaultProxy({ error500: 1, match: (method, url) => method === 'GET' && url.startsWith('/2.0/folders/') });
    try {
      proxy.setTarget(server.origin);
      const started = Date.now();
      const result = await runCli(['ls', '/', '--retry-delays', '100,100'], { ...env, TRANCHE_SERVER: proxy.origin });
      assert.equal(result.code, 6, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.deepEqual(lines, [
        'tranche: GET /2.0/folders/0/items: 500 internal_server_error; retrying (attempt 2 of 3)',
        'tranche: GET /2.0/folders/0/items: 500 internal_server_error; retrying (attempt 3 of 3)',
        lines[2],
      ]);
      assert.match(lines[2]!, /^tranche: GET http:\/\/127\.0\.0\.1:\d+\/2\.0\/folders\/0\/items\?offset=0&limit=1000 failed: 500 internal_server_error: injected internal_server_error$/);
      assert.ok(Date.now() - started < 30_000);
    } finally {
      await proxy.close();
    }
    const { isRetryable, TrancheApiError } = await import('@tranche/client');
    const full = new TrancheApiError({ status: 507, method: 'PUT', url: 'http://x/y', body: { code: 'insufficient_storage' } });
    assert.equal(isRetryable(full), false, '507 insufficient_storage is final');
    assert.equal(isRetryable(new TrancheApiError({ status: 503, method: 'GET', url: 'http://x/y' })), true);
  });

  test('standard input (known size and spooled), and -o - to standard output', async () => {
    const bytes = Buffer.alloc(150_000, 7);
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    for (const extra of [['--size', String(bytes.length)], []]) {
      const name = `stdin-${extra.length}.bin`;
      const child = spawn(process.execPath, [CLI_BIN, 'upload', '-', '--name', name, '--to', '/stdin', ...extra], { env: { ...process.env, ...env } });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stdin.end(bytes);
      assert.equal(await new Promise((r) => child.on('close', r)), 0);
      const committed = out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'committed');
      assert.equal(committed.sha1, sha1);
      assert.equal(committed.name, name);
      const piped = execFileSync(process.execPath, [CLI_BIN, 'download', `/stdin/${name}`, '-o', '-'], { env: { ...process.env, ...env } });
      assert.ok(piped.equals(bytes));
    }
    const wrong = spawn(process.execPath, [CLI_BIN, 'upload', '-', '--name', 'x', '--size', '5'], { env: { ...process.env, ...env } });
    wrong.stdin.end('too long');
    assert.equal(await new Promise((r) => wrong.on('close', r)), 2);
  });

  for (const mode of ['one stream', 'parallel ranges'] as const) {
    test(`a download interrupted with Ctrl-C resumes from its .part (${mode})`, async () => {
      const file = path.join(work.dir, `big-${mode.length}.bin`);
      const sha1 = await randomFile(file, 1_500_000);
      await ok(['upload', file, '--to', '/dl', '--min-chunked-size', '100000000']);
      const out = path.join(work.dir, `big-${mode.length}.out`);
      const flags = mode === 'parallel ranges' ? ['--range-threshold', '100000', '--connections', '3'] : [];
      const slow = startCli(['download', `/dl/${path.basename(file)}`, '-o', out, '--bwlimit', '200k', ...flags], env);
      // Wait until some bytes are in the .part, then Ctrl-C.
      for (let i = 0; ; i++) {
        const size = await stat(`${out}.part`).then((s) => s.size, () => 0);
        const sidecar = await readFile(`${out}.part.json`, 'utf8').catch(() => '');
        if (mode === 'one stream' ? size >= 200_000 : /"done":\[\d/.test(sidecar)) break;
        assert.ok(i < 600, 'the download made no progress');
        await new Promise((r) => setTimeout(r, 50));
      }
      slow.child.kill('SIGINT');
      const stopped = await slow.done;
      assert.equal(stopped.code, 130, stopped.stderr);
      await stat(`${out}.part`);
      const resumed = await ok(['download', `/dl/${path.basename(file)}`, '-o', out, ...flags]);
      const done = eventsOf(resumed, 'downloaded')[0]!;
      assert.ok(Number(done['resumed_bytes']) > 0, JSON.stringify(done));
      assert.equal(done['sha1'], sha1);
      assert.equal(await sha1Of(out), sha1);
      await assert.rejects(stat(`${out}.part`), 'the .part is renamed into place');
      await assert.rejects(stat(`${out}.part.json`));
    });
  }

  test('profiles in the config file; flags and environment win over them', async () => {
    const config = path.join(work.dir, 'profiles.json');
    const bare = { TRANCHE_CONFIG: config, TRANCHE_SERVER: '', TRANCHE_TOKEN: '' };
    await ok(['config', 'set', 'server', server.origin, '--profile', 'work'], bare);
    await ok(['config', 'set', 'token', env['TRANCHE_TOKEN']!, '--profile', 'work'], bare);
    assert.equal((await ok(['config', 'get', 'server', '--profile', 'work'], bare)).stdout.trim(), server.origin);
    assert.equal((await stat(config)).mode & 0o777, 0o600);
    await ok(['ls', '/', '--profile', 'work'], bare);
    const noProfile = await runCli(['ls', '/'], { ...env, ...bare });
    assert.equal(noProfile.code, 1);
    assert.match(noProfile.stderr, /no token/);
    const flagWins = await runCli(['ls', '/', '--profile', 'work', '--server', 'http://127.0.0.1:9', '--retry-delays', ''], { ...env, ...bare });
    assert.equal(flagWins.code, 6);
    assert.equal((await runCli(['ls', '--profile', 'nope'], { ...env, ...bare })).code, 1);
    assert.equal((await ok(['config', 'path'], bare)).stdout.trim(), config);
  });

  test('HTTP_PROXY is honoured, NO_PROXY exempts', async () => {
    // A minimal forward proxy: absolute-form requests, forwarded as they are.
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const upstream = http.request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      await ok(['ls', '/'], { HTTP_PROXY: proxyUrl, NO_PROXY: '' });
      assert.ok(seen.some((line) => line.startsWith(`GET ${server.origin}/2.0/folders/0/items`)), seen.join('\n'));
      seen.length = 0;
      await ok(['ls', '/'], { HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' });
      assert.deepEqual(seen, []);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test('shell completion scripts and examples in every --help', async () => {
    const bash = (await ok(['completion', 'bash'])).stdout;
    execFileSync('bash', ['-n'], { input: bash });
    assert.match(bash, /complete -o filenames -F _tranche tranche/);
    assert.match(bash, /upload\) opts=".*--skip-existing/);
    assert.match((await ok(['completion', 'zsh'])).stdout, /^#compdef tranche/);
    assert.match((await ok(['completion', 'fish'])).stdout, /complete -c tranche -n '__fish_seen_subcommand_from upload' -l transfers/);
    assert.equal((await runCli(['completion', 'tcsh'], env)).code, 2);
    for (const command of ['upload', 'download', 'ls', 'mkdir', 'rm', 'mv', 'cp', 'rename', 'versions', 'trash', 'restore', 'info', 'uploads', 'abort', 'config', 'completion']) {
      const help = await runCli([command, '--help'], env);
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, /\nExamples:\n  \$ tranche /, `${command} --help has examples`);
    }
  });

  test('token create names its database and never makes a new one silently', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI_BIN, 'token', 'create', ...args]);
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c));
        child.stderr.on('data', (c: Buffer) => (err += c));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    // A new database is still made (scripts create a token before the first serve), with a warning naming it.
    const nowhere = path.join(work.dir, 'no-server-here');
    const warned = await run(['--user', 'x', '--data-dir', nowhere]);
    assert.equal(warned.code, 0, warned.err);
    assert.match(warned.err, /warning: no database at .*no-server-here\/tranche\.db yet; creating a new, empty one/);
    assert.match(warned.out.trim().split('\n').at(-1)!, /^trn_/);
    await stat(path.join(nowhere, 'tranche.db'));
    const quiet = await run(['--user', 'y', '--data-dir', path.join(work.dir, 'meant'), '--init']);
    assert.equal(quiet.code, 0, quiet.err);
    assert.doesNotMatch(quiet.err, /warning/);
    const made = await run(['--user', 'x', '--data-dir', server.dataDir]);
    assert.equal(made.code, 0, made.err);
    assert.match(made.err, new RegExp(`database: SQLite ${server.dataDir}/tranche\\.db`));
    assert.match(made.out.trim().split('\n').at(-1)!, /^trn_/);
  });
});
