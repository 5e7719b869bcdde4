/**
 * The core's range-hasher path (what the browser page uses): a source with `body()` and `createRangeHasher` set.
 * Each part's SHA-1 and the whole-file SHA-1 come from the range hasher (the page's own: workerRangeHasher over
 * the real worker code, served in this process), the part is sent as the source's opaque body (a Blob, through the core's fetch transport),
 * and the source's bytes are never read through `slice()`. Interrupted and resumed with the saved hash state, only
 * missing parts are added to the whole hash; a changed stored part is caught by the sample.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  fetchTransport,
  LocalFileChangedError,
  memoryResumeStore,
  uploadFile,
  UploadIncompleteError,
  type RangeHasherFactory,
  type UploadEvent,
  type UploadSource,
} from '@tranche/client';
import { workerRangeHasher } from '@tranche/client/browser';
import { serveSha1Worker } from '@tranche/client/browser/hash-worker';
import { startServer, type TestServer } from './helpers/server.js';

const PART = 1 << 20;
const SIZE = 10 * PART + 321;
const TOTAL = Math.ceil(SIZE / PART);

interface Call {
  start: number;
  end: number;
  whole: boolean;
  save: boolean;
}

type WorkerLike = ReturnType<Parameters<typeof workerRangeHasher>[0]>;

/** The browser's SHA-1 worker (serveSha1Worker, the real one) served in this process, messages passed in turn. */
function inProcessWorker(): WorkerLike {
  const scope: Parameters<typeof serveSha1Worker>[0] = {
    onmessage: null,
    postMessage: (reply) => setImmediate(() => worker.onmessage?.({ data: reply })),
  };
  const worker = {
    onmessage: null as ((event: { data: unknown }) => void) | null,
    onerror: null,
    onmessageerror: null,
    postMessage: (request: Parameters<NonNullable<typeof scope.onmessage>>[0]['data']) => setImmediate(() => scope.onmessage?.({ data: request })),
    terminate: () => {
      scope.onmessage = null;
    },
  };
  serveSha1Worker(scope);
  return worker as unknown as WorkerLike;
}

/** The page's range hasher (workerRangeHasher over the real worker code), recording every call. */
function blobRangeHasher(calls: Call[]): RangeHasherFactory {
  const real = workerRangeHasher(inProcessWorker);
  return (source, saved) => {
    const hasher = real(source, saved);
    return {
      ...hasher,
      hash: (start, end, options) => {
        calls.push({ start, end, ...options });
        return hasher.hash(start, end, options);
      },
    };
  };
}

