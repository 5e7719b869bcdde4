/**
 * What each piece of a browser upload costs Chromium, in CPU-seconds per GiB, measured apart: reading a `File` in
 * a worker (per-part default streams, one default stream, one BYOB stream), allocating buffers, hashing (hash-wasm,
 * Web Crypto), and PUTting (`File` slices, bytes, a `Blob` of bytes) to a sink in this process that discards them.
 * Chromium runs with no DevTools agent but Page (chromium-pipe.mjs). A diagnostic for docs/WEB.md, not a benchmark.
 * `node bench/web-pieces.mjs [MiB=512] [piece,...]`
 */
import http from 'node:http';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromiumPipe } from './lib/chromium-pipe.mjs';
import { cpuBetween, cpuOf, descendantsMatching } from './lib/process-tree.mjs';
import { writeRandomFile } from './lib/random-file.mjs';

const MiB = 1 << 20;
const size = Number(process.argv[2] ?? 512) * MiB;
const PIECES = {
  'read: default stream per 8 MiB part': 'streamParts',
  'read: one default stream': 'streamWhole',
  'read: one BYOB stream, reused 1 MiB buffer': 'byob',
  'fill a fresh 1 MiB ArrayBuffer per MiB, no I/O': 'allocate',
  'fill one reused 1 MiB ArrayBuffer per MiB, no I/O': 'reuse',
  'hash-wasm SHA-1 of an 8 MiB buffer per 8 MiB, no I/O': 'wasm',
  'Web Crypto SHA-1 of an 8 MiB buffer per 8 MiB, no I/O': 'subtle',
  'PUT File.slice() bodies, 4 in flight': 'putSlices',
  'PUT 8 MiB Uint8Array bodies read in the worker, 4 in flight': 'putBytes',
  'PUT a Blob made in the worker of each 8 MiB read, 4 in flight': 'putBlobs',
};
const only = process.argv[3]?.split(',');

const WORKER = `
importScripts('/sha1.js');
const PART = 8 << 20;
let file;
// Chromium loses a byte stream to the collector while a BYOB read is pending unless it is held (blob-reader.ts).
let held;
const byobReader = () => (held = file.stream()).getReader({ mode: 'byob' });
async function byobParts(each) {
  const reader = byobReader();
  let buffer = new ArrayBuffer(PART);
  for (let at = 0; at < file.size; at += PART) {
    const want = Math.min(PART, file.size - at);
    for (let got = 0; got < want; ) {
      const { done, value } = await reader.read(new Uint8Array(buffer, got, Math.min(1 << 20, want - got)));
      if (done) throw new Error('short read');
      buffer = value.buffer;
      got += value.byteLength;
    }
    await each(new Uint8Array(buffer, 0, want));
  }
}
function sending() {
  const inFlight = new Set();
  return {
    async add(body) {
      const put = fetch('/sink', { method: 'PUT', body }).then((r) => r.text()).finally(() => inFlight.delete(put));
      inFlight.add(put);
      if (inFlight.size >= 4) await Promise.race(inFlight);
    },
    done: () => Promise.all(inFlight),
  };
}
const pieces = {
  async streamParts() { for (let at = 0; at < file.size; at += PART) { const reader = file.slice(at, at + PART).stream().getReader(); while (!(await reader.read()).done); } },
  async streamWhole() { const reader = file.stream().getReader(); while (!(await reader.read()).done); },
  async byob() { const reader = byobReader(); let buffer = new ArrayBuffer(1 << 20); for (;;) { const { done, value } = await reader.read(new Uint8Array(buffer)); if (done) break; buffer = value.buffer; } },
  async allocate() { for (let i = 0; i < file.size / (1 << 20); i++) new Uint8Array(1 << 20).fill(i); },
  async reuse() { const bytes = new Uint8Array(1 << 20); for (let i = 0; i < file.size / (1 << 20); i++) bytes.fill(i); },
  async wasm() { const bytes = new Uint8Array(PART).fill(7); const h = await hashwasm.createSHA1(); for (let at = 0; at < file.size; at += PART) { h.init(); h.update(bytes); h.digest('hex'); } },
  async subtle() { const bytes = new Uint8Array(PART).fill(7); for (let at = 0; at < file.size; at += PART) await crypto.subtle.digest('SHA-1', bytes); },
  async putSlices() { const s = sending(); for (let at = 0; at < file.size; at += PART) await s.add(file.slice(at, at + PART)); await s.done(); },
  async putBytes() { const s = sending(); await byobParts((bytes) => s.add(bytes.slice())); await s.done(); },
  async putBlobs() { const s = sending(); await byobParts((bytes) => s.add(new Blob([bytes]))); await s.done(); },
};
onmessage = async ({ data }) => {
  if (data.file) { file = data.file; postMessage('ready'); return; }
  try { await pieces[data.piece](); postMessage('done'); } catch (error) { postMessage('failed: ' + error); }
};`;
const PAGE = `<!doctype html><title>pieces</title><input type="file" id="file"><script>
const worker = new Worker('/worker.js');
const ask = (message) => new Promise((resolve) => { worker.onmessage = (event) => resolve(event.data); worker.postMessage(message); });
window.give = () => ask({ file: document.getElementById('file').files[0] });
window.run = (piece) => ask({ piece });
</script>`;

