/**
 * The BlobStore contract (and the UploadReader / PresignedReader / UploadLister capabilities), run against every implementation:
 * local files, S3 (the tests' S3 server: Ceph RGW under `npm test`, see test/helpers/s3.ts) and the part spool over
 * S3. Then what only the S3-backed stores promise (a wrong body never becomes a part, an upload lost behind their
 * back is reported as such, S3's errors are described) and what only the spool does.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { lutimes, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  canListUploads,
  canPresign,
  canReadUploads,
  FsBlobStore,
  openS3BlobStore,
  parseS3Location,
  SpoolingBlobStore,
  type BlobStore,
  type ByteSource,
  type UploadTarget,
} from '@tranche/server';
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { sleep } from './helpers/http.js';
import { startS3, type TestS3 } from './helpers/s3.js';

const sdkWarnings: string[] = [];
process.on('warning', (warning) => sdkWarnings.push(`${warning.name}: ${warning.message}`));

interface Opened {
  store: BlobStore;
  dispose(): Promise<void>;
  /** S3-backed stores: the server, to open more stores on the same bucket. */
  s3?: TestS3;
  /** The spool's store, and the S3 store under it. */
  spoolDir?: string;
  inner?: BlobStore;
  /** Local stores: the directory it keeps its files in. */
  root?: string;
}

interface Implementation {
  name: string;
  open(): Promise<Opened>;
}

const PRESIGN_SECONDS = 900;

async function openS3(s3: TestS3, extra = `&presign=${PRESIGN_SECONDS}`): Promise<BlobStore & { close(): void }> {
  Object.assign(process.env, s3.env);
  return openS3BlobStore(parseS3Location(s3.blobUrl + extra));
}

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'fs',
    async open() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tranche-blob-'));
      return { store: await FsBlobStore.open({ root: dir }), root: dir, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    async open() {
      const s3 = await startS3();
      const store = await openS3(s3);
      return { store, s3, dispose: async () => (store.close(), await s3.stop()) };
    },
  },
  {
    name: 'spool+s3',
    async open() {
      const s3 = await startS3();
      const inner = await openS3(s3);
      const spoolDir = await mkdtemp(path.join(tmpdir(), 'tranche-spool-'));
      return {
        store: new SpoolingBlobStore(inner, spoolDir),
        s3,
        spoolDir,
        inner,
        dispose: async () => {
          inner.close();
          await s3.stop();
          await rm(spoolDir, { recursive: true, force: true });
        },
      };
    },
  },
];

