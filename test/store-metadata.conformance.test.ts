/**
 * The MetadataStore contract, run against every implementation with a real back end. A new back end joins by
 * adding an entry to IMPLEMENTATIONS. Back ends that several processes share (PostgreSQL) also run the races and
 * exclusions across two separately opened stores, each with its own connections, as two instances would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPostgresMetadataStore, openSqliteMetadataStore, type CommitOutcome, type MetadataStore, type NewFile, type NewVersion, type SessionRecord } from '@tranche/server';
import { createThrowawayDatabase } from './helpers/postgres.js';
import { REPO_ROOT } from './helpers/server.js';

type OpenedStore = MetadataStore & { readonly appliedMigrations: string[] };

/** One database; every `open` is a further store (own connections) on it. `dispose` closes them and removes the data. */
interface Backend {
  open(): Promise<OpenedStore>;
  dispose(): Promise<void>;
  /** For shared back ends: ES module source that opens a store on this database as `store`, for another process. */
  openInChild?: string;
}

interface Implementation {
  name: string;
  /** Several processes may use the database at once, so the contract must hold across stores. */
  shared: boolean;
  create(): Promise<Backend>;
}

function tracking(openOne: () => Promise<OpenedStore>, cleanup: () => Promise<void>, openInChild?: string): Backend {
  const opened: OpenedStore[] = [];
  return {
    openInChild,
    async open() {
      const store = await openOne();
      opened.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      await cleanup();
    },
  };
}

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'sqlite',
    shared: false,
    async create() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tranche-meta-'));
      return tracking(
        () => openSqliteMetadataStore({ filename: path.join(dir, 'meta.db') }),
        () => rm(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'postgres',
    shared: true,
    async create() {
      const database = await createThrowawayDatabase();
      return tracking(
        () => openPostgresMetadataStore({ connectionString: database.url, maxConnections: 6 }),
        () => database.drop(),
        `import { openPostgresMetadataStore } from '@tranche/server';
         const store = await openPostgresMetadataStore({ connectionString: ${JSON.stringify(database.url)} });`,
      );
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
    uploadCompleted: false,
    ...overrides,
  };
}

const SHA = 'a'.repeat(40);
const MIGRATIONS = ['001_initial', '002_cluster', '002_tokens_expiry_revocation', '004_lifecycle', '005_operations'];

function newFile(ownerId: string, name: string, overrides: Partial<NewFile> = {}): NewFile {
  return { ownerId, parentId: '0', name, description: '', contentCreatedAt: new Date(), contentModifiedAt: new Date(), sha1: SHA, size: 25, blobKey: `objects/${name}`, ...overrides };
}

/** A promise the test opens when it chooses. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a task holding `exclusively(name)` (which nobody else may hold) and resolves once it runs. */
async function hold(store: MetadataStore, name: string): Promise<{ held: Promise<{ ran: boolean }>; release(): void }> {
  const started = gate();
  const door = gate();
  const held = store.exclusively(name, async () => {
    started.open();
    await door.opened;
  });
  const outcome = await Promise.race([started.opened.then(() => 'started' as const), held.then(() => 'settled' as const)]);
  assert.equal(outcome, 'started', `${name} was already held`);
  return { held, release: door.open };
}

/**
 * Calls `exclusively(name)` through each store at once with tasks that wait at a gate: the callers that did not get
 * the exclusion settle while the one that did still waits, so the outcome does not depend on timing.
 */
async function raceExclusively(stores: MetadataStore[], name: string): Promise<number[]> {
  const door = gate();
  let settled = 0;
  const calls = stores.map((store, index) =>
    store
      .exclusively(name, async () => {
        await door.opened;
        return index;
      })
      .finally(() => settled++),
  );
  await until(() => settled === stores.length - 1, 'all callers but one were turned away');
  door.open();
  return (await Promise.all(calls)).flatMap((outcome) => (outcome.ran ? [outcome.value] : []));
}

for (const implementation of IMPLEMENTATIONS) {
  describe(`MetadataStore: ${implementation.name}`, () => {
    let backend: Backend;
    let store: MetadataStore;
    let alice: string;
    let bob: string;

    before(async () => {
      backend = await implementation.create();
      store = await backend.open();
      alice = (await store.ensureUser('alice')).id;
      bob = (await store.ensureUser('bob')).id;
    });
    after(() => backend?.dispose());

    test('the quota is decided inside the write: of 50 concurrent reservations that fit one at a time, one is made', async () => {
      const owner = (await store.ensureUser('quota-racer')).id;
      const quota = { limit: 30, now: new Date() };
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.createSession(session(owner, `Q${String(i).padStart(31, '0')}`, { fileSize: 25 }), quota)));
      assert.equal(results.filter((r) => r.ok).length, 1);
      for (const r of results) if (!r.ok) assert.deepEqual(r.conflict, { kind: 'quota_exceeded', used: 25, requested: 25, limit: 30 });
      assert.equal(await store.reservedBySessions(owner, new Date()), 25);
      const made = results.findIndex((r) => r.ok);
      // A file that fits beside the reservation is stored; concurrent ones that would pass it are not.
      const files = await Promise.all(Array.from({ length: 10 }, (_, i) => store.createFile(newFile(owner, `q${i}`, { size: 5 }), quota)));
      assert.equal(files.filter((r) => r.ok).length, 1);
      assert.equal(await store.storageUsed(owner), 5);
      // The commit checks again, its own reservation aside: it fits at 30, not once the quota is lowered to 29.
      const id = `Q${String(made).padStart(31, '0')}`;
      const refused = await store.commitSession(id, newFile(owner, 'q-commit', { size: 25 }), { limit: 29, now: new Date() });
      assert.ok(!refused.ok && refused.conflict.kind === 'quota_exceeded');
      assert.equal((await store.getSession(id))?.state, 'active', 'a refused commit changes nothing');
      const committed = await store.commitSession(id, newFile(owner, 'q-commit', { size: 25 }), quota);
      assert.ok(committed.ok);
      assert.equal(await store.storageUsed(owner), 30);
    });

    test('users are created once and found by token hash', async () => {
      assert.equal((await store.ensureUser('alice')).id, alice);
      await store.addToken(alice, 'hash-a');
      const found = await store.tokenByHash('hash-a');
      assert.equal(found?.user.name, 'alice');
      assert.deepEqual([found?.token.expiresAt, found?.token.revokedAt], [null, null]);
      assert.equal(await store.tokenByHash('hash-missing'), undefined);
    });

    test('tokens: expiry kept, listed per user, found by hash prefix, revoked once', async () => {
      const expires = new Date(Date.now() + 60_000);
      await store.addToken(bob, 'ab12cd34ef560001', expires);
      await store.addToken(bob, 'ab12cd34ef560002');
      assert.equal((await store.tokenByHash('ab12cd34ef560001'))?.token.expiresAt?.getTime(), expires.getTime());
      const listed = await store.tokensOfUser('bob');
      assert.deepEqual(listed?.map((t) => [t.hash, t.userName, t.userId]), [['ab12cd34ef560001', 'bob', bob], ['ab12cd34ef560002', 'bob', bob]]);
      assert.equal(await store.tokensOfUser('nobody'), undefined);
      assert.equal((await store.tokensByHashPrefix('ab12cd34ef56', 5)).length, 2);
      assert.deepEqual((await store.tokensByHashPrefix('ab12cd34ef560002', 5)).map((t) => t.hash), ['ab12cd34ef560002']);
      assert.deepEqual(await store.tokensByHashPrefix('ab12cd34ef569', 5), []);
      const at = new Date();
      assert.equal(await store.revokeToken('ab12cd34ef560002', at), true);
      assert.equal(await store.revokeToken('ab12cd34ef560002', new Date(at.getTime() + 5)), false, 'a second revocation changes nothing');
      assert.equal((await store.tokenByHash('ab12cd34ef560002'))?.token.revokedAt?.getTime(), at.getTime());
      assert.equal((await store.tokenByHash('ab12cd34ef560001'))?.token.revokedAt, null);
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
      assert.equal(await store.beginRelease('S7', new Date()), false, 'a live session keeps its bytes');
      assert.equal(await store.beginRelease('S5', new Date()), true);
      assert.equal(await store.beginRelease('S6', new Date()), true);
      const begun = (await store.sessionsToPurge(new Date(), 100)).map((s) => s.id).filter((id) => ['S5', 'S6'].includes(id));
      assert.deepEqual(begun.sort(), ['S5', 'S6'], 'a release begun and not finished is offered again');
      assert.equal(await store.beginRelease('S5', new Date()), true, 'a begun release resumes');
      await store.markPurged('S5');
      await store.markPurged('S6');
      assert.equal(await store.beginRelease('S5', new Date()), false, 'a finished release is not begun again');
      assert.deepEqual((await store.sessionsToPurge(new Date(), 100)).map((s) => s.id).filter((id) => ['S5', 'S6'].includes(id)), []);
      assert.equal(await store.reservedBySessions(bob, new Date()), 25);
    });

    test('a release and a commit of an expired session: whichever the store decides first wins, never both', async () => {
      const expired = { expiresAt: new Date(Date.now() - 1000) };
      const file = (id: string) => ({
        ownerId: alice, parentId: '0', name: `${id}.bin`, description: '', contentCreatedAt: new Date(), contentModifiedAt: new Date(),
        sha1: SHA, size: 25, blobKey: `uploads/${id}`,
      });
      await store.createSession(session(alice, 'R1', expired));
      assert.equal(await store.beginRelease('R1', new Date()), true);
      const refused = await store.commitSession('R1', file('R1'));
      assert.ok(!refused.ok && refused.conflict.kind === 'session_released', JSON.stringify(refused));
      const late = await store.insertPart({ sessionId: 'R1', partId: 'P', offset: 0, size: 10, sha1: SHA, etag: null });
      assert.ok(!late.inserted, 'no part lands once a release began');

      await store.createSession(session(alice, 'R2', expired));
      const committed = await store.commitSession('R2', file('R2'));
      assert.ok(committed.ok);
      assert.equal(await store.beginRelease('R2', new Date()), false, 'a committed session keeps its bytes');
      assert.deepEqual((await store.sessionsToPurge(new Date(), 100)).filter((s) => s.id === 'R2'), []);
    });

    test('uploadCompleted round-trips and is set idempotently', async () => {
      await store.createSession(session(alice, 'U1'));
      await store.createSession(session(alice, 'U2', { uploadCompleted: true }));
      await store.createSession(session(alice, 'U3'));
      assert.equal((await store.getSession('U1'))?.uploadCompleted, false);
      assert.equal((await store.getSession('U2'))?.uploadCompleted, true);
      await store.markUploadCompleted('U1');
      await store.markUploadCompleted('U1');
      assert.equal((await store.getSession('U1'))?.uploadCompleted, true);
      assert.equal((await store.getSession('U3'))?.uploadCompleted, false);
    });

    test('a part claim is granted when free, refused while another holder has it, taken over once expired', async () => {
      await store.createSession(session(alice, 'C1'));
      await store.createSession(session(alice, 'C2'));
      const t = Date.now();
      const at = (ms: number): Date => new Date(t + ms);
      assert.equal(await store.claimPart('C1', 0, 'A', at(0), at(1000)), true);
      assert.equal(await store.claimPart('C1', 0, 'B', at(500), at(1500)), false);
      // A claim is live up to and including its expiry instant.
      assert.equal(await store.claimPart('C1', 0, 'B', at(1000), at(2000)), false);
      // Claims are per (session, offset).
      assert.equal(await store.claimPart('C1', 10, 'B', at(500), at(1500)), true);
      assert.equal(await store.claimPart('C2', 0, 'B', at(500), at(1500)), true);
      assert.equal(await store.claimPart('C1', 0, 'B', at(1001), at(2001)), true);
      assert.equal(await store.claimPart('C1', 0, 'A', at(1002), at(3000)), false);
    });

    test('the holder renews its claim by claiming again', async () => {
      await store.createSession(session(alice, 'C3'));
      const t = Date.now();
      const at = (ms: number): Date => new Date(t + ms);
      assert.equal(await store.claimPart('C3', 0, 'A', at(0), at(1000)), true);
      assert.equal(await store.claimPart('C3', 0, 'A', at(900), at(5000)), true);
      assert.equal(await store.claimPart('C3', 0, 'B', at(2000), at(3000)), false);
      assert.equal(await store.claimPart('C3', 0, 'B', at(5001), at(6000)), true);
    });

    test('only the holder releases a claim', async () => {
      await store.createSession(session(alice, 'C4'));
      const now = new Date();
      const later = new Date(now.getTime() + 60_000);
      assert.equal(await store.claimPart('C4', 0, 'A', now, later), true);
      await store.releasePart('C4', 0, 'B');
      assert.equal(await store.claimPart('C4', 0, 'C', now, later), false);
      await store.releasePart('C4', 0, 'A');
      assert.equal(await store.claimPart('C4', 0, 'C', now, later), true);
      await store.releasePart('C4', 0, 'A');
      assert.equal(await store.claimPart('C4', 0, 'D', now, later), false);
    });

    test('purging a session drops its claims', async () => {
      await store.createSession(session(alice, 'C5'));
      const now = new Date();
      const later = new Date(now.getTime() + 60_000);
      assert.equal(await store.claimPart('C5', 0, 'A', now, later), true);
      await store.abortSession('C5');
      await store.markPurged('C5');
      assert.equal(await store.claimPart('C5', 0, 'B', now, later), true);
    });

    test('exclusively runs one task of a name at a time and releases it when the task settles', async () => {
      assert.equal((await raceExclusively([store, store, store, store], 'job')).length, 1);
      assert.deepEqual(await store.exclusively('job', async () => 'again'), { ran: true, value: 'again' });
      // A task that fails releases the exclusion too, and its error reaches the caller.
      await assert.rejects(
        store.exclusively('job', async () => {
          throw new Error('task failed');
        }),
        /task failed/,
      );
      assert.deepEqual(await store.exclusively('job', async () => 'after failure'), { ran: true, value: 'after failure' });
      // Other names are not excluded.
      const { held, release } = await hold(store, 'job');
      assert.deepEqual(await store.exclusively('job', async () => 'second'), { ran: false });
      assert.deepEqual(await store.exclusively('other', async () => 'other ran'), { ran: true, value: 'other ran' });
      release();
      assert.equal((await held).ran, true);
    });

    test('sizes past 2^32 and counts come back as exact numbers', async () => {
      const carol = (await store.ensureUser('carol')).id;
      const big = 150_000_000_000;
      await store.createSession(session(carol, 'N1', { fileSize: big, partSize: 50_000_000, totalParts: 3000, hashedBytes: big - 1 }));
      const stored = await store.getSession('N1');
      assert.equal(stored?.fileSize, big);
      assert.equal(stored?.hashedBytes, big - 1);
      assert.equal(stored?.totalParts, 3000);
      assert.equal(await store.reservedBySessions(carol, new Date()), big);
      assert.ok((await store.insertPart({ sessionId: 'N1', partId: 'last', offset: big - 50_000_000, size: 50_000_000, sha1: SHA, etag: '"e"' })).inserted);
      assert.deepEqual(await store.getPartAt('N1', big - 50_000_000), { sessionId: 'N1', partId: 'last', offset: big - 50_000_000, size: 50_000_000, sha1: SHA, etag: '"e"' });
      assert.equal((await store.listParts('N1', 0, 10)).total, 1);
      const created = await store.createFile(newFile(carol, 'huge.bin', { size: big }));
      assert.ok(created.ok);
      assert.equal(created.value.version.size, big);
      assert.equal(await store.storageUsed(carol), big);
      const listed = await store.listChildren(carol, '0', { offset: 0, limit: 10, sort: 'size', direction: 'DESC' });
      assert.equal(listed.total, 1);
    });

    test('children sort folders first, then bytewise by case-folded name, whatever the database locale', async () => {
      const dave = (await store.ensureUser('dave')).id;
      for (const name of ['b', 'A']) assert.ok((await store.createFolder(dave, '0', name)).ok);
      for (const name of ['a-c', 'Ab', 'a c', 'Z', '_x', 'a1', 'Éclair', 'f']) assert.ok((await store.createFile(newFile(dave, name))).ok);
      const names = async (direction: 'ASC' | 'DESC'): Promise<string[]> =>
        (await store.listChildren(dave, '0', { offset: 0, limit: 100, sort: 'name', direction })).entries.map((item) => item.name);
      assert.deepEqual(await names('ASC'), ['A', 'b', '_x', 'a c', 'a-c', 'a1', 'Ab', 'f', 'Z', 'Éclair']);
      assert.deepEqual(await names('DESC'), ['b', 'A', 'Éclair', 'Z', 'f', 'Ab', 'a1', 'a-c', 'a c', '_x']);
    });

    test('opening applies each pending migration once', async () => {
      const fresh = await implementation.create();
      try {
        if (implementation.shared) {
          // Instances starting together: the migrator's lock lets exactly one of them apply each migration.
          const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
          assert.deepEqual(stores.flatMap((opened) => opened.appliedMigrations).sort(), MIGRATIONS);
          for (const [index, opened] of stores.entries()) assert.equal((await opened.ensureUser(`u${index}`)).name, `u${index}`);
        } else {
          assert.deepEqual((await fresh.open()).appliedMigrations, MIGRATIONS);
        }
        assert.deepEqual((await fresh.open()).appliedMigrations, []);
      } finally {
        await fresh.dispose();
      }
    });
  });

  if (implementation.shared) describeAcrossInstances(implementation);
}