const sha1Script = await readFile(createRequire(import.meta.url).resolve('hash-wasm/dist/sha1.umd.min.js'));
let sunk = 0;
const sink = http.createServer((request, response) => {
  const send = (type, body) => response.writeHead(200, { 'content-type': type }).end(body);
  if (request.url === '/sink') {
    request.on('data', (chunk) => (sunk += chunk.length));
    request.on('end', () => send('text/plain', 'ok'));
  } else if (request.url === '/worker.js') send('text/javascript', WORKER);
  else if (request.url === '/sha1.js') send('text/javascript', sha1Script);
  else send('text/html', PAGE);
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const file = path.join(tmpdir(), `web-pieces-${process.pid}.bin`);
await writeRandomFile(file, size);
const browser = await launchChromiumPipe();
try {
  await browser.goto(`http://127.0.0.1:${sink.address().port}/`);
  await browser.setInputFiles('#file', [file]);
  await browser.evaluate('window.give()');
  const gib = size / (1 << 30);
  console.log(`${size / MiB} MiB file; CPU-seconds per GiB: Chromium (all processes) + this process's sink`);
  for (const [label, piece] of Object.entries(PIECES)) {
    if (only && !only.includes(piece)) continue;
    const pids = await descendantsMatching(process.pid, /chrom/);
    const before = await cpuOf(pids);
    const sinkBefore = process.cpuUsage();
    sunk = 0;
    const started = performance.now();
    const outcome = await browser.evaluate(`window.run(${JSON.stringify(piece)})`);
    const seconds = (performance.now() - started) / 1000;
    const chromium = cpuBetween(before, await cpuOf(await descendantsMatching(process.pid, /chrom/)));
    const sinkUsage = process.cpuUsage(sinkBefore);
    const sinkCpu = (sinkUsage.user + sinkUsage.system) / 1e6;
    if (outcome !== 'done') throw new Error(`${label}: ${outcome}`);
    if (piece.startsWith('put') && sunk !== size) throw new Error(`${label}: the sink got ${sunk} of ${size} bytes`);
    const rate = (size / 1e6 / seconds).toFixed(0).padStart(5);
    console.log(`${label.padEnd(64)} ${rate} MB/s  Chromium ${(chromium / gib).toFixed(2).padStart(6)}${piece.startsWith('put') ? `  sink ${(sinkCpu / gib).toFixed(2)}` : ''}`);
  }
} finally {
  await browser.close();
  sink.close();
  await rm(file, { force: true });
}
