/**
 * The CLI against a malicious server, one that names its files and folders what Tranche itself would refuse:
 * `tranche download` never writes outside the output directory (".", "..", separators, absolute paths, control
 * characters, names over 255 bytes each get a safe local name), and `tranche ls` (and an error message) print no
 * control or bidirectional-formatting character raw. The server here is a small real HTTP server speaking the few
 * Box endpoints these commands use, with hostile names.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAX_LOCAL_NAME_BYTES, safeLocalName } from '@tranche/client';
import { runCli, tempDir, type CliResult } from './helpers/client-fixtures.js';
import { CLI_BIN } from './helpers/server.js';

const CONTENT = Buffer.from('the bytes of a hostile file\n');
const SHA1 = createHash('sha1').update(CONTENT).digest('hex');
const LONG = `${'\u00e9'.repeat(300)}.txt`; // 604 bytes in UTF-8

/** File id → hostile name, and what the download must be called locally. */
const FILES: Array<[string, string, string]> = [
  ['101', '..', 'file-101'],
  ['102', '.', 'file-102'],
  ['103', '../escape.txt', '.._escape.txt'],
  ['104', '../../../../tmp/abs.txt', '.._.._.._.._tmp_abs.txt'],
  ['105', '/etc/cron.d/evil', '_etc_cron.d_evil'],
  ['106', 'a\\..\\b.txt', 'a_.._b.txt'],
  ['107', 'evil\u001b[2J\nname\r.txt', 'evil_[2J_name_.txt'],
  ['108', 'invoice\u202efdp.exe', 'invoice_fdp.exe'],
  ['109', '...', 'file-109'],
  ['110', '', 'file-110'],
  ['111', LONG, `${'\u00e9'.repeat((MAX_LOCAL_NAME_BYTES - 4) / 2)}.txt`],
];

const LISTING = [
  { type: 'folder', id: '7', name: 'title\u001b]0;pwned\u0007' },
  { type: 'file', id: '8', name: 'csi\u009b31mred', sha1: SHA1 },
  { type: 'file', id: '9', name: 'forged\nfile\t10\tline', sha1: SHA1 },
  { type: 'file', id: '10', name: 'gpj\u202e.exe', sha1: SHA1 },
  { type: 'folder', id: '11\u001b[1A', name: 'back\\slash' },
];

