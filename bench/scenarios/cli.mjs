/**
 * Issue 13: the CLI on trees and big files. A tree of 1,000 files of mixed sizes (nested folders) uploaded with
 * `tranche upload -r` and downloaded back with `tranche download -r` (seconds, files/s, MB/s), against
 * `rclone copy` through its Box backend on the same server when that can run; one 1 GiB file downloaded with
 * `tranche download` against `curl`.
 *
 * rclone: its Box backend has Box's hosts built in; it runs unmodified through the test suite's harness
 * (test/helpers/rclone.ts, built into build/suite): a private /etc/hosts mapping Box's names to a loopback TLS front
 * with a throwaway CA, a static token. Both tools copy the same tree up and back down with 8 transfers, and each
 * round trip is compared file by file with the source (a fast wrong answer would not count).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CLI_BIN, REPO_ROOT } from '../lib/paths.mjs';
import { runMeasured } from '../lib/processes.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { formatSize, mbPerSecond, round } from '../lib/units.mjs';

const execFileP = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;

/** 1,000 files (200 when quick): 90 % 1–64 KiB, 9 % 256 KiB–2 MiB, 1 % 8–24 MiB, in 3 levels of folders. */
async function makeTree(root, count) {
  let seed = 13;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${i % 10}`, `e${i % 7}`, i % 3 === 0 ? 'f' : '');
    await mkdir(dir, { recursive: true });
    const kind = i % 100;
    const size = kind === 0 ? 8 * MiB + Math.floor(random() * 16 * MiB) : kind < 10 ? 256 * KiB + Math.floor(random() * 1792 * KiB) : 1 + Math.floor(random() * 64 * KiB);
    await writeFile(path.join(dir, `file-${i}.bin`), randomBytes(size));
    bytes += size;
  }
  return bytes;
}

/** Every file of `source` is in `copy` with the same bytes, and nothing else is. */
async function sameTree(source, copy, who) {
  const list = async (root) => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name))).sort();
  const [expected, got] = await Promise.all([list(source), list(copy)]);
  if (expected.join('\n') !== got.join('\n')) throw new Error(`${who}: the copied tree has ${got.length} files where the source has ${expected.length}`);
  for (const name of expected) {
    const [a, b] = await Promise.all([readFile(path.join(source, name)), readFile(path.join(copy, name))]);
    if (!a.equals(b)) throw new Error(`${who}: ${name} differs from the source`);
  }
}

export default {
  name: 'cli',
  title: 'CLI: a 1,000-file tree up and down (tranche vs rclone), a 1 GiB download (tranche vs curl)',
  async run(ctx) {
    const count = ctx.config.quick ? 200 : 1000;
    const dir = await ctx.freshDir('cli');
    const tree = path.join(dir, 'tree');
    ctx.log(`cli: writing a tree of ${count} files`);
    const bytes = await makeTree(tree, count);
    // The per-token budget (Box's 1,000 requests a minute) would pace both tools by the clock, not by their work.
    const server = await startTranche({ dataDir: path.join(dir, 'data'), serveArgs: ['--rate-limit', '0'] });
    const auth = ['--server', server.origin, '--token', server.token];
    const rows = [];
    try {
      ctx.log('cli: tranche upload -r');
      const up = await runMeasured([CLI_BIN, 'upload', '-r', tree, '--to', '/bench', '--transfers', '8', '--json', ...auth], { usageDir: dir });
      ctx.log('cli: tranche download -r');
      const back = path.join(dir, 'back');
      const down = await runMeasured([CLI_BIN, 'download', '-r', '/bench', '-o', back, '--transfers', '8', '--json', ...auth], { usageDir: dir });
      await sameTree(tree, back, 'tranche');
      await rm(back, { recursive: true, force: true });
      const measured = { 'tranche up': up.wallMs, 'tranche down': down.wallMs };
      for (const [what, run] of [['tranche upload -r --transfers 8', up], ['tranche download -r --transfers 8', down]]) {
        const seconds = run.wallMs / 1000;
        rows.push(row('13 cli', `${what}, ${count} files, ${formatSize(bytes)}`, round(seconds, 2), 's', { note: `${round(count / seconds)} files/s, ${round(mbPerSecond(bytes, run.wallMs))} MB/s; client CPU ${round(run.cpuSeconds, 2)} s` }));
      }

      const why = (await execFileP('rclone', ['version']).then(() => true, () => false)) ? undefined : 'rclone is not installed (apt-get install rclone)';
      if (why) {
        rows.push(row('13 cli', `rclone copy (Box backend), ${count} files up and down`, 'not run', '', { note: why }));
        ctx.notes.push(`cli: rclone copy not run: ${why}.`);
      } else {
        const { rcloneAgainst } = await import(pathToFileURL(path.join(REPO_ROOT, 'build/suite/helpers/rclone.js')).href);
        const rclone = await rcloneAgainst(server, server.token);
        try {
          const copy = async (from, to) => {
            const started = performance.now();
            await rclone.run(['copy', '--transfers', '8', '--checkers', '8', from, to], { timeoutMs: 1_800_000 });
            return performance.now() - started;
          };
          ctx.log('cli: rclone copy up');
          measured['rclone up'] = await copy(tree, 'box:bench-rclone');
          ctx.log('cli: rclone copy down');
          const rcloneBack = path.join(dir, 'rclone-back');
          measured['rclone down'] = await copy('box:bench-rclone', rcloneBack);
          await sameTree(tree, rcloneBack, 'rclone');
          await rm(rcloneBack, { recursive: true, force: true });
        } finally {
          await rclone.dispose();
        }
        for (const direction of ['up', 'down']) {
          const ms = measured[`rclone ${direction}`];
          rows.push(row('13 cli', `rclone copy ${direction === 'up' ? 'up' : 'down'} (Box backend) --transfers 8, ${count} files`, round(ms / 1000, 2), 's', { note: `${round(count / (ms / 1000))} files/s` }));
          rows.push(row('13 cli', `tranche ÷ rclone, files per second ${direction}`, round(ms / measured[`tranche ${direction}`], 2), '×'));
        }
      }

      const size = ctx.sizes.downloadBytes;
      const file = await ctx.randomFile(size);
      ctx.log(`cli: uploading ${formatSize(size)} for the download race`);
      const big = await runMeasured([CLI_BIN, 'upload', file, '--to', '/big', '--json', ...auth], { usageDir: dir });
      const id = big.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'committed').fileId;
      const out = path.join(dir, 'big.out');
      const tranche = await runMeasured([CLI_BIN, 'download', id, '-o', out, '--json', ...auth], { usageDir: dir });
      await rm(out, { force: true });
      const curlStarted = performance.now();
      await execFileP('curl', ['-sS', '-f', '-o', out, '-H', `authorization: Bearer ${server.token}`, `${server.origin}/2.0/files/${id}/content`], { maxBuffer: 1 << 20 });
      const curlMs = performance.now() - curlStarted;
      // The same check tranche makes: curl's copy hashed afterwards.
      const shaStarted = performance.now();
      await execFileP('sha1sum', [out]);
      const shaMs = performance.now() - shaStarted;
      await rm(out, { force: true });
      rows.push(
        row('13 cli', `tranche download, ${formatSize(size)} (4 ranges in parallel, SHA-1 verified)`, round(mbPerSecond(size, tranche.wallMs)), 'MB/s', { note: `client CPU ${round(tranche.cpuSeconds, 2)} s` }),
        row('13 cli', `curl -o, ${formatSize(size)} (one stream, no check)`, round(mbPerSecond(size, curlMs)), 'MB/s'),
        row('13 cli', `curl -o then sha1sum, ${formatSize(size)} (the same check as tranche)`, round(mbPerSecond(size, curlMs + shaMs)), 'MB/s', { note: `tranche ÷ this: ${round((curlMs + shaMs) / tranche.wallMs, 2)} ×` }),
      );
      ctx.setting('cli', 'tree: 90 % 1–64 KiB, 9 % 256 KiB–2 MiB, 1 % 8–24 MiB; --transfers 8, --parallel 4 (default); warm page cache');
      return rows;
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
