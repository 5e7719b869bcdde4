/**
 * Issue 5 §1 ceilings, measured in the same run as everything else: SHA-1 on one core, sequential writes with
 * an fdatasync per 8 MiB (the durability Tranche gives each part), and loopback HTTP PUT into a bare sink.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { request } from '../lib/http.mjs';
import { PROCS_DIR } from '../lib/paths.mjs';
import { cpuSeconds } from '../lib/proc-stats.mjs';
import { startService } from '../lib/processes.mjs';
import { row } from '../lib/rows.mjs';
import { MiB, formatSize, mbPerSecond, round } from '../lib/units.mjs';

const BLOCK = 8 * MiB;

function randomBlock() {
  return randomFillSync(Buffer.allocUnsafe(BLOCK));
}

function sha1Rate(bytes) {
  const block = randomBlock();
  const hash = createHash('sha1');
  const started = performance.now();
  for (let done = 0; done < bytes; done += BLOCK) hash.update(block);
  hash.digest();
  return mbPerSecond(bytes, performance.now() - started);
}

/** Sequential 8 MiB writes; `syncEvery`: fdatasync after every that many bytes, and once at the end (0: never). */
async function writeRate(dir, bytes, syncEvery) {
  const file = path.join(dir, 'ceiling-write.bin');
  const block = randomBlock();
  const handle = await open(file, 'w');
  const started = performance.now();
  try {
    for (let offset = 0; offset < bytes; offset += BLOCK) {
      await handle.write(block, 0, BLOCK, offset);
      if (syncEvery && (offset + BLOCK) % syncEvery === 0) await handle.datasync();
    }
    if (syncEvery) await handle.datasync();
  } finally {
    await handle.close();
  }
  const rate = mbPerSecond(bytes, performance.now() - started);
  await rm(file, { force: true });
  return rate;
}

/** PUTs of 8 MiB, 4 at a time over keep-alive connections, like Tranche's client, into a sink process. */
/**
 * The same with hash-wasm, the WebAssembly SHA-1 the server's whole-file hasher uses (for its saveable state);
 * resolved from the repository's node_modules, so null when the server's dependencies are not installed.
 */
async function wasmSha1Rate(bytes) {
  let createSHA1;
  try {
    ({ createSHA1 } = await import('hash-wasm'));
  } catch {
    return null;
  }
  const block = randomBlock();
  const hash = await createSHA1();
  hash.init();
  const started = performance.now();
  for (let done = 0; done < bytes; done += BLOCK) hash.update(block);
  hash.digest();
  return mbPerSecond(bytes, performance.now() - started);
}

async function loopbackPutRate(bytes, parallel) {
  const sink = await startService([path.join(PROCS_DIR, 'http-sink.mjs')], { ready: /sink listening on (\S+)/ });
  try {
    const url = sink.match[1];
    const block = randomBlock();
    let next = 0;
    const cpuBefore = await cpuSeconds(sink.pid);
    const started = performance.now();
    const lane = async () => {
      while (next < bytes) {
        next += BLOCK;
        const answer = await request(url, { method: 'PUT', body: block, headers: { 'content-length': String(BLOCK) } });
        if (answer.status !== 200 || JSON.parse(answer.body).bytes !== BLOCK) throw new Error(`sink answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    const ms = performance.now() - started;
    return { rate: mbPerSecond(bytes, ms), sinkCpu: (await cpuSeconds(sink.pid)) - cpuBefore };
  } finally {
    await sink.stop();
  }
}

export default {
  name: 'ceilings',
  title: 'Ceilings of this machine',
  async run(ctx) {
    const bytes = ctx.sizes.ceilingBytes;
    const size = formatSize(bytes);
    ctx.log(`ceilings: SHA-1, synced writes, loopback PUT over ${size}`);
    const sha1 = sha1Rate(bytes);
    const wasmSha1 = await wasmSha1Rate(bytes);
    const write = await writeRate(ctx.scratchDir, bytes, BLOCK);
    const oneSync = await writeRate(ctx.scratchDir, bytes, bytes);
    const noSync = await writeRate(ctx.scratchDir, bytes, 0);
    const put = await loopbackPutRate(bytes, 4);
    ctx.figures.set('ceiling.sha1', sha1);
    ctx.figures.set('ceiling.write', write);
    ctx.figures.set('ceiling.put', put.rate);
    return [
      row('ceilings', 'SHA-1, one core (node:crypto)', round(sha1), 'MB/s', { note: `${size} in 8 MiB updates` }),
      ...(wasmSha1 === null ? [] : [row('ceilings', 'SHA-1, one core (hash-wasm, as the server\'s whole-file hasher)', round(wasmSha1), 'MB/s', { note: `${size} in 8 MiB updates` })]),
      row('ceilings', 'sequential write + fdatasync per 8 MiB', round(write), 'MB/s', { note: `${size} in 8 MiB writes, scratch dir's file system (Tranche's durability: one fdatasync per 8 MiB part)` }),
      row('ceilings', 'sequential write + one fdatasync at the end', round(oneSync), 'MB/s', { note: `${size}: what the device sustains when flushes are batched` }),
      row('ceilings', 'sequential write, no fdatasync (page cache)', round(noSync), 'MB/s', { note: `${size}: what a store that never syncs (the tus file store) is bounded by` }),
      row('ceilings', 'loopback HTTP PUT into a bare node:http sink', round(put.rate), 'MB/s', {
        note: `${size} as 8 MiB PUTs, 4 in parallel; sink CPU ${round(put.sinkCpu, 2)} s`,
      }),
    ];
  },
};
