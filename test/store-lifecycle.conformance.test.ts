/**
 * The lifecycle part of the MetadataStore contract (trash, restore, purge, copies, versions, keyset listings, blob
 * reference counts) on SQLite and PostgreSQL. On PostgreSQL, two stores with their own connections race purges and
 * copies of items sharing a blob: the blob is recorded as garbage exactly once, and never while a version names it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPostgresMetadataStore, openSqliteMetadataStore, type MetadataStore, type NewFile } from '@tranche/server';
import { createThrowawayDatabase } from './helpers/postgres.js';

interface Backend {
  stores: MetadataStore[];
  dispose(): Promise<void>;
}

const BACKENDS: Array<{ name: string; open(): Promise<Backend> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tranche-life-'));
      const store = await openSqliteMetadataStore({ filename: path.join(dir, 'meta.db') });
      return { stores: [store], dispose: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const database = await createThrowawayDatabase();
      const a = await openPostgresMetadataStore({ connectionString: database.url, maxConnections: 4 });
      const b = await openPostgresMetadataStore({ connectionString: database.url, maxConnections: 4 });
      return { stores: [a, b], dispose: async () => (await a.close(), await b.close(), await database.drop()) };
    },
  },
];

function newFile(ownerId: string, parentId: string, name: string, blobKey = `objects/${name}-${Math.random()}`): NewFile {
  const now = new Date();
  return { ownerId, parentId, name, description: '', contentCreatedAt: now, contentModifiedAt: now, sha1: 'b'.repeat(40), size: 10, blobKey };
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; conflict: unknown }): T {
  if (!result.ok) throw new Error(`unexpected conflict ${JSON.stringify(result.conflict)}`);
  return result.value;
}

for (const backend of BACKENDS) {
  describe(`MetadataStore lifecycle: ${backend.name}`, () => {
    let env: Backend;
    let store: MetadataStore;
    let alice: string;

    before(async () => {
      env = await backend.open();
      store = env.stores[0]!;
      alice = (await store.ensureUser('alice')).id;
    });
    after(() => env?.dispose());

    test('keyset listing: folders first, by name key; markers continue past concurrent inserts', async () => {
      const dir = unwrap(await store.createFolder(alice, '0', 'keyset'));
      for (const name of ['b', 'D', 'a', 'c']) unwrap(await store.createFile(newFile(alice, dir.id, name)));
      unwrap(await store.createFolder(alice, dir.id, 'z-folder'));
      const first = await store.listChildrenAfter(alice, dir.id, null, 2);
      assert.deepEqual(first.entries.map((e) => e.name), ['z-folder', 'a']);
      unwrap(await store.createFile(newFile(alice, dir.id, 'a0')));
      const second = await store.listChildrenAfter(alice, dir.id, first.next, 10);
      assert.deepEqual(second.entries.map((e) => e.name), ['a0', 'b', 'c', 'D']);
      assert.equal(second.next, null);
      const offset = await store.listChildren(alice, dir.id, { offset: 1, limit: 3, sort: 'name', direction: 'ASC' });
      assert.equal(offset.total, 6);
      assert.deepEqual(offset.entries.map((e) => e.name), ['a', 'a0', 'b']);
    });

    test('trash frees the name; restore needs it free; purge removes the subtree and frees unshared blobs', async () => {
      const dir = unwrap(await store.createFolder(alice, '0', 'tree'));
      const sub = unwrap(await store.createFolder(alice, dir.id, 'sub'));
      const file = unwrap(await store.createFile(newFile(alice, sub.id, 'leaf')));
      const notEmpty = await store.trashItem(alice, dir.id, { recursive: false, now: new Date() });
      assert.deepEqual(notEmpty, { ok: false, conflict: { kind: 'folder_not_empty' } });
      unwrap(await store.trashItem(alice, dir.id, { recursive: true, now: new Date() }));
      assert.ok((await store.getFile(alice, file.id))?.trashedAt);
      const again = unwrap(await store.createFolder(alice, '0', 'TREE'));
      const clash = await store.restoreItem(alice, dir.id, { now: new Date() });
      assert.equal(clash.ok ? 'ok' : clash.conflict.kind, 'name_in_use');
      unwrap(await store.trashItem(alice, again.id, { recursive: false, now: new Date() }));
      unwrap(await store.restoreItem(alice, dir.id, { now: new Date() }));
      assert.equal((await store.getFile(alice, file.id))?.trashedAt, null);
      unwrap(await store.trashItem(alice, dir.id, { recursive: true, now: new Date() }));
      const freed = unwrap(await store.purgeItem(alice, dir.id));
      assert.deepEqual(freed.blobKeys, [file.version.blobKey]);
      assert.equal(await store.getItem(alice, sub.id), undefined);
      assert.deepEqual(await store.garbageBlobs(100), [file.version.blobKey]);
      await store.forgetGarbage(file.version.blobKey);

      // An item deleted on its own before its folder stays its own trash entry when the folder is purged.
      const box = unwrap(await store.createFolder(alice, '0', 'box'));
      const alone = unwrap(await store.createFile(newFile(alice, box.id, 'alone')));
      const along = unwrap(await store.createFile(newFile(alice, box.id, 'along')));
      unwrap(await store.trashItem(alice, alone.id, { recursive: false, now: new Date() }));
      unwrap(await store.trashItem(alice, box.id, { recursive: true, now: new Date() }));
      assert.deepEqual(unwrap(await store.purgeItem(alice, box.id)).blobKeys, [along.version.blobKey]);
      assert.equal(await store.getItem(alice, along.id), undefined);
      assert.deepEqual(unwrap(await store.purgeItem(alice, alone.id)).blobKeys, [alone.version.blobKey]);
      for (const key of await store.garbageBlobs(100)) await store.forgetGarbage(key);
    });

    test('copies share blobs: the blob is garbage only once the last version naming it is purged', async () => {
      const file = unwrap(await store.createFile(newFile(alice, '0', 'original')));
      const copy = unwrap(await store.copyItem(alice, file.id, { parentId: '0', name: 'original-copy', now: new Date(), maxItems: 10, maxBytes: null }));
      const promoted = unwrap(await store.promoteVersion(alice, copy.id, (await store.getFile(alice, copy.id))!.versionId, new Date()).then((r) => (r.ok ? r : { ok: true as const, value: null })));
      assert.equal(promoted, null, 'promoting the current version is refused');
      unwrap(await store.trashItem(alice, file.id, { recursive: false, now: new Date() }));
      assert.deepEqual(unwrap(await store.purgeItem(alice, file.id)).blobKeys, []);
      unwrap(await store.trashItem(alice, copy.id, { recursive: false, now: new Date() }));
      assert.deepEqual(unwrap(await store.purgeItem(alice, copy.id)).blobKeys, [file.version.blobKey]);
      await store.forgetGarbage(file.version.blobKey);
      const over = await store.copyItem(alice, unwrap(await store.createFile(newFile(alice, '0', 'big'))).id, { parentId: '0', name: 'big2', now: new Date(), maxItems: 10, maxBytes: 5 });
      assert.deepEqual(over, { ok: false, conflict: { kind: 'storage_limit' } });
      assert.equal(await store.findChild(alice, '0', 'big2'), undefined, 'a refused copy leaves nothing');
    });

    test('racing purges of copies, and copies racing a purge, never free a blob that a version names', async () => {
      const [one, two] = [env.stores[0]!, env.stores[env.stores.length - 1]!];
      for (let round = 0; round < 5; round++) {
        const file = unwrap(await one.createFile(newFile(alice, '0', `race-${round}`)));
        const copy = unwrap(await one.copyItem(alice, file.id, { parentId: '0', name: `race-${round}-copy`, now: new Date(), maxItems: 10, maxBytes: null }));
        unwrap(await one.trashItem(alice, file.id, { recursive: false, now: new Date() }));
        unwrap(await one.trashItem(alice, copy.id, { recursive: false, now: new Date() }));
        const [a, b] = await Promise.all([one.purgeItem(alice, file.id), two.purgeItem(alice, copy.id)]);
        const freed = [...unwrap(a).blobKeys, ...unwrap(b).blobKeys];
        assert.deepEqual(freed, [file.version.blobKey], 'freed exactly once');
        await one.forgetGarbage(file.version.blobKey);

        const live = unwrap(await one.createFile(newFile(alice, '0', `race-live-${round}`)));
        unwrap(await one.trashItem(alice, live.id, { recursive: false, now: new Date() }));
        // The purge and a copy of the trashed file race: the copy is refused (the source is in the trash) whatever the order.
        const [purged, copied] = await Promise.all([one.purgeItem(alice, live.id), two.copyItem(alice, live.id, { parentId: '0', name: `race-live-${round}-copy`, now: new Date(), maxItems: 10, maxBytes: null })]);
        assert.deepEqual(unwrap(purged).blobKeys, [live.version.blobKey]);
        assert.equal(copied.ok, false);
        await one.forgetGarbage(live.version.blobKey);
      }
    });

    test('two folders moved into each other at once: one move wins, the other is a cycle', async () => {
      const [one, two] = [env.stores[0]!, env.stores[env.stores.length - 1]!];
      for (let round = 0; round < 5; round++) {
        const a = unwrap(await one.createFolder(alice, '0', `cycle-a-${round}`));
        const b = unwrap(await one.createFolder(alice, '0', `cycle-b-${round}`));
        const [ab, ba] = await Promise.all([one.updateItem(alice, a.id, { parentId: b.id }), two.updateItem(alice, b.id, { parentId: a.id })]);
        const outcomes = [ab, ba].map((r) => (r.ok ? 'ok' : r.conflict.kind)).sort();
        assert.deepEqual(outcomes, ['cycle', 'ok']);
        const parents = [(await one.getItem(alice, a.id))!.parentId, (await one.getItem(alice, b.id))!.parentId];
        assert.ok(parents.includes('0'), `one of the two is still in the root: ${parents}`);
      }
    });

    test('versions: past ones listed newest first; promote shares the blob; the current one cannot be trashed', async () => {
      const file = unwrap(await store.createFile(newFile(alice, '0', 'versioned')));
      const v2 = unwrap(await store.addVersion({ fileId: file.id, ownerId: alice, contentModifiedAt: new Date(), sha1: 'c'.repeat(40), size: 20, blobKey: `objects/v2-${Math.random()}` }));
      const list = await store.listVersions(file.id, 0, 10);
      assert.equal(list.total, 1);
      assert.equal(list.entries[0]!.id, file.versionId);
      const current = await store.trashVersion(alice, file.id, v2.versionId, new Date());
      assert.deepEqual(current, { ok: false, conflict: { kind: 'version_current' } });
      const promoted = unwrap(await store.promoteVersion(alice, file.id, file.versionId, new Date()));
      assert.equal(promoted.version.blobKey, file.version.blobKey);
      assert.equal(await store.versionNumber(file.id, promoted.versionId), 3);
      unwrap(await store.trashVersion(alice, file.id, file.versionId, new Date()));
      const expired = await store.purgeExpiredTrash(new Date(Date.now() + 1000), 100);
      assert.ok(expired.purged >= 1);
      assert.deepEqual(expired.freed.blobKeys.filter((k) => k === file.version.blobKey), [], 'the promoted copy still names the first blob');
    });
  });
}
