/**
 * The whole-file SHA-1 worker: hash-wasm's incremental SHA-1, one hasher per worker, fed parts in offset order.
 * Its state can be saved (after any number of updates) and loaded, so an interrupted upload resumes hashing where
 * it stopped. Start it from a worker script: `import { serveSha1Worker } from '@tranche/client/browser/hash-worker';
 * serveSha1Worker(self)`. Messages: see worker-hasher.ts.
 */
import { createSHA1, type IHasher } from 'hash-wasm';

export type HashRequest =
  | { id: number; op: 'init'; state?: string | undefined }
  | { id: number; op: 'update'; bytes: Uint8Array }
  | { id: number; op: 'save' }
  | { id: number; op: 'digest' };

export type HashReply = { id: number; ok: true; value?: string } | { id: number; ok: false; error: string };

interface WorkerScope {
  onmessage: ((event: { data: HashRequest }) => void) | null;
  postMessage(message: HashReply): void;
}

export function serveSha1Worker(scope: WorkerScope): void {
  let hasher: Promise<IHasher> | undefined;
  // Requests are handled strictly in order: an update must land before the next update, save or digest.
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event) => {
    const request = event.data;
    queue = queue.then(async () => {
      try {
        scope.postMessage({ id: request.id, ok: true, value: await handle(request) });
      } catch (error) {
        scope.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    });
  };

  async function handle(request: HashRequest): Promise<string | undefined> {
    if (request.op === 'init') {
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
    return h.digest('hex');
  }
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
