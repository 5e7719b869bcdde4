/**
 * The page's SHA-1 worker (serveSha1Worker, bundled as the page bundles it) in real headless Chromium, reading a
 * 256 MiB File part by part while its isolate collects garbage every few milliseconds (`gc()` exposed through
 * --js-flags): every part's digest arrives, none stalls, and the whole-file SHA-1 is the file's. Chromium 156 loses
 * a Blob's byte stream to the collector while a BYOB read on it is pending unless something else holds the stream;
 * the read then never settles. Without blob-reader.ts holding its streams this test stalls.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchErrors } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/server.js';

const SIZE = 256 * 1024 * 1024 + 12_345;
const PART = 8 * 1024 * 1024;

/**
 * In the page: the worker started as the page starts it (a blob: URL), given the File, asked for every part in
 * order (the whole-file hash fed, its state saved every 4th part) with a range read on its own half-way (the
 * resume check), then for the digest. A request unanswered for `stallMs` is a stall.
 */
const PAGE_SCRIPT = `
window.readAll = async (part, stallMs) => {
  const source = document.querySelector('input').files[0];
  const worker = new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' })));
  let id = 0;
  const call = (request) => new Promise((resolve, reject) => {
    const mine = id++;
    const timer = setTimeout(() => reject(new Error(request.op + ' ' + (request.start ?? '') + ' did not settle in ' + stallMs + ' ms')), stallMs);
    worker.addEventListener('message', function listener(event) {
      if (event.data.id !== mine) return;
      worker.removeEventListener('message', listener);
      clearTimeout(timer);
      if (event.data.ok) resolve(event.data.value);
      else reject(new Error(event.data.error));
    });
    worker.postMessage({ ...request, id: mine });
  });
  const parts = [];
  try {
    await call({ op: 'open', source });
    for (let start = 0; start < source.size; start += part) {
      if (start === 16 * part) parts.push('check:' + (await call({ op: 'range', start: 2 * part, end: 3 * part, whole: false, save: false })));
      parts.push(await call({ op: 'range', start, end: Math.min(source.size, start + part), whole: true, save: start % (4 * part) === 0 }));
    }
    return { parts, digest: await call({ op: 'digest' }) };
  } catch (error) {
    return { parts, stalled: String(error) };
  } finally {
    worker.terminate();
  }
};`;

let browser: Browser;
let page: http.Server;
let dir: string;
let file: { path: string; sha1: string; partSha1: string[] };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tranche-worker-reads-'));
  const whole = createHash('sha1');
  const parts: string[] = [];
  const out = createWriteStream(path.join(dir, 'big.bin'));
  for (let at = 0; at < SIZE; at += PART) {
    const chunk = randomBytes(Math.min(PART, SIZE - at));
    whole.update(chunk);
    parts.push(createHash('sha1').update(chunk).digest('hex'));
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  file = { path: path.join(dir, 'big.bin'), sha1: whole.digest('hex'), partSha1: parts };
  const worker = await esbuild.build({
    stdin: {
      contents: `import { serveSha1Worker } from '@tranche/client/browser/hash-worker';
serveSha1Worker(self);
setInterval(() => gc(), 3);`,
      resolveDir: REPO_ROOT,
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  const html = `<!doctype html><html lang="en"><title>worker reads</title><input type="file" aria-label="file">
<script>const WORKER_SOURCE = ${JSON.stringify(worker.outputFiles[0]!.text)};${PAGE_SCRIPT}</script></html>`;
  page = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser(['--js-flags=--expose-gc']);
});

after(async () => {
  await browser?.close();
  page?.close();
  await rm(dir, { recursive: true, force: true });
});

test('every part of a 256 MiB File is read and hashed in the worker while it collects garbage; none stalls', async () => {
  const tab = await browser.newPage();
  const errors = watchErrors(tab);
  await tab.goto(`http://127.0.0.1:${(page.address() as AddressInfo).port}/`);
  await tab.locator('input').setInputFiles(file.path);
  const result = (await tab.evaluate(`window.readAll(${PART}, 30000)`)) as { parts: string[]; digest?: string; stalled?: string };
  assert.equal(result.stalled, undefined, `after ${result.parts.length} parts`);
  const check = result.parts.filter((p) => p.startsWith('check:'));
  assert.deepEqual(check, [`check:${file.partSha1[2]}`]);
  assert.deepEqual(result.parts.filter((p) => !p.startsWith('check:')), file.partSha1);
  assert.equal(result.digest, file.sha1);
  assert.deepEqual(errors, []);
});
