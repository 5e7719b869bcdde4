/**
 * Issue 14: the browser uploader. The same random file uploaded from the page served by `tranche serve`, in
 * headless Chromium (Debian's chromium driven by playwright-core), and by `tranche upload`: the MB/s ratio,
 * main-thread long tasks (> 50 ms, PerformanceObserver 'longtask') during the page's upload, and the page's
 * peak JS heap (CDP Runtime.getHeapUsage every 250 ms), on the 1 GiB file and on a 4 GiB one. Also the browser's
 * own ceiling (a bare page PUTting the same parts, digests made beforehand: browser-ceiling.mjs) and the CPU each
 * run cost per GiB, browser or client and server apart: on two shared cores every upload here is CPU-bound, so
 * CPU per byte is what decides the ratios.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ceilingUpload, startCeilingPage } from '../lib/browser-ceiling.mjs';
import { cpuBetween, cpuOf, descendantsMatching } from '../lib/process-tree.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { trancheUpload } from '../lib/upload-runs.mjs';
import { MB, formatSize, mbPerSecond, round, secondsPerGiB } from '../lib/units.mjs';
import { CHROMIUM, CHROMIUM_FLAGS, signedInPage } from '../lib/web-page.mjs';


/** CPU seconds of the browser's processes and of the server while `work` runs. */
async function browserAndServerCpuDuring(server, work) {
  const browserPids = await descendantsMatching(process.pid, /chrom/);
  const before = await cpuOf([...browserPids, server.pid]);
  const result = await work();
  const after = await cpuOf([...(await descendantsMatching(process.pid, /chrom/)), server.pid]);
  const serverCpu = after.get(server.pid) - before.get(server.pid);
  return { ...result, browserCpu: cpuBetween(before, after) - serverCpu, serverCpu };
}

