/**
 * The MetadataStore contract, run against every implementation with a real back end. A new back end joins by
 * adding an entry to IMPLEMENTATIONS.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteMetadataStore, type MetadataStore, type SessionRecord } from '@tranche/server';

interface Implementation {
  name: string;
  open(): Promise<{ store: MetadataStore; dispose(): Promise<void> }>;
}

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tranche-meta-'));
      const store = await openSqliteMetadataStore({ filename: path.join(dir, 'meta.db') });
      return { store, dispose: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
    },
  },
];

function session(ownerId: string, id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id,
    ownerId,
    folderId: '0',
    fileId: null,
    fileName: `${id}.bin`,
    fileSize: 25,
    partSize: 10,
    totalParts: 3,
    state: 'active',
    createdAt: new Date(now),
    expiresAt: new Date(now + 60_000),
    blobKey: `uploads/${id}`,
    blobUploadId: null,
    hashedBytes: 0,
    hashState: null,
    pendingCommits: 0,
    committedFileId: null,
    purged: false,
    ...overrides,
  };
}

const SHA = 'a'.repeat(40);

for (const implementation of IMPLEMENTATIONS) {
  describe(`MetadataStore: ${implementation.name}`, () => {
    let store: MetadataStore;
    let dispose: () => Promise<void>;
    let alice: string;
    let bob: string;

    before(async () => {
      ({ store, dispose } = await implementation.open());
      alice = (await store.ensureUser('alice')).id;
      bob = (await store.ensureUser('bob')).id;
    });
    after(() => dispose());

    test('users are created once and found by token hash', async () => {
      assert.equal((await store.ensureUser('alice')).id, alice);
      await store.addToken(alice, 'hash-a');
      assert.equal((await store.userByTokenHash('hash-a'))?.name, 'alice');
      assert.equal(await store.userByTokenHash('hash-missing'), undefined);
    });

    test('names are unique per folder, case-insensitively, across files and folders', async () => {
      const folder = await store.createFolder(alice, '0', 'Reports');
      assert.ok(folder.ok);
      const clash = await store.createFolder(alice, '0', 'REPORTS');
      assert.ok(!clash.ok && clash.conflict.kind === 'name_in_use');
      const file = await store.createFile({ ownerId: alice, parentId: '0', name: 'reports', description: '', contentCreatedAt: new Date(), contentModifiedAt: new Date(), sha1: SHA, size: 1, blobKey: 'objects/x' });
      assert.ok(!file.ok && file.conflict.kind === 'name_in_use');
      // Another user has a namespace of its own.
      assert.ok((await store.createFolder(bob, '0', 'Reports')).ok);
      assert.equal(await store.getItem(bob, folder.value.id), undefined);
    });

    test('a file in a missing folder is refused; versions bump the etag and honour If-Match', async () => {
      const missing = await store.createFile({ ownerId: alice, parentId: '999999', name: 'x', description: '', contentCreatedAt: new Date(), contentModifiedAt: new Date(), sha1: SHA, size: 1, blobKey: 'objects/y' });
      assert.ok(!missing.ok && missing.conflict.kind === 'parent_missing');
      const created = await store.createFile({ ownerId: alice, parentId: '0', name: 'v.bin', description: 'd', contentCreatedAt: new Date(), contentModifiedAt: new Date(), sha1: SHA, size: 1, blobKey: 'objects/v1' });
      assert.ok(created.ok);
      const stale = await store.addVersion({ fileId: created.value.id, ownerId: alice, contentModifiedAt: new Date(), ifMatchEtag: 7, sha1: 'b'.repeat(40), size: 2, blobKey: 'objects/v2' });
      assert.ok(!stale.ok && stale.conflict.kind === 'etag_mismatch');
      const next = await store.addVersion({ fileId: created.value.id, ownerId: alice, contentModifiedAt: new Date(), ifMatchEtag: 0, sha1: 'b'.repeat(40), size: 2, blobKey: 'objects/v2' });
      assert.ok(next.ok);
      assert.equal(next.value.etag, 1);
      assert.equal(next.value.version.size, 2);
      assert.notEqual(next.value.versionId, created.value.versionId);
      assert.equal((await store.getVersion(created.value.id, created.value.versionId))?.blobKey, 'objects/v1');
      assert.equal(await store.storageUsed(alice), 3);
    });

    test('a part is recorded once per offset; parts list in offset order', async () => {
      await store.createSession(session(alice, 'S1'));
      const second = await store.insertPart({ sessionId: 'S1', partId: 'B', offset: 10, size: 10, sha1: SHA, etag: null });
      assert.ok(second.inserted);
      const first = await store.insertPart({ sessionId: 'S1', partId: 'A', offset: 0, size: 10, sha1: SHA, etag: null });
      assert.ok(first.inserted);
      const again = await store.insertPart({ sessionId: 'S1', partId: 'C', offset: 10, size: 10, sha1: 'c'.repeat(40), etag: null });
      assert.ok(!again.inserted && 'part' in again && again.part.partId === 'B');
      const page = await store.listParts('S1', 0, 1000);
      assert.deepEqual(page.entries.map((p) => p.offset), [0, 10]);
      assert.equal(page.total, 2);
      assert.deepEqual((await store.listParts('S1', 1, 1)).entries.map((p) => p.partId), ['B']);
      assert.deepEqual((await store.partsFrom('S1', 5, 10)).map((p) => p.offset), [10]);
    });

    test('racing inserts of one offset store exactly one part', async () => {
      await store.createSession(session(alice, 'S2'));
      const results = await Promise.all(
        ['P1', 'P2', 'P3', 'P4'].map((partId) => store.insertPart({ sessionId: 'S2', partId, offset: 0, size: 10, sha1: SHA, etag: null })),
      );
      assert.equal(results.filter((r) => r.inserted).length, 1);
      assert.equal((await store.listParts('S2', 0, 10)).total, 1);
    });

    test('hash progress is a compare-and-set', async () => {
      await store.createSession(session(alice, 'S3'));
      assert.equal(await store.advanceHash('S3', 0, 10, new Uint8Array([1, 2, 3])), true);
      assert.equal(await store.advanceHash('S3', 0, 20, new Uint8Array([9])), false);
      const stored = await store.getSession('S3');
      assert.equal(stored?.hashedBytes, 10);
      assert.deepEqual([...(stored?.hashState ?? [])], [1, 2, 3]);
    });

    test('racing commits create one file; a replay returns it; parts of other states are refused', async () => {
      await store.createSession(session(alice, 'S4', { fileName: 'committed.bin' }));
      const file = { ownerId: alice, parentId: '0', name: 'committed.bin', description: '', contentCreatedAt: new Date(), contentModifiedAt: new Date(), sha1: SHA, size: 25, blobKey: 'uploads/S4' };
      const outcomes = await Promise.all([store.commitSession('S4', file), store.commitSession('S4', file), store.commitSession('S4', file)]);
      assert.ok(outcomes.every((o) => o.ok));
      const ids = new Set(outcomes.map((o) => (o.ok ? o.file.id : '')));
      assert.equal(ids.size, 1);
      assert.equal(outcomes.filter((o) => o.ok && !o.replay).length, 1);
      const late = await store.insertPart({ sessionId: 'S4', partId: 'Z', offset: 0, size: 10, sha1: SHA, etag: null });
      assert.ok(!late.inserted && 'sessionState' in late && late.sessionState === 'committed');
      assert.equal(await store.abortSession('S4'), 'committed');
    });

    test('aborted and expired sessions are offered to the janitor once', async () => {
      await store.createSession(session(bob, 'S5'));
      await store.createSession(session(bob, 'S6', { expiresAt: new Date(Date.now() - 1000) }));
      await store.createSession(session(bob, 'S7'));
      assert.equal(await store.abortSession('S5'), 'aborted');
      const due = (await store.sessionsToPurge(new Date(), 100)).map((s) => s.id).filter((id) => ['S5', 'S6', 'S7'].includes(id));
      assert.deepEqual(due.sort(), ['S5', 'S6']);
      await store.markPurged('S5');
      await store.markPurged('S6');
      assert.deepEqual((await store.sessionsToPurge(new Date(), 100)).map((s) => s.id).filter((id) => ['S5', 'S6'].includes(id)), []);
      assert.equal(await store.reservedBySessions(bob, new Date()), 25);
    });
  });
}