async function* chunks(data: Uint8Array, size = chunkSizeFor(data.length)): ByteSource {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Odd sizes, so chunk and part boundaries never line up; large enough that 5 MiB parts do not take all day. */
function chunkSizeFor(length: number): number {
  return length > 1 << 20 ? 65_521 : 7;
}

async function collect(source: ByteSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** What listUploads yields, in key order. */
async function listed(store: BlobStore, folder: string, notTouchedSince: Date): Promise<UploadTarget[]> {
  assert.ok(canListUploads(store));
  const targets: UploadTarget[] = [];
  for await (const target of store.listUploads(folder, notTouchedSince)) targets.push(target);
  return targets.sort(byKey);
}

function byKey(a: UploadTarget, b: UploadTarget): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** S3's ETag of a part: the MD5 of its bytes, quoted. */
function etagOf(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** Parts of the size the store needs: its minimum (S3: 5 MiB), or 10 bytes when any size goes. */
function partSizeOf(store: BlobStore): number {
  return store.minPartSize ?? 10;
}

/** Writes `data` as parts of `partSize` in the given order of part indexes; returns the receipts by index. */
async function writeParts(store: BlobStore, target: UploadTarget, data: Buffer, partSize: number, order: number[]): Promise<Array<{ partNumber: number; etag: string | null }>> {
  const receipts: Array<{ partNumber: number; etag: string | null }> = [];
  for (const index of order) {
    const offset = index * partSize;
    const size = Math.min(partSize, data.length - offset);
    const { etag } = await store.writePart(target, { partNumber: index + 1, offset, size }, chunks(data.subarray(offset, offset + size)));
    receipts[index] = { partNumber: index + 1, etag };
  }
  return receipts;
}

for (const implementation of IMPLEMENTATIONS) {
  describe(`BlobStore: ${implementation.name}`, () => {
    let opened: Opened;
    let store: BlobStore;
    before(async () => {
      opened = await implementation.open();
      store = opened.store;
    });
    after(() => opened.dispose());

    test('parts written out of order at their offsets make the object', async () => {
      const partSize = partSizeOf(store);
      const data = randomBytes(2 * partSize + 5);
      const target = await store.createUpload('uploads/A', data.length);
      const receipts = await writeParts(store, target, data, partSize, [2, 0, 1]);
      if (canReadUploads(store)) {
        assert.deepEqual(await collect(await store.readUpload(target, partSize, 2 * partSize - 1)), data.subarray(partSize, 2 * partSize));
      }
      await store.completeUpload(target, receipts);
      assert.deepEqual(await collect(await store.get('uploads/A')), data);
      assert.deepEqual(await collect(await store.get('uploads/A', { start: 3, end: 12 })), data.subarray(3, 13));
    });

    test('ranged reads: first byte, last byte, across a part boundary, the whole object', async () => {
      const partSize = store.minPartSize ?? 1000;
      const data = randomBytes(partSize + 700);
      const target = await store.createUpload('uploads/R', data.length);
      await store.completeUpload(target, await writeParts(store, target, data, partSize, [1, 0]));
      const read = async (start: number, end: number): Promise<Buffer> => collect(await store.get('uploads/R', { start, end }));
      assert.deepEqual(await read(0, 0), data.subarray(0, 1));
      assert.deepEqual(await read(data.length - 1, data.length - 1), data.subarray(data.length - 1));
      assert.deepEqual(await read(partSize - 17, partSize + 16), data.subarray(partSize - 17, partSize + 17));
      assert.deepEqual(await read(0, data.length - 1), data);
    });

    test('a part body shorter or longer than its size is refused', async () => {
      const target = await store.createUpload('uploads/B', 20);
      await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 10 }, chunks(randomBytes(9))), { name: 'BodyLengthError' });
      await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 10 }, chunks(randomBytes(11))), { name: 'BodyLengthError' });
      await store.abortUpload(target);
      await store.abortUpload(target); // idempotent
    });

    test('completing twice succeeds; aborting after completion deletes the object, twice', async () => {
      const data = randomBytes(1000);
      const target = await store.createUpload('uploads/D', data.length);
      const receipts = await writeParts(store, target, data, data.length, [0]);
      await store.completeUpload(target, receipts);
      await store.completeUpload(target, receipts);
      assert.deepEqual(await collect(await store.get('uploads/D')), data);
      await store.abortUpload(target);
      await assert.rejects(async () => collect(await store.get('uploads/D')));
      await store.abortUpload(target);
    });

    test('a part for an aborted upload is refused', async () => {
      const target = await store.createUpload('uploads/E', 10);
      await store.abortUpload(target);
      await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 10 }, chunks(randomBytes(10))));
    });

    test('whole objects are put, read and deleted', async () => {
      const data = randomBytes(100_000);
      assert.equal((await store.put('objects/C', chunks(data, 4096))).size, data.length);
      assert.deepEqual(await collect(await store.get('objects/C')), data);
      await store.delete('objects/C');
      await assert.rejects(async () => collect(await store.get('objects/C')));
      await store.delete('objects/C'); // deleting what is gone is fine
    });

    test('an empty object is put and read back', async () => {
      assert.equal((await store.put('objects/empty', chunks(new Uint8Array(0)))).size, 0);
      assert.equal((await collect(await store.get('objects/empty'))).length, 0);
      await store.delete('objects/empty');
    });

    test('a whole object larger than an S3 part is put in parts and reads back, ranges across them too', async () => {
      const data = randomBytes(12 * 1024 * 1024 + 3);
      assert.equal((await store.put('objects/big', chunks(data))).size, data.length);
      assert.deepEqual(await collect(await store.get('objects/big')), data);
      const boundary = 5 * 1024 * 1024;
      assert.deepEqual(await collect(await store.get('objects/big', { start: boundary - 5, end: boundary + 4 })), data.subarray(boundary - 5, boundary + 5));
      await store.delete('objects/big');
    });

    test('keys that could escape the store are refused', async () => {
      await assert.rejects(store.put('../escape', chunks(randomBytes(1))));
      await assert.rejects(store.createUpload('uploads/../../x', 1));
      await assert.rejects(store.get('a//b'));
    });

    test('presigned URLs (when offered) are fetchable with plain fetch, ranges too', async (t) => {
      if (!canPresign(store)) return t.skip('this store does not presign');
      const data = randomBytes(3000);
      await store.put('objects/P', chunks(data, 1000));
      const url = await store.presignGet('objects/P', 60);
      const whole = await fetch(url);
      assert.equal(whole.status, 200);
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), data);
      const ranged = await fetch(url, { headers: { range: 'bytes=100-199' } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), data.subarray(100, 200));
      const expires = new URL(url).searchParams.get('X-Amz-Expires');
      assert.equal(expires, '60');
      assert.equal((store as { presignSeconds?: number }).presignSeconds, PRESIGN_SECONDS);

      const named = new URL(await store.presignGet('objects/P', 60, 'résumé "final".pdf'));
      assert.equal(named.searchParams.get('response-content-disposition'), `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`);
      assert.equal((await fetch(named)).status, 200);
      await assert.rejects(store.presignGet('objects/P', 0), RangeError);
      await assert.rejects(store.presignGet('objects/P', 7 * 24 * 3600 + 1), RangeError);
    });

    test('listed uploads (when offered): those in the folder untouched since the date, not later ones, not objects', async (t) => {
      if (!canListUploads(store)) return t.skip('this store does not list uploads');
      if (opened.s3 && !opened.s3.listsUploads) return t.skip(`${opened.s3.kind} lists no multipart uploads`);
      // S3 lists when an upload was created, not when it was last written; local files the last write.
      const byCreation = opened.s3 !== undefined;
      const partSize = partSizeOf(store);
      const old = await store.createUpload('listed/old', 2 * partSize);
      const oldThenWritten = await store.createUpload('listed/written', 2 * partSize);
      await store.put('objects/listed', chunks(randomBytes(100)));
      await sleep(50); // past the coarse clock of file times
      const cutoff = new Date();
      await sleep(50);
      await writeParts(store, oldThenWritten, randomBytes(2 * partSize), partSize, [1]);
      const young = await store.createUpload('listed/young', partSize);
      await store.createUpload('elsewhere/old', partSize);

      assert.deepEqual(await listed(store, 'listed', cutoff), byCreation ? [old, oldThenWritten].sort(byKey) : [old]);
      const later = new Date(Date.now() + 1000);
      assert.deepEqual(await listed(store, 'listed', later), [old, young, oldThenWritten].sort(byKey));
      assert.deepEqual(await listed(store, 'missing', later), []);

      await store.abortUpload(old);
      assert.deepEqual(await listed(store, 'listed', later), [young, oldThenWritten].sort(byKey));
      await Promise.all([store.abortUpload(young), store.abortUpload(oldThenWritten), store.abortUpload({ key: 'elsewhere/old', uploadId: null })]);
      await store.delete('objects/listed');
    });

    if (implementation.name === 'fs') {
      test('a local upload is readable anywhere: readableExtent answers the end', async () => {
        assert.ok(canReadUploads(store));
        const target = await store.createUpload('uploads/F', 100);
        assert.equal(await store.readableExtent(target, 0, 100), 100);
        assert.equal(await store.readableExtent(target, 40, 60), 60);
        await store.abortUpload(target);
      });

      test('listed local uploads are regular files named like keys; links, folders and other names are not, nor is a linked folder', async () => {
        assert.ok(canListUploads(store));
        const root = opened.root!;
        const upload = await store.createUpload('strict/UPLOAD', 10);
        const folder = path.join(root, 'strict');
        const outside = path.join(await mkdtemp(path.join(tmpdir(), 'tranche-outside-')), 'target');
        await writeFile(outside, 'not the store\'s');
        await symlink(outside, path.join(folder, 'LINK'));
        await mkdir(path.join(folder, 'FOLDER'));
        await writeFile(path.join(folder, '.hidden'), 'x');
        await writeFile(path.join(folder, 'a.tmp'), 'x');
        const hourAgo = new Date(Date.now() - 3600_000);
        for (const name of await readdir(folder)) await lutimes(path.join(folder, name), hourAgo, hourAgo);
        await utimes(outside, hourAgo, hourAgo);
        const now = new Date();
        assert.deepEqual(await listed(store, 'strict', now), [upload]);
        await symlink(folder, path.join(root, 'linked'));
        assert.deepEqual(await listed(store, 'linked', now), []);
        await rm(path.dirname(outside), { recursive: true, force: true });
      });

      test('the spool lists uploads when the store under it does, and aborting a listed one empties both', async () => {
        const spoolDir = await mkdtemp(path.join(tmpdir(), 'tranche-spool-fs-'));
        try {
          const spooled = new SpoolingBlobStore(store, spoolDir);
          assert.ok(canListUploads(spooled));
          const target = await spooled.createUpload('spooled/UPLOAD', 20);
          await writeParts(spooled, target, randomBytes(20), 10, [0]);
          assert.equal((await readdir(spoolDir)).length, 1);
          const found = await listed(spooled, 'spooled', new Date(Date.now() + 1000));
          assert.deepEqual(found, [target]);
          await spooled.abortUpload(found[0]!);
          assert.deepEqual(await listed(store, 'spooled', new Date(Date.now() + 1000)), []);
          assert.deepEqual(await readdir(spoolDir), []);
        } finally {
          await rm(spoolDir, { recursive: true, force: true });
        }
      });
    }

    if (implementation.name !== 'fs') describeS3Only(() => opened);
    if (implementation.name === 'spool+s3') describeSpool(() => opened);
  });
}

