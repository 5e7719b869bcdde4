/**
 * The page worker's file reader (blob-reader.ts): ranges asked for in offset order are served by one stream that
 * runs on, a range read on its own leaves that stream where it was, and a file shorter than the range asked for is
 * a FileChangedError. Both ways of reading: BYOB into one reused buffer (Node's and Chromium's Blob streams), and a
 * default reader whose chunks straddle the ranges (browsers without byte streams).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { blobRangeReader, FileChangedError, type BlobRangeReader } from '@tranche/client/browser/blob-reader';
import { countedBlob } from './helpers/counted-blob.js';

const MiB = 1 << 20;

async function collect(reader: BlobRangeReader, start: number, end: number, onward: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await reader.read(start, end, onward, (chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks);
}

for (const plain of [false, true]) {
  describe(`blobRangeReader, ${plain ? 'default reader (chunks straddle ranges)' : 'BYOB'}`, () => {
    const bytes = randomBytes(5 * MiB + 123);

    test('ranges in offset order: the right bytes, one stream for the whole run', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const reader = blobRangeReader(blob);
      const part = 1_300_000;
      for (let at = 0; at < bytes.length; at += part) {
        const end = Math.min(bytes.length, at + part);
        assert.ok((await collect(reader, at, end, true)).equals(bytes.subarray(at, end)), `range at ${at}`);
      }
      assert.deepEqual(streams, [{ start: 0, end: bytes.length }]);
    });

    test('a range read on its own between two onward ranges leaves the run where it was', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const reader = blobRangeReader(blob);
      assert.ok((await collect(reader, 0, MiB, true)).equals(bytes.subarray(0, MiB)));
      assert.ok((await collect(reader, 3 * MiB, 4 * MiB, false)).equals(bytes.subarray(3 * MiB, 4 * MiB)));
      assert.ok((await collect(reader, MiB, 2 * MiB, true)).equals(bytes.subarray(MiB, 2 * MiB)));
      assert.deepEqual(streams, [
        { start: 0, end: bytes.length },
        { start: 3 * MiB, end: 4 * MiB },
      ]);
    });

    test('an onward range that does not follow the last one starts a new stream there', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const reader = blobRangeReader(blob);
      await collect(reader, 0, MiB, true);
      assert.ok((await collect(reader, 4 * MiB, 5 * MiB, true)).equals(bytes.subarray(4 * MiB, 5 * MiB)));
      assert.ok((await collect(reader, 5 * MiB, bytes.length, true)).equals(bytes.subarray(5 * MiB)));
      assert.deepEqual(streams, [
        { start: 0, end: bytes.length },
        { start: 4 * MiB, end: bytes.length },
      ]);
    });

    test('a file shorter than the range is a FileChangedError, and the next range reads afresh', async () => {
      const short = bytes.subarray(0, 2 * MiB);
      const { blob } = countedBlob(short, plain);
      // The blob claims the full size: the file was cut after it was picked.
      const claimed = { size: bytes.length, slice: blob.slice, stream: blob.stream } as unknown as Blob;
      const reader = blobRangeReader(claimed);
      await assert.rejects(collect(reader, MiB, 3 * MiB, true), (error: unknown) => error instanceof FileChangedError && /read 1048576 bytes at offset 1048576/.test((error as Error).message));
      assert.ok((await collect(reader, 0, MiB, true)).equals(short.subarray(0, MiB)));
    });

    test('close cancels the stream a run left open; the next range opens a new one', async () => {
      const { blob, streams, cancelled } = countedBlob(bytes, plain);
      const reader = blobRangeReader(blob);
      await collect(reader, 0, MiB, true);
      assert.equal(cancelled.length, 0);
      reader.close();
      assert.equal(cancelled.length, 1);
      assert.equal(cancelled[0]!.start, 0);
      reader.close();
      assert.equal(cancelled.length, 1, 'a second close has nothing left to cancel');
      assert.ok((await collect(reader, MiB, 2 * MiB, true)).equals(bytes.subarray(MiB, 2 * MiB)));
      assert.equal(streams.length, 2);
    });

    test('a run read to the end of the file, and a range read on its own, leave no stream open', async () => {
      const { blob, streams, open } = countedBlob(bytes, plain);
      const reader = blobRangeReader(blob);
      await collect(reader, 2 * MiB, 3 * MiB, false);
      assert.equal(open(), 0, 'the range read on its own');
      for (let at = 0; at < bytes.length; at += 2 * MiB) await collect(reader, at, Math.min(bytes.length, at + 2 * MiB), true);
      assert.equal(streams.length, 2);
      assert.equal(open(), 0, 'the run read to the end');
    });
  });
}
