/**
 * A CPU profile of the page's main thread during one upload (the web scenario's page, headless Chromium, CDP
 * Profiler): where the main thread's time goes, and the long tasks. Not a benchmark: a diagnostic.
 * `node bench/web-profile.mjs [MiB=256] [out.cpuprofile]` (after `npm run build`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { writeRandomFile } from './lib/random-file.mjs';
import { startTranche } from './lib/tranche.mjs';
import { CLI_BIN } from './lib/paths.mjs';
import { CHROMIUM, CHROMIUM_FLAGS, signedInPage } from './lib/web-page.mjs';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 256) * MiB;
const out = process.argv[3] ?? path.join(tmpdir(), 'web-upload.cpuprofile');
const dir = await mkdtemp(path.join(tmpdir(), 'web-profile-'));
const file = path.join(dir, 'upload.bin');
await writeRandomFile(file, size);
const server = await startTranche({ dataDir: path.join(dir, 'data') });
// `tranche upload` of the same file to the same server first: the ratio of this run (the machine is shared).
const cliStart = performance.now();
await promisify(execFile)(process.execPath, [CLI_BIN, 'upload', file, '--server', server.origin, '--token', server.token, '--json', '--state-dir', path.join(dir, 'state'), '--name', 'cli.bin']);
const cliRate = size / 1e6 / ((performance.now() - cliStart) / 1000);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
try {
  const page = await signedInPage(browser, server);
  if (process.env.WEB_CONSOLE) page.on('console', (m) => console.log('console:', m.text()));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  await page.evaluate(() => (window.__longTasks = []));
  const started = performance.now();
  await page.getByTestId('file-input').setInputFiles(file);
  const item = page.locator('.tr-item[data-path="upload.bin"]');
  await item.and(page.locator('[data-status="done"], [data-status="failed"]')).waitFor({ timeout: 3_600_000 });
  const ms = performance.now() - started;
  const { profile } = await cdp.send('Profiler.stop');
  await writeFile(out, JSON.stringify(profile));
  const longTasks = await page.evaluate(() => window.__longTasks);
  const pageRate = size / 1e6 / (ms / 1000);
  console.log(`${await item.getAttribute('data-status')}: page ${pageRate.toFixed(1)} MB/s, CLI ${cliRate.toFixed(1)} MB/s, ratio ${(pageRate / cliRate).toFixed(2)}; ${longTasks.length} long tasks ${JSON.stringify(longTasks.slice(0, 20))}`);
  // Self time per function, busiest first.
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const f = nodes.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const total = (profile.endTime - profile.startTime) / 1000;
  console.log(`profile ${total.toFixed(0)} ms, written to ${out}`);
  for (const [key, value] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${value.toFixed(0).padStart(8)} ms  ${key}`);
} finally {
  await browser.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
