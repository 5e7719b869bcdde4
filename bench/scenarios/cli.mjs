/**
 * Issue 13: the CLI on trees and big files. A tree of 1,000 files of mixed sizes (nested folders) uploaded with
 * `tranche upload -r` and downloaded back with `tranche download -r` (seconds, files/s, MB/s), against
 * `rclone copy` through its Box backend on the same server when that can run; one 1 GiB file downloaded with
 * `tranche download` against `curl`.
 *
 * rclone: its Box backend has Box's hosts built in, so it needs a hosts mapping to loopback, a TLS front with a
 * throwaway CA and a static token (see /work/shared/spec/box-files-events.md §1), and its listings ask for
 * `fields=…` and drop entries without `item_status`. The scenario probes `fields=` first and records why rclone
 * was not run when the server does not honour it (before the lifecycle branch is merged).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CLI_BIN } from '../lib/paths.mjs';
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

async function fieldsHonoured(server) {
  const response = await fetch(`${server.origin}/2.0/folders/0/items?fields=size,item_status&limit=1`, { headers: { authorization: `Bearer ${server.token}` } });
  const body = await response.json();
  return body.entries?.length > 0 && 'item_status' in body.entries[0];
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
    const server = await startTranche({ dataDir: path.join(dir, 'data') });
    const auth = ['--server', server.origin, '--token', server.token];
    const rows = [];
    try {
      ctx.log('cli: tranche upload -r');
      const up = await runMeasured([CLI_BIN, 'upload', '-r', tree, '--to', '/bench', '--transfers', '8', '--json', ...auth], { usageDir: dir });
      ctx.log('cli: tranche download -r');
      const back = path.join(dir, 'back');
      const down = await runMeasured([CLI_BIN, 'download', '-r', '/bench', '-o', back, '--transfers', '8', '--json', ...auth], { usageDir: dir });
      for (const [what, run] of [['tranche upload -r --transfers 8', up], ['tranche download -r --transfers 8', down]]) {
        const seconds = run.wallMs / 1000;
        rows.push(row('13 cli', `${what}, ${count} files, ${formatSize(bytes)}`, round(seconds, 2), 's', { note: `${round(count / seconds)} files/s, ${round(mbPerSecond(bytes, run.wallMs))} MB/s; client CPU ${round(run.cpuSeconds, 2)} s` }));
      }
      await rm(back, { recursive: true, force: true });

      const rclone = await execFileP('rclone', ['version']).then(() => true, () => false);
      const fields = await fieldsHonoured(server);
      const why = !rclone ? 'rclone is not installed' : !fields ? 'the server does not honour fields= / item_status yet (lifecycle branch), so rclone would list nothing' : 'needs the TLS front and hosts mapping of box-files-events.md §1 (not wired into the bench yet)';
      rows.push(row('13 cli', `rclone copy (Box backend), ${count} files up and down`, 'not run', '', { note: why }));
      ctx.notes.push(`cli: rclone copy not run: ${why}.`);

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
      await rm(out, { force: true });
      rows.push(
        row('13 cli', `tranche download, ${formatSize(size)} (4 ranges in parallel, SHA-1 verified)`, round(mbPerSecond(size, tranche.wallMs)), 'MB/s', { note: `client CPU ${round(tranche.cpuSeconds, 2)} s` }),
        row('13 cli', `curl -o, ${formatSize(size)} (one stream, no check)`, round(mbPerSecond(size, curlMs)), 'MB/s'),
      );
      ctx.setting('cli', 'tree: 90 % 1–64 KiB, 9 % 256 KiB–2 MiB, 1 % 8–24 MiB; --transfers 8, --parallel 4 (default); warm page cache');
      return rows;
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