async function hostileServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (status: number, body: unknown): void => void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const file = /^\/2\.0\/files\/(\d+)(\/content)?$/.exec(url.pathname);
    const entry = file ? FILES.find(([id]) => id === file[1]) : undefined;
    if (entry && file?.[2]) return void response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': CONTENT.length }).end(CONTENT);
    if (entry) return json(200, { type: 'file', id: entry[0], name: entry[1], size: CONTENT.length, sha1: SHA1, etag: '0' });
    if (url.pathname === '/2.0/folders/0/items') return json(200, { total_count: LISTING.length, entries: LISTING, offset: 0, limit: 1000 });
    json(404, { type: 'error', status: 404, code: 'not_found', message: 'gone\u001b[2J\u001b]0;owned\u0007', request_id: 'r' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Every character a terminal would act on, other than the tab and newline the CLI itself writes. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('the CLI against a server with hostile names', () => {
  let server: Awaited<ReturnType<typeof hostileServer>>;
  let work: Awaited<ReturnType<typeof tempDir>>;
  const env = (): Record<string, string> => ({ TRANCHE_SERVER: server.origin, TRANCHE_TOKEN: 'trn_test', TRANCHE_RETRY_DELAYS: '' });

  before(async () => {
    server = await hostileServer();
    work = await tempDir();
  });
  after(async () => {
    await server?.close();
    await work?.dispose();
  });

  test('download -o DIR: each file lands in DIR under its safe name, and nothing anywhere else', async () => {
    const out = path.join(work.dir, 'root', 'a', 'b', 'out');
    await mkdir(out, { recursive: true });
    for (const [id, , local] of FILES) {
      const result = await runCli(['download', id, '-o', out, '--json'], env());
      assert.equal(result.code, 0, `${id}: ${result.stderr}`);
      // The JSON stream has progress events too: the 'downloaded' one names the path.
      assert.equal(result.events.find((e) => e['event'] === 'downloaded')?.['path'], path.join(out, local), id);
      assert.deepEqual(await readFile(path.join(out, local)), CONTENT, id);
    }
    assert.deepEqual((await readdir(out)).sort(), FILES.map(([, , local]) => local).sort());
    for (const dir of ['root', 'root/a', 'root/a/b']) assert.deepEqual(await readdir(path.join(work.dir, dir)), [dir === 'root/a/b' ? 'out' : dir === 'root/a' ? 'b' : 'a'], dir);
    assert.ok(Buffer.byteLength(FILES.at(-1)![2]) <= MAX_LOCAL_NAME_BYTES);
  });

  test('download without -o: ".." becomes a file in the current directory, not the parent', async () => {
    const cwd = path.join(work.dir, 'cwd', 'here');
    await mkdir(cwd, { recursive: true });
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI_BIN, 'download', '101', '--json'], { cwd, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readdir(cwd), ['file-101']);
    assert.deepEqual(await readdir(path.join(work.dir, 'cwd')), ['here']);
  });

  test('a .part left as a link (with a resume state naming the file) is replaced, never written through', async () => {
    const out = path.join(work.dir, 'linked');
    await mkdir(out, { recursive: true });
    const victim = path.join(work.dir, 'victim.txt');
    await writeFile(victim, 'not yours\n');
    const part = path.join(out, '.._escape.txt.part');
    await symlink(victim, part);
    // A state that matches the file, so the resume path is the one taken if the link were trusted.
    await writeFile(`${part}.json`, JSON.stringify({ file_id: '103', sha1: SHA1, size: CONTENT.length }));
    const result = await runCli(['download', '103', '-o', out, '--json'], env());
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(victim, 'utf8'), 'not yours\n');
    assert.deepEqual(await readFile(path.join(out, '.._escape.txt')), CONTENT);
    assert.ok((await lstat(path.join(out, '.._escape.txt'))).isFile());
    assert.deepEqual(await readdir(out), ['.._escape.txt']);
  });

  const lsHuman = async (): Promise<CliResult> => {
    const result = await runCli(['ls'], env());
    assert.equal(result.code, 0, result.stderr);
    return result;
  };

  test('ls prints no control or bidirectional character raw: one line per item, escapes shown', async () => {
    const { stdout } = await lsHuman();
    assert.doesNotMatch(stdout, RAW_CONTROL);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, LISTING.length, stdout);
    for (const [i, line] of lines.entries()) assert.equal(line.split('\t').length, LISTING[i]!.type === 'file' ? 4 : 3, line);
    assert.ok(lines[0]!.includes('title\\x1b]0;pwned\\x07'), lines[0]);
    assert.ok(lines[1]!.includes('csi\\x9b31mred'), lines[1]);
    assert.ok(lines[2]!.includes('forged\\nfile\\t10\\tline'), lines[2]);
    assert.ok(lines[3]!.includes('gpj\\u{202E}.exe'), lines[3]);
    assert.equal(lines[4], 'folder\t11\\x1b[1A\tback\\\\slash');
  });

  test('ls --json escapes the same characters and keeps every name exact', async () => {
    const result = await runCli(['ls', '--json'], env());
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, RAW_CONTROL);
    assert.deepEqual(result.events.map((e) => e['name']), LISTING.map((item) => item.name));
  });

  test("an error message from the server is printed escaped", async () => {
    const result = await runCli(['download', '666'], env());
    assert.equal(result.code, 3, 'a 404 exits 3 (not found), as packages/cli/README.md documents');
    assert.match(result.stderr, /gone\\x1b\[2J/);
    assert.doesNotMatch(result.stderr, RAW_CONTROL);
  });
});

describe('safeLocalName', () => {
  test('cuts at a character boundary, keeping a short extension, within 250 bytes', () => {
    const emoji = `${'\u{1F600}'.repeat(100)}.tar.gz`;
    const safe = safeLocalName(emoji, '1');
    assert.ok(Buffer.byteLength(safe) <= MAX_LOCAL_NAME_BYTES);
    assert.ok(safe.endsWith('\u{1F600}.gz'), safe);
    assert.ok(safe.isWellFormed());
    assert.equal(safeLocalName('x'.repeat(300), '1').length, MAX_LOCAL_NAME_BYTES);
  });

  test('keeps ordinary names, joiners and scripts as they are', () => {
    for (const name of ['report.pdf', '.hidden', 'a..b', '名前.txt', 'نام\u200cفایل', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}.png']) assert.equal(safeLocalName(name, '1'), name);
  });

  test('on Windows also replaces its reserved characters and trailing dots and spaces', () => {
    assert.equal(safeLocalName('a<b>c:d"e|f?g*h. ', '1', 'win32'), 'a_b_c_d_e_f_g_h');
    assert.equal(safeLocalName('...', '1', 'win32'), 'file-1');
  });

  test('a hostile file id cannot reach the fallback name either', () => {
    assert.equal(safeLocalName('..', '../../x'), 'file-______x');
  });
});