/** A Blob source whose slice() (the read-here path) counts its calls. */
function blobFileSource(bytes: Uint8Array, name: string, sliced: number[]): UploadSource {
  const blob = new Blob([bytes]);
  return {
    size: blob.size,
    name,
    id: name,
    lastModified: 1_700_000_000_000,
    slice: async (start, end) => {
      sliced.push(start);
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    body: (start, end) => blob.slice(start, end),
  };
}

/** The core's fetch transport, recording the kind of every PUT body. */
function recordingFetch(bodies: string[]) {
  return fetchTransport(((url: string, init: Record<string, unknown>) => {
    if (init['method'] === 'PUT') bodies.push(init['body'] instanceof Blob ? 'blob' : typeof init['body']);
    return globalThis.fetch(url, init as RequestInit);
  }) as never);
}

describe('chunked uploads through a range hasher and opaque bodies', { timeout: 120_000 }, () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART)] });
    token = await server.token();
  });
  after(() => server?.dispose());

  const options = (calls: Call[], bodies: string[]) => ({
    server: server.origin,
    token,
    minChunkedSize: 1000,
    createRangeHasher: blobRangeHasher(calls),
    transport: recordingFetch(bodies),
  });

  test('every part is hashed once by the range hasher, in offset order, sent as a Blob; nothing is read here', async () => {
    const bytes = randomBytes(SIZE);
    const calls: Call[] = [];
    const bodies: string[] = [];
    const sliced: number[] = [];
    const file = await uploadFile(blobFileSource(bytes, 'ranges.bin', sliced), { ...options(calls, bodies), parallel: 4 });
    assert.equal(file.sha1, createHash('sha1').update(bytes).digest('hex'));
    assert.equal(file.size, SIZE);
    assert.deepEqual(sliced, [], 'the source was not read through slice()');
    assert.deepEqual(
      calls.map((c) => [c.start, c.end, c.whole]),
      Array.from({ length: TOTAL }, (_, i) => [i * PART, Math.min(SIZE, (i + 1) * PART), true]),
    );
    assert.deepEqual(bodies, Array(TOTAL).fill('blob'));
  });

  test('interrupted, then resumed from the saved state: only missing parts join the whole hash', async () => {
    const bytes = randomBytes(SIZE);
    const store = memoryResumeStore();
    const controller = new AbortController();
    let parts = 0;
    await assert.rejects(
      uploadFile(blobFileSource(bytes, 'resumed.bin', []), {
        ...options([], []),
        parallel: 1,
        resumeStore: store,
        signal: controller.signal,
        onEvent: (e) => e.type === 'part' && ++parts === 4 && controller.abort(new Error('stop')),
      }),
      (error) => error instanceof UploadIncompleteError && error.resumable,
    );
    const [state] = await store.list();
    const hashedTo = state?.hash?.offset ?? 0;
    assert.ok(hashedTo >= 4 * PART, `the record keeps a hash state (covers ${hashedTo} bytes)`);
    const calls: Call[] = [];
    const bodies: string[] = [];
    const sliced: number[] = [];
    const events: UploadEvent[] = [];
    const file = await uploadFile(blobFileSource(bytes, 'resumed.bin', sliced), {
      ...options(calls, bodies),
      parallel: 2,
      resumeStore: store,
      onEvent: (e) => events.push(e),
    });
    assert.equal(file.sha1, createHash('sha1').update(bytes).digest('hex'));
    assert.deepEqual(sliced, []);
    const resumed = events.find((e) => e.type === 'resumed');
    assert.ok(resumed && resumed.type === 'resumed' && resumed.partsOnServer >= 4);
    const wholeStarts = calls.filter((c) => c.whole).map((c) => c.start);
    assert.equal(wholeStarts[0], hashedTo, 'the whole hash continues where the saved state stopped');
    assert.deepEqual(wholeStarts, [...wholeStarts].sort((a, b) => a - b));
    assert.equal(calls.filter((c) => !c.whole && c.start < hashedTo).length >= 1, true, 'the sampled stored parts are checked');
    assert.equal(bodies.length, TOTAL - resumed.partsOnServer);
  });

  test('a stored part whose bytes changed is caught by the sample before any part is sent', async () => {
    const bytes = randomBytes(SIZE);
    const store = memoryResumeStore();
    const controller = new AbortController();
    let parts = 0;
    await assert.rejects(
      uploadFile(blobFileSource(bytes, 'changed.bin', []), {
        ...options([], []),
        parallel: 1,
        resumeStore: store,
        signal: controller.signal,
        onEvent: (e) => e.type === 'part' && ++parts === 3 && controller.abort(new Error('stop')),
      }),
      (error) => error instanceof UploadIncompleteError && error.resumable,
    );
    const changed = Buffer.from(bytes);
    changed[2 * PART + 10] = changed[2 * PART + 10]! ^ 0xff;
    const events: UploadEvent[] = [];
    const file = await uploadFile(blobFileSource(changed, 'changed.bin', []), {
      ...options([], []),
      parallel: 2,
      resumeStore: store,
      onEvent: (e) => events.push(e),
    });
    const restarted = events.findIndex((e) => e.type === 'restarted' && e.reason === 'file_changed');
    assert.ok(restarted >= 0, 'the change is reported');
    assert.equal(events.slice(0, restarted).filter((e) => e.type === 'part').length, 0);
    assert.equal(file.sha1, createHash('sha1').update(changed).digest('hex'));
  });

  test('without body() the same options read the bytes here (the Node path)', async () => {
    const bytes = randomBytes(3 * PART);
    const calls: Call[] = [];
    const sliced: number[] = [];
    const { body: _unused, ...plain } = blobFileSource(bytes, 'plain.bin', sliced);
    const file = await uploadFile(plain, { ...options(calls, []), parallel: 2 });
    assert.equal(file.sha1, createHash('sha1').update(bytes).digest('hex'));
    assert.deepEqual(calls, []);
    assert.deepEqual(sliced, [0, PART, 2 * PART]);
  });

  test("a range the File no longer holds is the bytes path's LocalFileChangedError, not a bare worker error", async () => {
    const hasher = workerRangeHasher(inProcessWorker)(new Blob([randomBytes(1000)]));
    try {
      await assert.rejects(hasher.hash(0, 2000, { whole: true, save: false }), (error) => error instanceof LocalFileChangedError && /read 1000 bytes/.test(error.message));
    } finally {
      hasher.dispose?.();
    }
  });
});
