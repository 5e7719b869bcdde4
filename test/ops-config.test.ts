/**
 * `--config FILE` (TOML) and `serve --print-config` (issue 15): precedence flags > environment > file > defaults,
 * unknown keys and bad values refused with the key named, secrets masked, and a server really configured by a file.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI_BIN, startServer } from './helpers/server.js';
import { Api, assertError, assertStatus, uniqueName } from './helpers/http.js';

const execFileP = promisify(execFile);

async function tranche(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('config file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-config-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const file = async (name: string, text: string): Promise<string> => {
    const at = path.join(dir, name);
    await writeFile(at, text);
    return at;
  };

  test('flags > environment > file > defaults, each value shown with its source; secrets masked', async () => {
    const config = await file('a.toml', 'port = 9999\nrate-limit = 50\nsession-ttl = 600\ndatabase = "postgres://tranche:hunter2@db.internal/tranche"\n');
    const run = await tranche(['serve', '--config', config, '--port', '1234', '--print-config'], { TRANCHE_RATE_LIMIT: '70', TRANCHE_PORT: '4321' });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout;
    assert.match(lines, /^port = 1234 {2}# cli$/m);
    assert.match(lines, /^rate-limit = 70 {2}# env$/m);
    assert.match(lines, /^session-ttl = 600 {2}# config$/m);
    assert.match(lines, /^host = "127\.0\.0\.1" {2}# default$/m);
    assert.match(lines, /^database = "postgres:\/\/tranche:\*\*\*@db\.internal\/tranche" {2}# config$/m);
    assert.ok(!lines.includes('hunter2'), 'the password is masked');
  });

  test('an unknown key, a bad value and a non-TOML file are refused, naming the problem', async () => {
    const typo = await tranche(['serve', '--config', await file('b.toml', 'prot = 8080\n'), '--print-config']);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /unknown key "prot"/);
    const bad = await tranche(['serve', '--config', await file('c.toml', 'port = "eighty"\n'), '--print-config']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /port: expected a whole number/);
    const yaml = await tranche(['serve', '--config', await file('d.yaml', 'port: 1\n'), '--print-config']);
    assert.equal(yaml.code, 1);
    assert.match(yaml.stderr, /only TOML/);
  });

  test('a server configured by the file; admin commands read the same file', async () => {
    const dataDir = path.join(dir, 'data');
    const config = await file('serve.toml', `data-dir = ${JSON.stringify(dataDir)}\nmin-chunked-size = 1000\nmax-file-size = 5000\nfsck-rate = 0\n`);
    const server = await startServer({ args: ['--config', config], dataDir: path.join(dir, 'ignored') });
    try {
      // startServer passes its own --data-dir flag, which wins over the file: tokens go there.
      const api = new Api(server.origin, await server.token('hana'));
      assertStatus(await api.createSession({ folder_id: '0', file_size: 1500, file_name: uniqueName('cfg') }), 201);
      assertError(await api.createSession({ folder_id: '0', file_size: 6000, file_name: uniqueName('cfg') }), 403, 'file_size_limit_exceeded');
      const users = await tranche(['users', 'list', '--json', '--config', config, '--data-dir', server.dataDir]);
      assert.equal(users.code, 0, users.stderr);
      assert.ok(JSON.parse(users.stdout).some((u: { name: string }) => u.name === 'hana'));
    } finally {
      await server.stop();
    }
  });
});