/** What stores on S3 promise beyond the contract. */
function describeS3Only(get: () => Opened): void {
  test('S3 part size: 5 MiB', () => {
    assert.equal(get().store.minPartSize, 5 * 1024 * 1024);
  });

  test('S3 stores list their uploads (for the janitor\'s orphan sweep)', () => {
    assert.equal(canListUploads(get().store), true);
  });

  test('an upload removed behind the store\'s back: parts and completion fail with UploadLostError, not a retryable error', async (t) => {
    const { store, s3 } = get();
    const data = randomBytes(1000);
    const target = await store.createUpload('uploads/lost', 2 * data.length);
    const receipts = await writeParts(store, target, Buffer.concat([data, data]), data.length, [0]);
    // An operator, or a lifecycle rule, aborts the upload.
    await s3!.client.send(new AbortMultipartUploadCommand({ Bucket: s3!.bucket, Key: target.key, UploadId: target.uploadId! }));
    if (s3!.kind === 'fauxqs') return t.skip('fauxqs answers ListParts with an error for uploads it has, so a lost one cannot be told apart');
    await assert.rejects(store.writePart(target, { partNumber: 2, offset: data.length, size: data.length }, chunks(data)), { name: 'UploadLostError' });
    await assert.rejects(store.completeUpload(target, receipts), (error: Error) => {
      assert.equal(error.name, 'UploadLostError');
      assert.match(String((error.cause as Error)?.message), /^S3 CompleteMultipartUpload failed: \S+ \(HTTP \d{3}, request id \S+\)/);
      return true;
    });
    await store.abortUpload(target); // releasing what is gone is fine
  });

  test('an upload completed concurrently, or before, counts as completed', async () => {
    const { store } = get();
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const target = await store.createUpload('uploads/twice', data.length);
    const receipts = await writeParts(store, target, data, 5 * 1024 * 1024, [0, 1]);
    await Promise.all([1, 2, 3].map(() => store.completeUpload(target, receipts)));
    await store.completeUpload(target, receipts);
    assert.deepEqual(await collect(await store.get('uploads/twice')), data);
    await store.abortUpload(target);
  });

  test('S3 errors name the operation, the S3 code, the HTTP status and the request id', async () => {
    const { store } = get();
    await assert.rejects(async () => collect(await store.get('objects/missing')), (error: Error) => {
      assert.equal(error.name, 'NoSuchKey');
      assert.match(error.message, /^S3 GetObject failed: NoSuchKey \(HTTP 404, request id \S+\)/);
      assert.doesNotMatch(error.message, /UnknownError/);
      assert.equal((error as Error & { status?: number }).status, 404);
      return true;
    });
  });

  test('a short, long or failing body never becomes an S3 part', async () => {
    const { store } = get();
    const size = 1000;
    const data = randomBytes(size);
    const target = await store.createUpload('uploads/L', size);
    const place = { partNumber: 1, offset: 0, size };
    const attempts: Array<[string, () => ByteSource, Uint8Array, RegExp | { name: string }]> = [
      ['short', () => chunks(data.subarray(0, size - 1), 100), data.subarray(0, size - 1), { name: 'BodyLengthError' }],
      ['exactly size, then more', async function* () { yield data; yield Buffer.from('x'); }, data, { name: 'BodyLengthError' }],
      ['one byte over in one chunk', async function* () { yield Buffer.concat([data, Buffer.from('x')]); }, data, { name: 'BodyLengthError' }],
      ['every byte, then the source fails', async function* () { yield* chunks(data, 100); throw new Error('digest mismatch'); }, data, /digest mismatch/],
    ];
    for (const [label, body, leaked, expected] of attempts) {
      await assert.rejects(store.writePart(target, place, body()), expected, label);
      // A part holding these bytes would let the upload complete with their ETag.
      await assert.rejects(store.completeUpload(target, [{ partNumber: 1, etag: etagOf(leaked) }]), { name: 'InvalidPart' }, label);
    }
    if (canReadUploads(store)) assert.equal(await store.readableExtent(target, 0, size), 0);

    const trailingEmpty = async function* (): ByteSource { yield data; yield new Uint8Array(0); };
    const { etag } = await store.writePart(target, place, trailingEmpty());
    assert.equal(etag, etagOf(data));
    await store.completeUpload(target, [{ partNumber: 1, etag }]);
    assert.deepEqual(await collect(await store.get('uploads/L')), data);
    await store.abortUpload(target);
  });

  test('an aborted part upload stops at once and stores nothing', async () => {
    const { store } = get();
    const target = await store.createUpload('uploads/S', 1 << 20);
    const controller = new AbortController();
    const first = randomBytes(64 * 1024);
    const stalled = async function* (): ByteSource {
      yield first;
      setTimeout(() => controller.abort(), 50);
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      throw new Error('client went away');
    };
    const started = Date.now();
    await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 1 << 20 }, stalled(), controller.signal), { name: 'AbortError' });
    assert.ok(Date.now() - started < 5000, 'the abort was honoured promptly');
    await assert.rejects(store.completeUpload(target, [{ partNumber: 1, etag: etagOf(first) }]), { name: 'InvalidPart' });
    await store.abortUpload(target);
  });

  test('presigning is offered only when the location says presign=SECONDS', async () => {
    const { s3 } = get();
    const plain = await openS3BlobStore(parseS3Location(s3!.blobUrl));
    const presigning = await openS3BlobStore(parseS3Location(`${s3!.blobUrl}&presign=120`));
    try {
      assert.equal(canPresign(plain), false);
      assert.equal(canPresign(new SpoolingBlobStore(plain, path.join(tmpdir(), 'unused-spool'))), false);
      assert.equal(canPresign(presigning), true);
      const spooled = new SpoolingBlobStore(presigning, path.join(tmpdir(), 'unused-spool'));
      assert.equal(canPresign(spooled), true);
      assert.equal(spooled.presignSeconds, 120);
      assert.equal(spooled.minPartSize, 5 * 1024 * 1024);
    } finally {
      plain.close();
      presigning.close();
    }
  });

  test('the AWS SDK printed no Node version warning', () => {
    assert.deepEqual(sdkWarnings.filter((w) => /NodeVersionSupportWarning/.test(w)), []);
  });
}

