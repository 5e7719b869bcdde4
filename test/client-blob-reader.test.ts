/**
 * The page worker's file reader (blob-reader.ts): ranges asked for in offset order are served by one stream that
 * runs on, a range read on its own leaves that stream where it was, and a file shorter than the range asked for is
 * a FileChangedError. Both ways of reading: BYOB into one reused buffer (Node's and Chromium's Blob streams), and a
 * default reader whose chunks straddle the ranges (browsers without byte streams).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { blobRangeReader, FileChangedError } from '@tranche/client/browser/blob-reader';

const MiB = 1 << 20;

/** A Blob (as far as the reader uses one: size, slice, stream) whose streams are counted, and, with `plain`, are default streams in 700 KB chunks (no BYOB). */
function countedBlob(bytes: Uint8Array, plain: boolean): { blob: Blob; streams: Array<{ start: number; end: number }> } {
  const streams: Array<{ start: number; end: number }> = [];
  const wrap = (start: number, end: number): Blob => {
    const inner = new Blob([bytes.subarray(start, end)]);
    return {
      size: end - start,
      slice: (a = 0, b = end - start) => wrap(start + a, start + Math.min(b, end - start)),
      stream: () => {
        streams.push({ start, end });
        if (!plain) return inner.stream();
        let at = 0;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= end - start) return controller.close();
            const n = Math.min(700_000, end - start - at);
            controller.enqueue(bytes.slice(start + at, start + at + n));
            at += n;
          },
        });
      },
    } as unknown as Blob;
  };
  return { blob: wrap(0, bytes.length), streams };
}

async function collect(read: ReturnType<typeof blobRangeReader>, start: number, end: number, onward: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await read(start, end, onward, (chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks);
}

for (const plain of [false, true]) {
  describe(`blobRangeReader, ${plain ? 'default reader (chunks straddle ranges)' : 'BYOB'}`, () => {
    const bytes = randomBytes(5 * MiB + 123);

    test('ranges in offset order: the right bytes, one stream for the whole run', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const read = blobRangeReader(blob);
      const part = 1_300_000;
      for (let at = 0; at < bytes.length; at += part) {
        const end = Math.min(bytes.length, at + part);
        assert.ok((await collect(read, at, end, true)).equals(bytes.subarray(at, end)), `range at ${at}`);
      }
      assert.deepEqual(streams, [{ start: 0, end: bytes.length }]);
    });

    test('a range read on its own between two onward ranges leaves the run where it was', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const read = blobRangeReader(blob);
      assert.ok((await collect(read, 0, MiB, true)).equals(bytes.subarray(0, MiB)));
      assert.ok((await collect(read, 3 * MiB, 4 * MiB, false)).equals(bytes.subarray(3 * MiB, 4 * MiB)));
      assert.ok((await collect(read, MiB, 2 * MiB, true)).equals(bytes.subarray(MiB, 2 * MiB)));
      assert.deepEqual(streams, [
        { start: 0, end: bytes.length },
        { start: 3 * MiB, end: 4 * MiB },
      ]);
    });

    test('an onward range that does not follow the last one starts a new stream there', async () => {
      const { blob, streams } = countedBlob(bytes, plain);
      const read = blobRangeReader(blob);
      await collect(read, 0, MiB, true);
      assert.ok((await collect(read, 4 * MiB, 5 * MiB, true)).equals(bytes.subarray(4 * MiB, 5 * MiB)));
      assert.ok((await collect(read, 5 * MiB, bytes.length, true)).equals(bytes.subarray(5 * MiB)));
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
      const read = blobRangeReader(claimed);
      await assert.rejects(collect(read, MiB, 3 * MiB, true), (error: unknown) => error instanceof FileChangedError && /read 1048576 bytes at offset 1048576/.test((error as Error).message));
      assert.ok((await collect(read, 0, MiB, true)).equals(short.subarray(0, MiB)));
    });
  });
}
