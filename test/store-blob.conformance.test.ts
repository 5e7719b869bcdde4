/** The BlobStore contract (and the UploadReader capability), run against every implementation. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canReadUploads, FsBlobStore, type BlobStore, type ByteSource } from '@tranche/server';

interface Implementation {
  name: string;
  open(): Promise<{ store: BlobStore; dispose(): Promise<void> }>;
}

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'fs',
    async open() {
      const dir = await mkdtemp(path.join(tmpdir(), 'tranche-blob-'));
      return { store: await FsBlobStore.open({ root: dir }), dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
];

async function* chunks(data: Buffer, size = 7): ByteSource {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(source: ByteSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

for (const implementation of IMPLEMENTATIONS) {
  describe(`BlobStore: ${implementation.name}`, () => {
    let store: BlobStore;
    let dispose: () => Promise<void>;
    before(async () => ({ store, dispose } = await implementation.open()));
    after(() => dispose());

    test('parts written out of order at their offsets make the object', async () => {
      const data = randomBytes(25);
      const target = await store.createUpload('uploads/A', data.length);
      const receipts = [];
      for (const [index, offset] of [[2, 20], [0, 0], [1, 10]] as const) {
        const size = Math.min(10, data.length - offset);
        receipts[index] = await store.writePart(target, { partNumber: index + 1, offset, size }, chunks(data.subarray(offset, offset + size)));
      }
      if (canReadUploads(store)) assert.deepEqual(await collect(await store.readUpload(target, 10, 19)), data.subarray(10, 20));
      await store.completeUpload(target, receipts.map((r, i) => ({ partNumber: i + 1, etag: r!.etag })));
      assert.deepEqual(await collect(await store.get('uploads/A')), data);
      assert.deepEqual(await collect(await store.get('uploads/A', { start: 3, end: 12 })), data.subarray(3, 13));
    });

    test('a part body shorter or longer than its size is refused', async () => {
      const target = await store.createUpload('uploads/B', 20);
      await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 10 }, chunks(randomBytes(9))), { name: 'BodyLengthError' });
      await assert.rejects(store.writePart(target, { partNumber: 1, offset: 0, size: 10 }, chunks(randomBytes(11))), { name: 'BodyLengthError' });
      await store.abortUpload(target);
      await store.abortUpload(target); // idempotent
    });

    test('whole objects are put, read and deleted', async () => {
      const data = randomBytes(100_000);
      assert.equal((await store.put('objects/C', chunks(data, 4096))).size, data.length);
      assert.deepEqual(await collect(await store.get('objects/C')), data);
      await store.delete('objects/C');
      await assert.rejects(collect(await store.get('objects/C')));
    });

    test('keys that could escape the store are refused', async () => {
      await assert.rejects(store.put('../escape', chunks(randomBytes(1))));
      await assert.rejects(store.createUpload('uploads/../../x', 1));
    });
  });
}
