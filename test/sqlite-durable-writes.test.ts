/**
 * SQLite writes are durable before they are answered, without the fsync on the event loop: the store runs
 * `synchronous = NORMAL` and flushes the WAL on the thread pool (store/sqlite/wal-sync.ts) before a write's result
 * is handed back; a read made while a flush runs waits for it too. Observed through the real flush, held back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openSqliteMetadataStore, walSync, type MetadataStore, type WalSync } from '@tranche/server';

let dir: string;
let store: MetadataStore & { close(): Promise<void> };
let ownerId: string;
const flushes: Array<{ kind: 'write' | 'read'; release: () => void }> = [];
let holding = false;

/** The real WAL flush; while `holding`, each write's flush is held until released (the flush itself has run). */
function observed(file: string): WalSync {
  const real = walSync(file);
  let held: Promise<void> | undefined;
  return {
    afterWrite: () => {
      const flushed = real.afterWrite();
      if (!holding) return flushed;
      const gate = new Promise<void>((release) => flushes.push({ kind: 'write', release }));
      held = Promise.all([flushed, gate]).then(() => undefined);
      return held;
    },
    afterRead: () => (holding && held ? held : real.afterRead()),
    close: () => real.close(),
  };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tranche-durable-'));
  store = await openSqliteMetadataStore({ filename: path.join(dir, 'meta.db'), wal: observed });
  ownerId = (await store.ensureUser('dora')).id;
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

test('a write is answered only after its WAL flush; a read during that flush waits for it; a read otherwise does not', async () => {
  holding = true;
  const created = store.createFolder(ownerId, '0', 'kept');
  assert.equal(await settledWithin(created, 300), false, 'the write was answered before its flush');
  assert.equal(flushes.length, 1);
  const read = store.findChild(ownerId, '0', 'kept');
  assert.equal(await settledWithin(read, 200), false, 'a read answered ahead of the flush it may have seen');
  flushes[0]!.release();
  const result = await created;
  assert.ok(result.ok);
  assert.equal((await read)?.name, 'kept');
  holding = false;
  // Nothing in flight: a read goes straight through, and a read-only use of the store asks for no flush.
  const count = flushes.length;
  assert.equal(await settledWithin(store.findChild(ownerId, '0', 'kept'), 200), true);
  assert.equal(flushes.length, count);
});

test('a listing (a read) asks for no flush', async () => {
  holding = true;
  const before = flushes.length;
  const listed = await store.listChildren(ownerId, '0', { offset: 0, limit: 10, sort: 'name', direction: 'ASC' });
  assert.equal(flushes.length, before, 'a listing asked for a flush');
  assert.equal(listed.entries.length, 1);
  holding = false;
});
