/**
 * Issue 5 §4: download of a file, whole and in ranges, against a raw sequential read of the stored blob on the
 * same machine. The page cache cannot be dropped here (no root over the host's caches is assumed), so every
 * read is measured warm, and fincore's resident fraction is reported to show it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { BoxApi } from '../lib/box-api.mjs';
import { uploadFile } from '../lib/bench-uploader.mjs';
import { checkRange, largestFile, rangedGets, rawRead, wholeGet } from '../lib/downloads.mjs';
import { residentFraction } from '../lib/page-cache.mjs';
import { CLI_BIN, PROCS_DIR } from '../lib/paths.mjs';
import { cpuDuring } from '../lib/proc-stats.mjs';
import { runMeasured, startService } from '../lib/processes.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { formatSize, mbPerSecond, round, secondsPerGiB } from '../lib/units.mjs';

async function bareNodeGet(file, size) {
  const server = await startService([path.join(PROCS_DIR, 'file-server.mjs'), file], { ready: /file server listening on (\S+)/ });
  try {
    await wholeGet({ url: server.match[1], headers: {} }, size); // warm-up, as Tranche's server is warm by now
    return await wholeGet({ url: server.match[1], headers: {} }, size);
  } finally {
    await server.stop();
  }
}

export default {
  name: 'download',
  title: 'Download, whole and in ranges, against a raw read',
  async run(ctx) {
    const size = ctx.sizes.downloadBytes;
    const { rangeBytes, rangeParallel } = ctx.sizes;
    const file = await ctx.randomFile(size);
    const dataDir = await ctx.freshDir('download');
    const server = await startTranche({ dataDir: path.join(dataDir, 'data') });
    try {
      const api = new BoxApi(server.origin, server.token);
      ctx.log(`download: uploading ${formatSize(size)}`);
      const { file: stored } = await uploadFile(api, { file, size, name: 'download.bin' });
      const blob = await largestFile(path.join(dataDir, 'data'));
      if (blob?.size !== size) throw new Error(`stored blob not found under ${dataDir} (largest: ${blob?.size} bytes)`);
      const source = await api.contentUrl(stored.id);
      await checkRange(source, file, Math.floor(size / 2 / 4096) * 4096, Math.min(rangeBytes, size / 2));

      const resident = await residentFraction(blob.file);
      ctx.log('download: raw read, whole GET, ranged GETs, CLI download');
      const rawMs = await rawRead(blob.file);
      const bareMs = await bareNodeGet(blob.file, size);
      const whole = await cpuDuring(server.pid, () => wholeGet(source, size));
      const ranged = await cpuDuring(server.pid, () => rangedGets(source, size, rangeBytes, rangeParallel));
      const output = path.join(dataDir, 'downloaded.bin');
      const cli = await runMeasured([CLI_BIN, 'download', stored.id, '-o', output, '--server', server.origin, '--token', server.token], { usageDir: dataDir });
      await rm(output, { force: true });

      const raw = mbPerSecond(size, rawMs);
      const bare = mbPerSecond(size, bareMs);
      const rates = { whole: mbPerSecond(size, whole.result), ranged: mbPerSecond(size, ranged.result), cli: mbPerSecond(size, cli.wallMs) };
      const warm = resident === null ? 'fincore unavailable' : `${round(resident * 100)}% of the blob in the page cache before reading`;
      ctx.setting('download', `whole: one GET, body counted and discarded; ranges: ${formatSize(rangeBytes)}, ${rangeParallel} in parallel; CLI: tranche download (writes the file, verifies SHA-1); all reads warm`);
      return [
        row('4 download', `raw sequential read of the stored blob, ${formatSize(size)}`, round(raw), 'MB/s', { note: `8 MiB reads; warm: ${warm}` }),
        row('4 download', 'bare node:http GET of the same blob (createReadStream, 1 MiB chunks)', round(bare), 'MB/s', { note: 'the loopback ceiling for serving a file from Node' }),
        row('4 download', 'HTTP GET whole', round(rates.whole), 'MB/s', { note: `server CPU ${round(secondsPerGiB(whole.cpuSeconds, size), 2)} s/GiB; ${round((100 * rates.whole) / bare)}% of the bare node:http GET` }),
        row('4 download', 'HTTP GET whole / raw read', round((100 * rates.whole) / raw), '%', { target: 'whole download ≥ 80% of raw sequential read', met: rates.whole >= 0.8 * raw }),
        row('4 download', `HTTP GET ${formatSize(rangeBytes)} ranges × ${rangeParallel} parallel`, round(rates.ranged), 'MB/s', { note: `server CPU ${round(secondsPerGiB(ranged.cpuSeconds, size), 2)} s/GiB` }),
        row('4 download', 'HTTP ranges / raw read', round((100 * rates.ranged) / raw), '%', { target: 'ranged download ≥ 80% of raw sequential read', met: rates.ranged >= 0.8 * raw }),
        row('4 download', 'tranche download (CLI, to disk, SHA-1 verified)', round(rates.cli), 'MB/s', { note: `client CPU ${round(secondsPerGiB(cli.cpuSeconds, size), 2)} s/GiB; ${round((100 * rates.cli) / raw)}% of raw read` }),
      ];
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
