/**
 * The CLI in a real terminal (tmux, a private server socket): an upload draws a progress bar (label, bar,
 * percentage, bytes, rate, ETA) that fits the terminal's width and ends with the commit line; `ls -l` prints
 * its header on a terminal. Read back with `tmux capture-pane`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomFile, tempDir } from './helpers/client-fixtures.js';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';

const COLUMNS = 100;
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

describe('progress in a real terminal (tmux)', { timeout: 120_000, skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it)' }, () => {
  let server: TestServer;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let token: string;
  const socket = `tranche-test-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args]).toString();

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '262144'] });
    token = await server.token('tty');
    work = await tempDir();
  });
  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await server?.dispose();
    await work?.dispose();
  });

  /** Runs `args` in a fresh tmux window; answers the pane's text once `done` matches it. */
  async function inTerminal(name: string, args: string[], done: RegExp, seen: (pane: string) => void = () => undefined): Promise<string> {
    const env = [`TRANCHE_SERVER=${server.origin}`, `TRANCHE_TOKEN=${token}`, `TRANCHE_STATE_DIR=${path.join(work.dir, 'state')}`, `TRANCHE_CONFIG=${path.join(work.dir, 'c.json')}`];
    const command = `env ${env.join(' ')} "${process.execPath}" "${CLI_BIN}" ${args.map((a) => `'${a}'`).join(' ')}; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', name, '-x', String(COLUMNS), '-y', '30', command);
    for (let i = 0; i < 1200; i++) {
      const pane = tmux('capture-pane', '-p', '-J', '-t', name); // -J: a wrapped line comes back whole
      seen(pane);
      if (done.test(pane)) return pane;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name}: timed out; the pane shows:\n${tmux('capture-pane', '-p', '-t', name)}`);
  }

  test('upload draws a bar that fits the width and ends with the commit line', async () => {
    const file = path.join(work.dir, 'tty.bin');
    const sha1 = await randomFile(file, 3 * 1024 * 1024);
    const bars: string[] = [];
    const pane = await inTerminal('upload', ['upload', file, '--bwlimit', '1M', '--parallel', '2'], /EXIT=\d+/, (text) => {
      for (const line of text.split('\n')) if (/\[[█░]+\] \d+%/.test(line)) bars.push(line);
    });
    assert.match(pane, /EXIT=0/);
    const moving = bars.find((l) => /\] ([1-9]\d?)% /.test(l));
    assert.ok(moving, `a bar between 1 and 99 % was drawn; saw:\n${bars.slice(0, 5).join('\n')}`);
    assert.match(moving, /tty\.bin\s* \[[█░]+\] \d+% \| [\d.]+ (B|KiB|MiB)\/3\.00 MiB \| [\d.]+ (B|KiB|MiB)\/s \| ETA \d+s/);
    assert.ok(bars.every((l) => l.trimEnd().length <= COLUMNS), 'no bar line is longer than the terminal');
    // The commit line is whole (wrapped by the terminal if long, never cut).
    assert.match(pane, new RegExp(`tty\\.bin → file \\d+ "tty\\.bin" \\(3\\.00 MiB, sha1 ${sha1}\\)`));
  });

  test('ls -l prints a header on a terminal', async () => {
    const pane = await inTerminal('ls', ['ls', '-l', '/'], /EXIT=\d+/);
    assert.match(pane, /EXIT=0/);
    assert.match(pane, /^TYPE\s+ID\s+SIZE\s+MODIFIED\s+SHA1\s+NAME$/m);
    assert.match(pane, /^file\s+\d+\s+3\.00 MiB\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[0-9a-f]{40}\s+tty\.bin$/m);
  });
});
