/**
 * Issue 5 §2: commit latency against file size. Files of each size are uploaded in order through the API
 * (the bench's own uploader: 4 parts in parallel), and the commit request alone is timed, from the first POST
 * to the 201 (202 + Retry-After answers included, and counted). The median over the runs is reported.
 */
import { statfs, rm } from 'node:fs/promises';
import path from 'node:path';
import { BoxApi } from '../lib/box-api.mjs';
import { uploadFile } from '../lib/bench-uploader.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { GiB, formatSize, mbPerSecond, median, round } from '../lib/units.mjs';

const MARGIN = 1 * GiB;
/** Long enough for the server's whole-file hash to finish the last parts (32 MiB) even on a loaded machine. */
const PAUSE_MS = 3000;

async function freeBytes(dir) {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

export default {
  name: 'commit',
  title: 'Commit latency against file size',
  async run(ctx) {
    const sizes = ctx.sizes.commitSizes;
    const largest = Math.max(...sizes);
    // One random file of the largest size; smaller uploads send its first bytes.
    const needForSource = largest + MARGIN;
    if ((await freeBytes(ctx.scratchDir)) < needForSource + Math.min(...sizes)) {
      ctx.note(`commit: SKIPPED entirely, ${formatSize(needForSource)} free space needed for the source file`);
      return [];
    }
    const file = await ctx.randomFile(largest);
    const rows = [];
    const medians = new Map();
    for (const [index, size] of sizes.entries()) {
      const wanted = ctx.sizes.commitRuns[index];
      // Each size gets its own server and data dir, removed afterwards; the runs of one size all stay on disk.
      const free = await freeBytes(ctx.scratchDir);
      const runs = Math.min(wanted, Math.floor((free - MARGIN) / size));
      if (runs < 1) {
        ctx.note(`commit: ${formatSize(size)} SKIPPED, only ${formatSize(free)} free on the scratch file system`);
        continue;
      }
      if (runs < wanted) ctx.note(`commit: ${formatSize(size)} measured ${runs} time(s) instead of ${wanted}, for lack of disk space`);
      const dataDir = await ctx.freshDir(`commit-${size}`);
      const server = await startTranche({ dataDir });
      try {
        const api = new BoxApi(server.origin, server.token);
        const results = [];
        for (let i = 0; i < runs; i++) {
          ctx.log(`commit: ${formatSize(size)} run ${i + 1}/${runs}`);
          results.push(await uploadFile(api, { file, size, name: `commit-${size}-${i}.bin`, parallel: 4 }));
        }
        let pausedRow;
        if (index === 0) {
          // One more upload of the smallest size, committed after a pause: splits the commit's own work from
          // the wait for the whole-file hash to catch up with the last parts.
          ctx.log(`commit: ${formatSize(size)} with a ${PAUSE_MS / 1000} s pause before the commit`);
          const paused = await uploadFile(api, { file, size, name: `commit-${size}-paused.bin`, parallel: 4, pauseBeforeCommitMs: PAUSE_MS });
          pausedRow = row('2 commit', `commit after a ${PAUSE_MS / 1000} s pause (hash caught up), ${formatSize(size)}`, round(paused.commitMs, 1), 'ms', {
            note: 'one run; diagnostic, not a target: the difference from the median is the wait for the whole-file hash',
          });
        }
        const commitMs = median(results.map((r) => r.commitMs));
        medians.set(size, commitMs);
        const accepted = results.reduce((sum, r) => sum + r.commit202s, 0);
        rows.push(
          row('2 commit', `commit median, ${formatSize(size)}`, round(commitMs, 1), 'ms', {
            note: `${runs} run(s): ${results.map((r) => round(r.commitMs, 1)).join(', ')} ms; ${accepted} answer(s) 202 in all; ${results[0].parts} parts of ${formatSize(results[0].partSize)}; upload ${results.map((r) => round(mbPerSecond(size, r.uploadMs))).join(', ')} MB/s`,
            target: `commit median < 50 ms (${formatSize(size)})`,
            met: commitMs < 50,
          }),
        );
        if (pausedRow) rows.push(pausedRow);
      } finally {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    const [smallest, biggest] = [Math.min(...medians.keys()), Math.max(...medians.keys())];
    if (medians.size >= 2) {
      const ratio = medians.get(biggest) / medians.get(smallest);
      rows.push(
        row('2 commit', `commit median ${formatSize(biggest)} / ${formatSize(smallest)}`, round(ratio, 2), '×', {
          target: `commit ${formatSize(biggest)} within 2× of ${formatSize(smallest)}`,
          met: ratio <= 2,
        }),
      );
    }
    ctx.setting('commit', `bench uploader: parts of the server's size, 4 in parallel, read in order with the whole-file SHA-1 computed while reading; commit timed alone; ${sizes.map((size, i) => `${formatSize(size)} ×${ctx.sizes.commitRuns[i]}`).join(', ')} runs, median`);
    return rows;
  },
};
