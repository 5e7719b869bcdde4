/**
 * The SHA-1 worker: hash-wasm's incremental SHA-1, one whole-file hasher per worker, fed parts in offset order.
 * Its state can be saved (after any number of updates) and loaded, so an interrupted upload resumes hashing where
 * it stopped. Two ways to feed it: `update` with bytes (worker-hasher.ts), or `open` with a Blob (the File, a
 * handle) and then `range` per part, read here (blob-reader.ts) and answered with the part's SHA-1 and the saved
 * state only (range-hasher.ts). Start it from a worker script:
 * `import { serveSha1Worker } from '@tranche/client/browser/hash-worker'; serveSha1Worker(self)`.
 */
import { createSHA1, type IHasher } from 'hash-wasm';
import { blobRangeReader, FileChangedError } from './blob-reader.js';

export type HashRequest =
  | { id: number; op: 'init'; state?: string | undefined }
  | { id: number; op: 'update'; bytes: Uint8Array }
  | { id: number; op: 'open'; source: Blob; state?: string | undefined }
  | { id: number; op: 'range'; start: number; end: number; whole: boolean; save: boolean }
  | { id: number; op: 'save' }
  | { id: number; op: 'digest' };

/** `changed`: the File no longer holds the range asked for (shorter, or unreadable since it was picked). */
export type HashReply = { id: number; ok: true; value?: string | undefined; state?: string | undefined } | { id: number; ok: false; error: string; changed?: boolean };

interface WorkerScope {
  onmessage: ((event: { data: HashRequest }) => void) | null;
  postMessage(message: HashReply): void;
}

export function serveSha1Worker(scope: WorkerScope): void {
  let hasher: Promise<IHasher> | undefined;
  let part: Promise<IHasher> | undefined;
  let source: Blob | undefined;
  let range: ReturnType<typeof rangeHasher> | undefined;
  // Requests are handled strictly in order: an update must land before the next update, save or digest.
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event) => {
    const request = event.data;
    queue = queue.then(async () => {
      try {
        const result = await handle(request);
        scope.postMessage(typeof result === 'object' ? { id: request.id, ok: true, ...result } : { id: request.id, ok: true, value: result });
      } catch (error) {
        const changed = error instanceof FileChangedError || (error instanceof Error && error.name === 'NotReadableError');
        scope.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), changed });
      }
    });
  };

  async function handle(request: HashRequest): Promise<string | undefined | { value: string; state?: string | undefined }> {
    if (request.op === 'init' || request.op === 'open') {
      if (request.op === 'open') {
        range?.close();
        range = undefined;
        source = request.source;
      }
      hasher = createSHA1().then((h) => {
        h.init();
        if (request.state) h.load(fromBase64(request.state));
        return h;
      });
      await hasher;
      return undefined;
    }
    if (!hasher) throw new Error('the hasher was not initialised');
    const h = await hasher;
    if (request.op === 'update') {
      h.update(request.bytes);
      return undefined;
    }
    if (request.op === 'save') return toBase64(h.save());
    if (request.op === 'range') {
      if (!source) throw new Error('no source was opened');
      try {
        return await (range ??= rangeHasher(source)).hash(h, await (part ??= createSHA1()), request);
      } catch (error) {
        // Part of the range may be in the whole-file hash already: it is no longer a hash of any prefix.
        hasher = Promise.reject(new Error(`the whole-file hash was left incomplete by: ${error instanceof Error ? error.message : String(error)}`));
        hasher.catch(() => undefined);
        throw error;
      }
    }
    return h.digest('hex');
  }
}

/** The part at [start, end): its SHA-1, and with `whole` the whole-file hash fed the same bytes in offset order. */
function rangeHasher(source: Blob) {
  const reader = blobRangeReader(source);
  return {
    async hash(whole: IHasher, part: IHasher, request: Extract<HashRequest, { op: 'range' }>): Promise<{ value: string; state?: string | undefined }> {
      part.init();
      await reader.read(request.start, request.end, request.whole, (chunk) => {
        part.update(chunk);
        if (request.whole) whole.update(chunk);
      });
      return { value: part.digest('hex'), state: request.whole && request.save ? toBase64(whole.save()) : undefined };
    },
    /** Cancels the stream a run of ranges left open (another file is opened in its place). */
    close: () => reader.close(),
  };
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
