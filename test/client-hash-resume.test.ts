/**
 * The core's resumable whole-file hash (used by the browser entry): an upload interrupted after some parts keeps
 * the SHA-1 state in its resume record; resuming it reads only the parts the server lacks (plus the two sampled
 * stored parts), and the commit's digest is still right. A stored part whose local bytes changed (same size and
 * lastModified) is caught by the sample before any part is sent. hash-wasm's SHA-1 stands in for the worker.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createSHA1 } from 'hash-wasm';
import { memoryResumeStore, uploadFile, UploadIncompleteError, type AsyncHasherFactory, type UploadEvent, type UploadSource } from '@tranche/client';
import { startServer, type TestServer } from './helpers/server.js';

const PART = 1 << 20;
const SIZE = 10 * PART + 123;
const TOTAL = Math.ceil(SIZE / PART);

/** hash-wasm SHA-1 behind the AsyncHasher interface, restorable from its saved state (base64). */
const wasmSha1: AsyncHasherFactory = (saved) => {
  const ready = createSHA1().then((h) => {
    h.init();
    if (saved) h.load(Buffer.from(saved, 'base64'));
    return h;
  });
  return {
    update: async (bytes) => void (await ready).update(bytes),
    save: async () => Buffer.from((await ready).save()).toString('base64'),
    digestHex: async () => (await ready).digest('hex'),
  };
};

/** A source over `bytes` that records every range read. */
function countingSource(bytes: Uint8Array, reads: number[], name: string): UploadSource {
  return {
    size: bytes.byteLength,
    name,
    id: name,
    lastModified: 1_700_000_000_000,
    slice: async (start, end) => {
      reads.push(start);
      return bytes.subarray(start, end);
    },
  };
}

describe('resuming with a saved whole-file hash state', { timeout: 120_000 }, () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART)] });
    token = await server.token();
  });
  after(() => server?.dispose());

  /** Uploads until `n` parts are stored, then aborts; answers the store holding the interrupted record. */
  async function interrupted(bytes: Uint8Array, n: number, name: string) {
    const store = memoryResumeStore();
    const controller = new AbortController();
    let parts = 0;
    await assert.rejects(
      uploadFile(countingSource(bytes, [], name), {
        server: server.origin,
        token,
        minChunkedSize: 1000,
        parallel: 1,
        resumeStore: store,
        createWholeHasher: wasmSha1,
        signal: controller.signal,
        onEvent: (e) => e.type === 'part' && ++parts === n && controller.abort(new Error('stop')),
      }),
      (error) => error instanceof UploadIncompleteError && error.resumable,
    );
    const [state] = await store.list();
    assert.ok(state?.hash, 'the record keeps the hash state');
    return { store, state };
  }

  test('only missing parts (and two sampled stored ones) are read again; the digest is right', async () => {
    const bytes = randomBytes(SIZE);
    const { store, state } = await interrupted(bytes, 4, 'resumed.bin');
    const hashedTo = state.hash!.offset;
    assert.ok(hashedTo >= 4 * PART, `hash state covers ${hashedTo} bytes`);
    const reads: number[] = [];
    const events: UploadEvent[] = [];
    const file = await uploadFile(countingSource(bytes, reads, 'resumed.bin'), {
      server: server.origin,
      token,
      minChunkedSize: 1000,
      parallel: 2,
      resumeStore: store,
      createWholeHasher: wasmSha1,
      onEvent: (e) => events.push(e),
    });
    assert.equal(file.sha1, createHash('sha1').update(bytes).digest('hex'));
    const resumed = events.find((e) => e.type === 'resumed');
    assert.ok(resumed && resumed.type === 'resumed');
    const stored = resumed.partsOnServer;
    assert.ok(stored >= 4);
    // Every stored part below the hash state is skipped unread, except the first and last stored (the samples).
    const skipped = Math.min(stored, Math.floor(hashedTo / PART));
    const expected = TOTAL - skipped + 2;
    assert.equal(reads.length, expected, `reads at ${reads.join(', ')}`);
    assert.equal(events.filter((e) => e.type === 'part' && !e.reused).length, TOTAL - stored);
  });

  test('a stored part whose bytes changed (same size and mtime) is caught before any part is sent', async () => {
    const bytes = randomBytes(SIZE);
    const { store } = await interrupted(bytes, 3, 'changed.bin');
    const changed = Buffer.from(bytes);
    // Inside the last stored part, which the saved hash state covers: only the sample reads it before commit.
    const at = 2 * PART + 10;
    changed[at] = changed[at]! ^ 0xff;
    const events: UploadEvent[] = [];
    const file = await uploadFile(countingSource(changed, [], 'changed.bin'), {
      server: server.origin,
      token,
      minChunkedSize: 1000,
      parallel: 2,
      resumeStore: store,
      createWholeHasher: wasmSha1,
      onEvent: (e) => events.push(e),
    });
    const restarted = events.findIndex((e) => e.type === 'restarted' && e.reason === 'file_changed');
    assert.ok(restarted >= 0, 'the change is reported');
    assert.equal(events.slice(0, restarted).filter((e) => e.type === 'part').length, 0, 'no part was sent or counted before');
    assert.equal(file.sha1, createHash('sha1').update(changed).digest('hex'));
  });
});