/** Chromium PUTting the file's parts from a bare page, digests computed beforehand (browser-ceiling.mjs). */
async function ceilingRun(ctx, file, size) {
  const dataDir = await ctx.freshDir('web-ceiling');
  const page0 = await startCeilingPage();
  const server = await startTranche({ dataDir: path.join(dataDir, 'data'), serveArgs: ['--cors-origin', page0.origin] });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(page0.origin);
    const run = await browserAndServerCpuDuring(server, () => ceilingUpload(page, server, file, size));
    const expected = await ctx.sha1(file, size);
    if (run.stored.sha1 !== expected || run.stored.size !== size) throw new Error(`the bare page stored sha1 ${run.stored.sha1} (${run.stored.size} B); the file has ${expected}`);
    return run;
  } finally {
    await browser.close();
    await server.stop();
    await page0.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function pageUpload(ctx, file, size) {
  const dataDir = await ctx.freshDir('web-upload');
  const server = await startTranche({ dataDir: path.join(dataDir, 'data') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  try {
    const page = await signedInPage(browser, server);
    const cdp = await page.context().newCDPSession(page);
    let peakHeap = 0;
    const sample = async () => {
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      peakHeap = Math.max(peakHeap, usedSize);
    };
    await sample();
    const heapBefore = peakHeap;
    const sampler = setInterval(() => void sample().catch(() => undefined), 250);
    await page.evaluate(() => (window.__longTasks = []));
    const { wallMs, browserCpu, serverCpu } = await browserAndServerCpuDuring(server, async () => {
      const started = performance.now();
      try {
        await page.getByTestId('file-input').setInputFiles(file);
        const name = path.basename(file);
        await page.locator(`.tr-item[data-path="${name}"]`).and(page.locator('[data-status="done"], [data-status="failed"]')).waitFor({ timeout: 3_600_000 });
        const status = await page.locator(`.tr-item[data-path="${name}"]`).getAttribute('data-status');
        if (status !== 'done') throw new Error(`the page's upload ended ${status}: ${await page.locator(`.tr-item[data-path="${name}"]`).innerText()}`);
      } finally {
        clearInterval(sampler);
      }
      return { wallMs: performance.now() - started };
    });
    const longTasks = await page.evaluate(() => window.__longTasks);
    const id = await page.locator(`.tr-item[data-path="${path.basename(file)}"]`).getAttribute('data-file-id');
    const record = await (await fetch(`${server.origin}/2.0/files/${id}`, { headers: { authorization: `Bearer ${server.token}` } })).json();
    const expected = await ctx.sha1(file, size);
    if (record.sha1 !== expected || record.size !== size) throw new Error(`the page stored sha1 ${record.sha1} (${record.size} B); the file has ${expected}`);
    return { wallMs, longTasks, peakHeap, heapBefore, browserCpu, serverCpu };
  } finally {
    await browser.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export default {
  name: 'web',
  title: 'Browser uploader (headless Chromium) against the CLI',
  async run(ctx) {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium, or set TRANCHE_CHROMIUM)`);
    const bytes = ctx.sizes.webBytes;
    const file = await ctx.randomFile(bytes);
    await ctx.sha1(file, bytes);
    ctx.log(`web: tranche upload of ${formatSize(bytes)}`);
    const cli = await trancheUpload(ctx, file, bytes);
    ctx.log(`web: bare page PUTting the parts of ${formatSize(bytes)} (the browser's ceiling)`);
    const ceiling = await ceilingRun(ctx, file, bytes);
    ctx.log(`web: page upload of ${formatSize(bytes)}`);
    const web = await pageUpload(ctx, file, bytes);
    const cliRate = mbPerSecond(bytes, cli.wallMs);
    const webRate = mbPerSecond(bytes, web.wallMs);
    const ceilingRate = mbPerSecond(bytes, ceiling.wallMs);
    const perGiB = (seconds) => round(secondsPerGiB(seconds, bytes), 2);
    const rows = [
      row('14 web', `page upload of ${formatSize(bytes)}`, round(webRate), 'MB/s', { note: `tranche upload of the same file: ${round(cliRate)} MB/s` }),
      row('14 web', 'page MB/s ÷ CLI MB/s', round(webRate / cliRate, 2), '×', { target: '≥ 0.8', met: webRate / cliRate >= 0.8 }),
      row('14 web', "bare page PUTting File slices (digests made beforehand) ÷ CLI: the browser's ceiling", round(ceilingRate / cliRate, 2), '×', {
        note: `${round(ceilingRate)} MB/s; no page can send faster in this browser here`,
      }),
      row('14 web', 'page MB/s ÷ bare page MB/s', round(webRate / ceilingRate, 2), '×', { note: 'what the page keeps of what the browser allows' }),
      row('14 web', 'CPU per GiB: page upload (Chromium + server)', perGiB(web.browserCpu + web.serverCpu), 's/GiB', {
        note: `Chromium ${perGiB(web.browserCpu)} (all its processes), server ${perGiB(web.serverCpu)}; bare page: Chromium ${perGiB(ceiling.browserCpu)}, server ${perGiB(ceiling.serverCpu)}`,
      }),
      row('14 web', 'CPU per GiB: tranche upload (client + server)', perGiB(cli.clientCpu + cli.serverCpu), 's/GiB', {
        note: `client ${perGiB(cli.clientCpu)}, server ${perGiB(cli.serverCpu)}`,
      }),
      row('14 web', `main-thread long tasks (> 50 ms) during the ${formatSize(bytes)} upload`, web.longTasks.length, 'tasks', {
        note: web.longTasks.length ? `durations ${web.longTasks.slice(0, 10).join(', ')} ms` : 'none',
        target: '0',
        met: web.longTasks.length === 0,
      }),
      row('14 web', `page peak JS heap, ${formatSize(bytes)} upload`, round(web.peakHeap / MB), 'MB', { note: `${round(web.heapBefore / MB)} MB before the upload; main thread's heap (CDP Runtime.getHeapUsage, 250 ms samples)` }),
    ];
    const heapBytes = ctx.sizes.webHeapBytes;
    if (heapBytes) {
      const big = await ctx.randomFile(heapBytes);
      await ctx.sha1(big, heapBytes);
      ctx.log(`web: page upload of ${formatSize(heapBytes)} for the heap`);
      const heavy = await pageUpload(ctx, big, heapBytes);
      rows.push(
        row('14 web', `page peak JS heap, ${formatSize(heapBytes)} upload`, round(heavy.peakHeap / MB), 'MB', {
          note: `${round(mbPerSecond(heapBytes, heavy.wallMs))} MB/s; ${heavy.longTasks.length} long tasks`,
          target: '< 300 MB',
          met: heavy.peakHeap < 300 * MB,
        }),
      );
    }
    ctx.setting('web', `page at / of tranche serve in headless ${CHROMIUM}, 4 parts in flight, server-chosen 8 MiB parts; CLI with its defaults`);
    return rows;
  },
};
