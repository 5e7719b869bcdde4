/**
 * Folder listing at 5,000 items (issue 11): the time of a one-item page, before and after paging from the index.
 *   node bench/listing.mjs [items=5000]
 * "before" runs the listing query Tranche used until 004_lifecycle (count, then every child sorted by an expression
 * folders-first, name, id) on the same database; "after" is the store's listing now (offset and marker) and the
 * whole HTTP request against a real `tranche serve` on that data directory.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSqliteMetadataStore } from '@tranche/server';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages/cli/dist/bin.js');
const ITEMS = Number(process.argv[2] ?? 5000);
const RUNS = 200;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
async function timeMs(fn, runs = RUNS) {
  for (let i = 0; i < 10; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const dir = await mkdtemp(path.join(tmpdir(), 'tranche-listing-'));
try {
  const store = await openSqliteMetadataStore({ filename: path.join(dir, 'tranche.db') });
  const alice = await store.ensureUser('alice');
  const folder = await store.createFolder(alice.id, '0', 'big');
  const now = new Date();
  for (let i = 0; i < ITEMS; i++) {
    const name = `f${String((i * 7919) % ITEMS).padStart(6, '0')}.txt`;
    await store.createFile({ ownerId: alice.id, parentId: folder.value.id, name, description: '', contentCreatedAt: now, contentModifiedAt: now, sha1: 'a'.repeat(40), size: 1, blobKey: `objects/none-${i}` });
  }
  const after = await timeMs(() => store.listChildren(alice.id, folder.value.id, { offset: 0, limit: 1, sort: 'name', direction: 'ASC' }));
  const afterMarker = await timeMs(() => store.listChildrenAfter(alice.id, folder.value.id, null, 1));
  const afterDeep = await timeMs(() => store.listChildren(alice.id, folder.value.id, { offset: ITEMS - 1, limit: 1, sort: 'name', direction: 'ASC' }));
  await store.close();

  const db = new Database(path.join(dir, 'tranche.db'), { readonly: true });
  const count = db.prepare('select count(*) as count from items where owner_id = ? and parent_id = ?');
  const page = db.prepare(`select items.*, versions.id as v_id, versions.sha1 as v_sha1, versions.size as v_size from items
    left join versions on versions.id = items.version_id where items.owner_id = ? and items.parent_id = ?
    order by case when items.type = 'folder' then 0 else 1 end, items.name_key asc, items.id asc limit ? offset ?`);
  const before = await timeMs(() => {
    count.get(Number(alice.id), Number(folder.value.id));
    page.all(Number(alice.id), Number(folder.value.id), 1, 0);
  });
  db.close();

  // The whole request against a real server on this data directory.
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'token', 'create', '--user', 'alice', '--data-dir', dir]);
  const token = stdout.trim().split('\n').pop();
  const server = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dir, '--log-level', 'silent', '--rate-limit', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise((resolve) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) resolve(match[1]);
    });
  });
  const get = async (query, folderId = folder.value.id) => {
    const res = await fetch(`${origin}/2.0/folders/${folderId}/items?${query}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
  };
  // The same request on a folder of one item: what a request costs here apart from the folder's size.
  const httpBaseline = await timeMs(() => get('limit=1', '0'));
  const http = await timeMs(() => get('limit=1'));
  const httpMarker = await timeMs(() => get('limit=1&usemarker=true'));
  server.kill('SIGTERM');
  console.log(JSON.stringify({ items: ITEMS, medianMs: { beforeQuery: before, afterOffsetQuery: after, afterMarkerQuery: afterMarker, afterLastItemOffsetQuery: afterDeep, httpOneItemFolder: httpBaseline, afterHttpOffset: http, afterHttpMarker: httpMarker } }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
