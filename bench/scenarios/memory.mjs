/**
 * Issue 5 §3: memory under concurrency. A fresh server per part size; 32 sessions are created, then part 0 of
 * each is PUT at the same time (one shared random buffer on the client side). Figure: the server's VmHWM.
 */
import { randomFillSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { BoxApi, sha1Base64 } from '../lib/box-api.mjs';
import { memory } from '../lib/proc-stats.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { MB, formatSize, mbPerSecond, round } from '../lib/units.mjs';

const SAMPLE_EVERY_MS = 20;

async function concurrentParts(ctx, partSize, concurrency) {
  const dataDir = await ctx.freshDir(`memory-${partSize}`);
  const server = await startTranche({ dataDir, serveArgs: ['--part-size', String(partSize)] });
  try {
    const api = new BoxApi(server.origin, server.token);
    const fileSize = 3 * partSize; // above the 20,000,000-byte chunked minimum for 8 MiB parts
    const sessions = [];
    for (let i = 0; i < concurrency; i++) sessions.push(await api.createSession({ fileName: `memory-${i}.bin`, fileSize }));
    if (sessions.some((s) => s.part_size !== partSize)) throw new Error(`server chose part size ${sessions[0].part_size}, not ${partSize}`);
    const body = randomFillSync(Buffer.allocUnsafe(partSize));
    const digest = sha1Base64(body);
    const before = await memory(server.pid);
    let sampledPeak = before.rssBytes;
    const sampler = setInterval(() => {
      memory(server.pid).then((m) => (sampledPeak = Math.max(sampledPeak, m.rssBytes)), () => undefined);
    }, SAMPLE_EVERY_MS);
    const started = performance.now();
    try {
      await Promise.all(sessions.map((session) => api.uploadPart(session, { offset: 0, body, digest })));
    } finally {
      clearInterval(sampler);
    }
    const ms = performance.now() - started;
    const after = await memory(server.pid);
    return { before: before.rssBytes, peak: after.peakRssBytes, sampledPeak, rate: mbPerSecond(partSize * concurrency, ms) };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export default {
  name: 'memory',
  title: 'Server memory under concurrent part uploads',
  async run(ctx) {
    const concurrency = ctx.sizes.memoryConcurrency;
    const rows = [];
    const peaks = [];
    for (const partSize of ctx.sizes.memoryPartSizes) {
      ctx.log(`memory: ${concurrency} simultaneous ${formatSize(partSize)} parts`);
      const m = await concurrentParts(ctx, partSize, concurrency);
      peaks.push(m.peak);
      rows.push(
        row('3 memory', `server peak RSS, ${concurrency} × ${formatSize(partSize)} parts at once`, round(m.peak / MB), 'MB', {
          note: `VmHWM; RSS before the PUTs ${round(m.before / MB)} MB; sampled peak during them ${round(m.sampledPeak / MB)} MB; ${round(m.rate)} MB/s in all`,
          target: 'server peak RSS < 200 MB',
          met: m.peak < 200 * MB,
        }),
      );
    }
    if (peaks.length >= 2) {
      const growth = peaks.at(-1) / peaks[0];
      const sizes = ctx.sizes.memoryPartSizes;
      rows.push(
        row('3 memory', `peak RSS ${formatSize(sizes.at(-1))} parts / ${formatSize(sizes[0])} parts`, round(growth, 2), '×', {
          note: 'flat if ≤ 1.10 (within the noise of heap growth)',
          target: 'peak RSS not growing with part size',
          met: growth <= 1.1,
        }),
      );
    }
    ctx.setting('memory', `${concurrency} sessions, one PUT each at once, fixed --part-size per server (${ctx.sizes.memoryPartSizes.map(formatSize).join(', ')})`);
    return rows;
  },
};
