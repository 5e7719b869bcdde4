/**
 * The page's SHA-1 worker (serveSha1Worker) driven by messages in this process: ranges of an opened Blob give the
 * parts' SHA-1 and, in offset order, the whole file's; a second `open` cancels the stream the first file's run
 * left open and hashes the new file from a fresh whole-file hasher.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { serveSha1Worker, type HashReply, type HashRequest } from '@tranche/client/browser/hash-worker';
import { countedBlob } from './helpers/counted-blob.js';

const MiB = 1 << 20;
type Request = HashRequest extends infer R ? (R extends HashRequest ? Omit<R, 'id'> : never) : never;

/** The worker's scope in this process; `call` posts one request and resolves with its reply. */
function worker() {
  const replies = new Map<number, (reply: HashReply) => void>();
  const scope: Parameters<typeof serveSha1Worker>[0] = { onmessage: null, postMessage: (reply) => replies.get(reply.id)?.(reply) };
  serveSha1Worker(scope);
  let id = 0;
  return (request: Request): Promise<HashReply> =>
    new Promise((resolve) => {
      const message = { ...request, id: ++id } as HashRequest;
      replies.set(message.id, resolve);
      scope.onmessage!({ data: message });
    });
}

const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

test('a second open cancels the first file stream; the second file hashes whole from the start', async () => {
  const call = worker();
  const firstBytes = randomBytes(4 * MiB);
  const first = countedBlob(firstBytes, false);
  const secondBytes = randomBytes(3 * MiB + 17);
  const second = countedBlob(secondBytes, false);

  assert.deepEqual(await call({ op: 'open', source: first.blob }), { id: 1, ok: true, value: undefined });
  const part = (await call({ op: 'range', start: 0, end: MiB, whole: true, save: false })) as Extract<HashReply, { ok: true }>;
  assert.equal(part.value, sha1(firstBytes.subarray(0, MiB)));
  assert.equal(first.open(), 1, 'the run keeps its stream for the next part');

  await call({ op: 'open', source: second.blob });
  assert.equal(first.open(), 0, 'the first file stream was cancelled');
  assert.equal(first.cancelled.length, 1);

  for (let at = 0; at < secondBytes.length; at += MiB) {
    const end = Math.min(secondBytes.length, at + MiB);
    const reply = (await call({ op: 'range', start: at, end, whole: true, save: false })) as Extract<HashReply, { ok: true }>;
    assert.equal(reply.value, sha1(secondBytes.subarray(at, end)), `part at ${at}`);
  }
  assert.equal(((await call({ op: 'digest' })) as Extract<HashReply, { ok: true }>).value, sha1(secondBytes));
  assert.equal(second.open(), 0);
});