/** The spool of the parts this instance received; each test spools into a directory of its own. */
function describeSpool(get: () => Opened): void {
  const MiB = 1024 * 1024;
  const spools: string[] = [];
  after(() => Promise.all(spools.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function freshSpool(): Promise<{ store: SpoolingBlobStore; spoolDir: string; inner: BlobStore; s3: TestS3 }> {
    const { inner, s3 } = get();
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'tranche-spool-'));
    spools.push(spoolDir);
    return { store: new SpoolingBlobStore(inner!, spoolDir), spoolDir, inner: inner!, s3: s3! };
  }

  async function files(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  }

  test('readableExtent and readUpload follow the spooled parts across boundaries; other instances have their own', async () => {
    const { store, spoolDir, s3, inner } = await freshSpool();
    const partSize = 5 * MiB;
    const data = randomBytes(3 * partSize - 7);
    const target = await store.createUpload('uploads/X', data.length);
    const receipts = await writeParts(store, target, data, partSize, [2, 0]);
    assert.equal(await store.readableExtent(target, 0, data.length), partSize);
    assert.equal(await store.readableExtent(target, 123, data.length), partSize, 'from inside a part');
    assert.equal(await store.readableExtent(target, partSize, data.length), partSize, 'a missing part reaches nowhere');
    assert.equal(await store.readableExtent(target, 2 * partSize + 1, data.length), data.length);
    assert.equal(await store.readableExtent(target, 10, 20), 20, 'never beyond end');
    assert.equal(await store.readableExtent(target, 7, 7), 7);
    await assert.rejects(store.readUpload(target, partSize - 10, partSize + 10), /spool/);

    // Part 2 arrives at another instance: stored on S3, spooled there, not here.
    const otherInner = await openS3(s3);
    const otherDir = await mkdtemp(path.join(tmpdir(), 'tranche-spool-other-'));
    try {
      const other = new SpoolingBlobStore(otherInner, otherDir);
      receipts[1] = (await writeParts(other, target, data, partSize, [1]))[1]!;
      assert.equal(await store.readableExtent(target, 0, data.length), partSize);
      assert.equal(await other.readableExtent(target, partSize, data.length), 2 * partSize);
    } finally {
      otherInner.close();
      await rm(otherDir, { recursive: true, force: true });
    }

    // Spooled here too (a retried part): now contiguous, readable across both boundaries, and by a second reader
    // on the same directory (as the hash worker thread is).
    await writeParts(store, target, data, partSize, [1]);
    assert.equal(await store.readableExtent(target, 0, data.length), data.length);
    const worker = new SpoolingBlobStore(inner, spoolDir);
    for (const reader of [store, worker]) {
      assert.deepEqual(await collect(await reader.readUpload(target, partSize - 1000, 2 * partSize + 999)), data.subarray(partSize - 1000, 2 * partSize + 1000));
      assert.deepEqual(await collect(await reader.readUpload(target, 0, data.length - 1)), data);
    }

    // Bytes below the hashed prefix may go: parts wholly below it do, the part straddling it stays.
    await store.discardBelow!(target, partSize + 1);
    assert.equal(await store.readableExtent(target, 0, data.length), 0);
    assert.equal(await store.readableExtent(target, partSize, data.length), data.length);
    assert.deepEqual(await collect(await store.readUpload(target, partSize + 1, partSize + 100)), data.subarray(partSize + 1, partSize + 101));
    assert.equal((await files(spoolDir)).length, 2);

    await store.completeUpload(target, receipts);
    assert.deepEqual(createHash('sha1').update(await collect(await store.get('uploads/X'))).digest('hex'), createHash('sha1').update(data).digest('hex'));
    await store.discardBelow!(target, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(await readdir(spoolDir), [], 'the upload directory goes with its last part');
    await store.delete('uploads/X');
  });

  test('a refused or failed part leaves nothing in the spool; abort and discardUpload empty it', async () => {
    const { store, spoolDir } = await freshSpool();
    const target = await store.createUpload('uploads/Y', 2000);
    await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 1000 }, chunks(randomBytes(999), 100)));
    await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 1000 }, chunks(randomBytes(1001), 100)));
    assert.deepEqual(await files(spoolDir), []);
    await writeParts(store, target, randomBytes(2000), 1000, [1]);
    assert.equal((await files(spoolDir)).length, 1);
    await store.abortUpload(target);
    assert.deepEqual(await readdir(spoolDir), []);

    const again = await store.createUpload('uploads/Y2', 1000);
    await writeParts(store, again, randomBytes(1000), 1000, [0]);
    await store.discardUpload(again);
    assert.deepEqual(await readdir(spoolDir), []);
    await store.abortUpload(again);
  });

  test('a spool that cannot be written only costs the local copy: the part is stored all the same', async () => {
    const { inner, spoolDir } = await freshSpool();
    const notADirectory = path.join(spoolDir, 'file');
    await writeFile(notADirectory, 'in the way');
    const store = new SpoolingBlobStore(inner, notADirectory);
    const data = randomBytes(1000);
    const target = await store.createUpload('uploads/Z', data.length);
    const receipts = await writeParts(store, target, data, data.length, [0]);
    assert.equal(await store.readableExtent(target, 0, data.length), 0);
    await assert.rejects(store.readUpload(target, 0, 99), /spool/);
    await store.completeUpload(target, receipts);
    assert.deepEqual(await collect(await store.get('uploads/Z')), data);
    await store.abortUpload(target);
  });

  test('sweep deletes spool directories untouched for the given age and stale temporary files', async () => {
    const { store, spoolDir } = await freshSpool();
    const stale = await store.createUpload('uploads/old', 1000);
    const fresh = await store.createUpload('uploads/new', 1000);
    const newDirAfter = async (write: () => Promise<unknown>): Promise<string> => {
      const before = new Set(await readdir(spoolDir));
      await write();
      const added = (await readdir(spoolDir)).filter((name) => !before.has(name));
      assert.equal(added.length, 1);
      return path.join(spoolDir, added[0]!);
    };
    const staleDir = await newDirAfter(() => writeParts(store, stale, randomBytes(1000), 1000, [0]));
    const freshDir = await newDirAfter(() => writeParts(store, fresh, randomBytes(1000), 1000, [0]));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const name of await readdir(staleDir)) await utimes(path.join(staleDir, name), twoHoursAgo, twoHoursAgo);
    await utimes(staleDir, twoHoursAgo, twoHoursAgo);
    const orphanTemp = path.join(freshDir, '0.crashed.tmp');
    await writeFile(orphanTemp, 'half a part');
    await utimes(orphanTemp, twoHoursAgo, twoHoursAgo);

    assert.equal(await store.sweep(3600_000), 1);
    assert.deepEqual(await readdir(spoolDir), [path.basename(freshDir)]);
    assert.deepEqual(await readdir(freshDir), ['0']);
    assert.equal(await store.readableExtent(fresh, 0, 1000), 1000);
    assert.equal(await store.readableExtent(stale, 0, 1000), 0);
    assert.equal(await new SpoolingBlobStore(store, path.join(spoolDir, 'missing')).sweep(0), 0);
    await Promise.all([store.abortUpload(stale), store.abortUpload(fresh)]);
  });
}
