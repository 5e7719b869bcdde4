/** Download measurements: raw sequential file read, one whole HTTP GET, ranged GETs in parallel lanes. */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { request } from './http.mjs';
import { MiB } from './units.mjs';

/** Reads the whole file with 8 MiB reads into one buffer; returns milliseconds. */
export async function rawRead(file) {
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(8 * MiB);
  const started = performance.now();
  try {
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return performance.now() - started;
}

/** One GET of the whole content; the body is counted, not kept. Returns milliseconds. */
export async function wholeGet({ url, headers }, size) {
  const started = performance.now();
  const answer = await request(url, { headers, sink: 'count' });
  if (answer.status !== 200 || answer.bytes !== size) throw new Error(`whole download: HTTP ${answer.status}, ${answer.bytes} of ${size} bytes`);
  return performance.now() - started;
}

/** GETs of `rangeBytes` ranges, `parallel` at a time, over keep-alive connections. Returns milliseconds. */
export async function rangedGets({ url, headers }, size, rangeBytes, parallel) {
  let next = 0;
  const lane = async () => {
    while (next < size) {
      const start = next;
      next += rangeBytes;
      const end = Math.min(start + rangeBytes, size) - 1;
      const answer = await request(url, { headers: { ...headers, range: `bytes=${start}-${end}` }, sink: 'count' });
      if (answer.status !== 206 || answer.bytes !== end - start + 1) throw new Error(`range ${start}-${end}: HTTP ${answer.status}, ${answer.bytes} bytes`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, lane));
  return performance.now() - started;
}

/** Compares one range of the download with the same bytes of the source file. */
export async function checkRange({ url, headers }, file, start, length) {
  const answer = await request(url, { headers: { ...headers, range: `bytes=${start}-${start + length - 1}` } });
  const expected = Buffer.allocUnsafe(length);
  const handle = await open(file, 'r');
  try {
    await handle.read(expected, 0, length, start);
  } finally {
    await handle.close();
  }
  if (answer.status !== 206 || !answer.body.equals(expected)) throw new Error(`range at ${start} differs from the source file`);
}

/** The largest file under `dir`: the stored blob of the one file uploaded to a fresh server. */
export async function largestFile(dir) {
  let best = null;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const { size } = await stat(file);
    if (!best || size > best.size) best = { file, size };
  }
  return best;
}