/** Two stores on one database, each with its own connections: what two instances of Tranche see. */
function describeAcrossInstances(implementation: Implementation): void {
  describe(`MetadataStore: ${implementation.name}, two instances`, () => {
    let backend: Backend;
    let one: OpenedStore;
    let two: OpenedStore;
    let owner: string;

    before(async () => {
      backend = await implementation.create();
      [one, two] = await Promise.all([backend.open(), backend.open()]);
      owner = (await one.ensureUser('erin')).id;
    });
    after(() => backend?.dispose());

    test('quota reservations made through two instances at once: only what fits is reserved', async () => {
      const racer = (await one.ensureUser('quota-racer-2')).id;
      const quota = { limit: 30, now: new Date() };
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).createSession(session(racer, `R${String(i).padStart(31, '0')}`, { fileSize: 25 }), quota)),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.equal(await two.reservedBySessions(racer, new Date()), 25);
    });

    test('exclusively excludes across instances', async () => {
      assert.equal((await raceExclusively([one, two, one, two], 'janitor')).length, 1);
      const { held, release } = await hold(one, 'janitor');
      assert.deepEqual(await two.exclusively('janitor', async () => 'two'), { ran: false });
      release();
      assert.equal((await held).ran, true);
      assert.deepEqual(await two.exclusively('janitor', async () => 'two'), { ran: true, value: 'two' });
    });

    test('an instance that dies while it holds an exclusion releases it', async () => {
      const holder = `${backend.openInChild!}
        await store.exclusively('held', async () => {
          console.log('holding');
          await new Promise(() => setInterval(() => {}, 1000));
        });`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', holder], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        await until(() => output.includes('holding') || child.exitCode !== null, 'the child holds the exclusion', 20_000);
        assert.ok(output.includes('holding'), `the child failed:\n${output}`);
        assert.deepEqual(await one.exclusively('held', async () => 1), { ran: false });
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      await until(async () => (await one.exclusively('held', async () => 1)).ran, 'the dead holder\'s exclusion is released');
    });

    test('racing claims across instances grant each part to one holder', async () => {
      await one.createSession(session(owner, 'X1', { totalParts: 10, fileSize: 100 }));
      const now = new Date();
      const expiry = new Date(now.getTime() + 60_000);
      for (let offset = 0; offset < 100; offset += 10) {
        const granted = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((holder, index) => (index % 2 ? two : one).claimPart('X1', offset, holder, now, expiry)));
        assert.equal(granted.filter(Boolean).length, 1, `offset ${offset}: ${granted.join()}`);
      }
    });

    test('racing inserts of one part across instances store one; the other gets the stored part', async () => {
      await one.createSession(session(owner, 'X2', { totalParts: 20, fileSize: 200 }));
      for (let offset = 0; offset < 200; offset += 10) {
        const [a, b] = await Promise.all([
          one.insertPart({ sessionId: 'X2', partId: `one-${offset}`, offset, size: 10, sha1: SHA, etag: null }),
          two.insertPart({ sessionId: 'X2', partId: `two-${offset}`, offset, size: 10, sha1: SHA, etag: null }),
        ]);
        assert.equal([a, b].filter((r) => r.inserted).length, 1, `offset ${offset}`);
        const stored = await one.getPartAt('X2', offset);
        for (const result of [a, b]) assert.ok('part' in result && result.part.partId === stored?.partId, `offset ${offset}`);
      }
      assert.equal((await two.listParts('X2', 0, 1000)).total, 20);
    });

    test('racing commits of one session across instances create one file; the other is a replay of it', async () => {
      for (let round = 0; round < 6; round++) {
        const id = `X3-${round}`;
        await one.createSession(session(owner, id));
        const file = newFile(owner, `${id}.bin`);
        const outcomes = await Promise.all([one.commitSession(id, file), two.commitSession(id, file)]);
        assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes));
        assert.equal(new Set(outcomes.map((o) => (o.ok ? o.file.id : ''))).size, 1);
        assert.equal(outcomes.filter((o) => o.ok && !o.replay).length, 1);
        assert.equal((await one.getSession(id))?.state, 'committed');
      }
      const listed = await two.listChildren(owner, '0', { offset: 0, limit: 100, sort: 'name', direction: 'ASC' });
      assert.deepEqual(listed.entries.map((item) => item.name).filter((name) => name.startsWith('X3-')), [0, 1, 2, 3, 4, 5].map((round) => `X3-${round}.bin`));
    });

    test('racing commits of one new-version session across instances add one version', async () => {
      const created = await one.createFile(newFile(owner, 'versioned.bin'));
      assert.ok(created.ok);
      for (let round = 1; round <= 6; round++) {
        const id = `X6-${round}`;
        await one.createSession(session(owner, id, { fileId: created.value.id }));
        const version: NewVersion = { fileId: created.value.id, ownerId: owner, contentModifiedAt: new Date(), sha1: SHA, size: 25 + round, blobKey: `objects/${id}` };
        const outcomes: CommitOutcome[] = await Promise.all([one.commitSession(id, version), two.commitSession(id, version)]);
        assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes));
        assert.equal(outcomes.filter((o) => o.ok && !o.replay).length, 1);
        assert.equal(new Set(outcomes.map((o) => (o.ok ? o.file.versionId : ''))).size, 1);
        assert.equal((await two.getFile(owner, created.value.id))?.etag, round);
      }
    });

    test('racing creations of one name across instances: one wins, the other sees name_in_use', async () => {
      for (let round = 0; round < 6; round++) {
        const [first, second] = [`X4-${round}a`, `X4-${round}b`];
        await one.createSession(session(owner, first));
        await one.createSession(session(owner, second));
        const name = `Clash-${round}.bin`;
        const outcomes = await Promise.all([one.commitSession(first, newFile(owner, name)), two.commitSession(second, newFile(owner, name.toUpperCase()))]);
        const won = outcomes.filter((o) => o.ok);
        const lost = outcomes.filter((o) => !o.ok);
        assert.equal(won.length, 1, JSON.stringify(outcomes));
        assert.ok(lost[0] && !lost[0].ok && lost[0].conflict.kind === 'name_in_use' && won[0]?.ok && lost[0].conflict.existing.id === won[0].file.id);
        const folders = await Promise.all([one.createFolder(owner, '0', `Dir-${round}`), two.createFolder(owner, '0', `dir-${round}`)]);
        assert.equal(folders.filter((f) => f.ok).length, 1, JSON.stringify(folders));
        assert.ok(folders.some((f) => !f.ok && f.conflict.kind === 'name_in_use'));
      }
    });

    test('an abort racing a commit across instances: one of them wins and both report it', async () => {
      for (let round = 0; round < 6; round++) {
        const id = `X5-${round}`;
        await one.createSession(session(owner, id));
        const [committed, aborted] = await Promise.all([one.commitSession(id, newFile(owner, `${id}.bin`)), two.abortSession(id)]);
        const state = (await one.getSession(id))?.state;
        if (state === 'committed') {
          assert.ok(committed.ok && !committed.replay);
          assert.equal(aborted, 'committed');
        } else {
          assert.equal(state, 'aborted');
          assert.equal(aborted, 'aborted');
          assert.ok(!committed.ok && committed.conflict.kind === 'session_not_active' && committed.conflict.state === 'aborted');
        }
      }
    });
  });
}
