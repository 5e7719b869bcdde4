/**
 * Summarises V8 .cpuprofile files (written by node --cpu-prof): self time per function and per category, so
 * RESULTS.md can say where the time goes without opening a flame graph. Open the files themselves in Chrome
 * DevTools (Performance) or speedscope for the full picture.
 */
import { readFile } from 'node:fs/promises';

/**
 * Native bindings show with no URL; these names say what they do (see node's src/*.cc). Socket writes:
 * stream_wrap's writev/writeBuffer/...; file system: fs bindings (FileHandle.writev is fs `writeBuffers`).
 * `writeBuffer` exists in both; it is counted as a socket write because Tranche writes files with writev.
 */
const SOCKET_BINDINGS = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'readStart', 'readStop', 'shutdown']);
const FS_BINDINGS = new Set(['open', 'openFileHandle', 'read', 'readBuffers', 'write', 'writeBuffers', 'writeString', 'fsync', 'fdatasync', 'close', 'fstat', 'stat', 'lstat', 'ftruncate', 'rename', 'unlink', 'mkdir', 'readdir', 'internalModuleStat']);

/** Categories, first match wins: [name, test(callFrame)]. */
const CATEGORIES = [
  ['idle (waiting for I/O)', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['native, outside JS (syscalls, libuv, V8)', (f) => f.functionName === '(program)'],
  ['startup: loading modules', (f) => /internal\/modules|cjs-module-lexer|internal\/bootstrap|internal\/main/.test(f.url)],
  ['SHA-1 / crypto', (f) => /internal\/crypto|node:crypto|hash-wasm|^wasm:/.test(f.url) || /sha1|SHA1/.test(f.functionName)],
  ['file system', (f) => /internal\/fs|node:fs/.test(f.url) || (!f.url && FS_BINDINGS.has(f.functionName))],
  ['sockets / HTTP (node core)', (f) => /node:(net|_http|http|https|stream_base)|internal\/(http|stream_base_commons|net|tls)/.test(f.url) || (!f.url && SOCKET_BINDINGS.has(f.functionName))],
  ['streams (node core)', (f) => /internal\/streams|node:stream/.test(f.url)],
  ['buffers (node core)', (f) => /node:buffer|internal\/buffer/.test(f.url)],
  ['promises, microtasks, timers', (f) => f.functionName === 'runMicrotasks' || /internal\/(process\/task_queues|timers)|node:timers/.test(f.url)],
  ['SQLite (better-sqlite3, kysely)', (f) => /better-sqlite3|kysely/.test(f.url)],
  ['fastify and its plugins', (f) => /node_modules\/(@fastify|fastify|find-my-way|light-my-request|avvio|fast-json-stringify|ajv)/.test(f.url)],
  ['logging (pino)', (f) => /node_modules\/(pino|sonic-boom|thread-stream)/.test(f.url)],
  ['HTTP client (undici / fetch)', (f) => /undici/.test(f.url)],
  ['Tranche server code', (f) => /packages\/server\//.test(f.url)],
  ['Tranche client code', (f) => /packages\/(client|cli)\//.test(f.url)],
  ['other node core', (f) => /^node:/.test(f.url)],
  ['other (native bindings, dependencies)', () => true],
];

const categoryOf = (frame) => CATEGORIES.find(([, test]) => test(frame))[0];

function shortUrl(url) {
  if (!url) return '';
  const packages = url.indexOf('/packages/');
  if (packages >= 0) return url.slice(packages + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  return url.replace(/^file:\/\//, '');
}

/** { totalMs, busyMs, functions: [{ name, where, caller, category, ms }], categories: [{ category, ms }] } */
export async function summariseProfile(file) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // The nearest Tranche frame above a node: says which of Tranche's calls a library or binding ran for.
  const trancheCaller = (id) => {
    for (let current = parents.get(id); current !== undefined; current = parents.get(current)) {
      const frame = nodes.get(current).callFrame;
      if (frame.url.includes('/packages/')) return `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    }
    return '';
  };
  const selfMicros = new Map();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map();
  const byCategory = new Map();
  for (const [id, micros] of selfMicros) {
    const frame = nodes.get(id).callFrame;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const caller = frame.url.includes('/packages/') ? '' : trancheCaller(id);
    const key = `${frame.functionName || '(anonymous)'} ${where} ${caller}`;
    const category = categoryOf(frame);
    const entry = byFunction.get(key) ?? { name: frame.functionName || '(anonymous)', where, caller, category, ms: 0 };
    entry.ms += micros / 1000;
    byFunction.set(key, entry);
    byCategory.set(category, (byCategory.get(category) ?? 0) + micros / 1000);
  }
  const totalMs = [...byCategory.values()].reduce((a, b) => a + b, 0);
  const busyMs = totalMs - (byCategory.get('idle (waiting for I/O)') ?? 0);
  return {
    totalMs,
    busyMs,
    functions: [...byFunction.values()].sort((a, b) => b.ms - a.ms),
    categories: [...byCategory.entries()].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms),
  };
}
