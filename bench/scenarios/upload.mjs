/**
 * Issue 5 §1: a random file from the Tranche CLI to the Tranche server (defaults: server-chosen 8 MiB parts,
 * parallel 4) against @tus/server + @tus/file-store fed by tus-js-client. Runs alternate Tranche and tus
 * (so both see the same background load); each figure is the median of the runs.
 */
import { row } from '../lib/rows.mjs';
import { trancheUpload, tusUpload } from '../lib/upload-runs.mjs';
import { MB, formatSize, mbPerSecond, median, round, secondsPerGiB } from '../lib/units.mjs';

function summarise(runs, bytes) {
  return {
    rate: median(runs.map((r) => mbPerSecond(bytes, r.wallMs))),
    rates: runs.map((r) => round(mbPerSecond(bytes, r.wallMs))),
    serverCpu: median(runs.map((r) => secondsPerGiB(r.serverCpu, bytes))),
    clientCpu: median(runs.map((r) => secondsPerGiB(r.clientCpu, bytes))),
    serverPeakRss: Math.max(...runs.map((r) => r.serverPeakRss)) / MB,
    clientPeakRss: Math.max(...runs.map((r) => r.clientPeakRss)) / MB,
  };
}

export default {
  name: 'upload',
  title: 'Upload, CLI to server, against the tus baseline',
  async run(ctx) {
    const bytes = ctx.sizes.uploadBytes;
    const file = await ctx.randomFile(bytes);
    await ctx.sha1(file, bytes);
    const tranche = [];
    const tus = [];
    for (let i = 0; i < ctx.sizes.uploadRuns; i++) {
      ctx.log(`upload ${formatSize(bytes)}: run ${i + 1}/${ctx.sizes.uploadRuns} tranche`);
      tranche.push(await trancheUpload(ctx, file, bytes));
      ctx.log(`upload ${formatSize(bytes)}: run ${i + 1}/${ctx.sizes.uploadRuns} tus`);
      tus.push(await tusUpload(ctx, file, bytes));
    }
    const t = summarise(tranche, bytes);
    const b = summarise(tus, bytes);
    const ratio = t.rate / b.rate;
    ctx.figures.set('upload.tranche', t.rate);
    ctx.setting('upload (Tranche)', `CLI defaults: part size chosen by the server (8 MiB for ${formatSize(bytes)}), 4 parts in parallel, SHA-1 per part and for the whole file, fdatasync before each part is acknowledged, server log level info`);
    ctx.setting('upload (tus baseline)', 'tus-js-client from an fs.ReadStream, chunkSize default (Infinity: one streaming PATCH), parallelUploads 1 (@tus/file-store has no concatenation), no checksum, no fsync');
    const runs = `${ctx.sizes.uploadRuns} run(s), median`;
    const rows = [
      row('1 upload', `Tranche upload ${formatSize(bytes)}`, round(t.rate), 'MB/s', { note: `${runs}; runs: ${t.rates.join(', ')}; wall time of the client process` }),
      row('1 upload', 'Tranche server CPU', round(t.serverCpu, 2), 's/GiB', { note: 'utime+stime of all threads, /proc' }),
      row('1 upload', 'Tranche server peak RSS', round(t.serverPeakRss), 'MB', { note: 'VmHWM' }),
      row('1 upload', 'Tranche client CPU', round(t.clientCpu, 2), 's/GiB', { note: `client peak RSS ${round(t.clientPeakRss)} MB` }),
      row('1 upload', `tus upload ${formatSize(bytes)}`, round(b.rate), 'MB/s', { note: `${runs}; runs: ${b.rates.join(', ')}` }),
      row('1 upload', 'tus server CPU', round(b.serverCpu, 2), 's/GiB'),
      row('1 upload', 'tus server peak RSS', round(b.serverPeakRss), 'MB', { note: 'VmHWM' }),
      row('1 upload', 'tus client CPU', round(b.clientCpu, 2), 's/GiB', { note: `client peak RSS ${round(b.clientPeakRss)} MB` }),
      row('1 upload', 'ratio Tranche / tus (MB/s)', round(ratio, 2), '×', { target: 'upload ≥ 1.5× the tus baseline', met: ratio >= 1.5 }),
    ];
    for (const [key, label] of [['ceiling.put', 'loopback HTTP PUT'], ['ceiling.write', 'synced sequential write'], ['ceiling.sha1', 'SHA-1 one core']]) {
      const ceiling = ctx.figures.get(key);
      if (ceiling) rows.push(row('1 upload', `Tranche upload / ${label} ceiling`, round((100 * t.rate) / ceiling), '%'));
    }
    return rows;
  },
};
