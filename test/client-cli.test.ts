/**
 * The CLI's pieces called in-process: command functions with a captured Io against the real server, the
 * `serve`/`token` stubs of a client-only install, and the quoting of the printed resume command.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { REPO_ROOT, startServer, type TestServer } from './helpers/server.js';
import { randomFile, tempDir } from './helpers/client-fixtures.js';

const cli = (file: string): Promise<any> => import(pathToFileURL(path.join(REPO_ROOT, 'packages/cli/dist', file)).href);

function captureIo() {
  let out = '';
  return { io: { stdout: { write: (t: string) => (out += t), isTTY: false }, stderr: { write: () => true } }, out: () => out };
}

describe('CLI internals', { timeout: 60_000 }, () => {
  let server: TestServer;
  let token: string;
  let work: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '65536'] });
    token = await server.token('bob');
    work = await tempDir();
  });
  after(async () => {
    await server?.dispose();
    await work?.dispose();
  });

  test('command functions run in-process with a captured Io', async () => {
    const { mkdir } = await cli('commands/mkdir.js');
    const { upload } = await cli('commands/upload.js');
    const { ls } = await cli('commands/ls.js');
    const flags = { server: server.origin, token };
    const made = captureIo();
    const folderId: string = await mkdir('in-process', flags, made.io);
    assert.equal(made.out(), `${folderId}\n`);
    const file = path.join(work.dir, 'x.bin');
    const sha1 = await randomFile(file, 70_000);
    const up = captureIo();
    const [uploaded] = await upload([file], { ...flags, folder: folderId, minChunkedSize: 1000, stateDir: path.join(work.dir, 's') }, up.io);
    assert.equal(uploaded.sha1, sha1);
    const lines = up.out().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.event).filter((e) => e !== 'progress'), ['started', 'part', 'part', 'committed']);
    const listed = captureIo();
    await ls(folderId, { ...flags, json: true }, listed.io);
    assert.equal(JSON.parse(listed.out()).sha1, sha1);
  });

  test('without @tranche/server, serve and token exit 1 with the install hint', async () => {
    const { registerServerStubs } = await cli('commands/server-stubs.js');
    for (const args of [['serve', '--port', '1'], ['token', 'create', '--user', 'x']]) {
      const program = new Command().exitOverride();
      registerServerStubs(program);
      await assert.rejects(program.parseAsync(args, { from: 'user' }), /the server is not installed: npm install @tranche\/server/);
    }
  });

  test('the resume command quotes paths for the shell', async () => {
    const { resumeCommand } = await cli('output/resume-command.js');
    const odd = "/tmp/it's a file $HOME.bin";
    const command: string = resumeCommand([odd], { folder: '12', server: 'http://127.0.0.1:1', parallel: 3, json: true });
    assert.match(command, /^tranche upload '.*' --folder 12 --parallel 3 --server http:\/\/127\.0\.0\.1:1 --json$/);
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${command.replace(/^tranche upload /, '')}`]).toString().split('\n');
    assert.equal(echoed[0], odd);
  });
});
