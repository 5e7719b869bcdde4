/**
 * The resume store in IndexedDB: one record per interrupted upload (session, parts acknowledged, whole-file SHA-1
 * state), written with `durability: 'strict'` so a record survives a browser crash right after the write. Beside
 * it, optional per-upload extras the page keeps (a FileSystemFileHandle on Chromium, the folder it went to).
 */
import type { ResumeStore, UploadState } from '../core/index.js';

const STATES = 'uploads';
const EXTRAS = 'extras';

export interface IndexedDbResumeStore extends ResumeStore {
  /** Anything structured-cloneable kept with an upload (removed with it). */
  getExtra<T>(key: string): Promise<T | undefined>;
  setExtra(key: string, value: unknown): Promise<void>;
  close(): void;
}

export function indexedDbResumeStore(dbName = 'tranche-uploads'): IndexedDbResumeStore {
  let opened: Promise<IDBDatabase> | undefined;
  const db = (): Promise<IDBDatabase> =>
    (opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STATES);
        request.result.createObjectStore(EXTRAS);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDB ${dbName} is blocked by another tab`));
    }));

  async function run<T>(stores: string[], mode: IDBTransactionMode, work: (tx: IDBTransaction) => IDBRequest<T> | undefined): Promise<T> {
    const tx = (await db()).transaction(stores, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
    const request = work(tx);
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request?.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  return {
    async get(key) {
      const state = await run<UploadState | undefined>([STATES], 'readonly', (tx) => tx.objectStore(STATES).get(key));
      return state?.version === 1 && state.key === key ? state : undefined;
    },
    async set(key, state) {
      await run([STATES], 'readwrite', (tx) => tx.objectStore(STATES).put(state, key));
    },
    async remove(key) {
      await run([STATES, EXTRAS], 'readwrite', (tx) => {
        tx.objectStore(STATES).delete(key);
        tx.objectStore(EXTRAS).delete(key);
        return undefined;
      });
    },
    async list() {
      const states = await run<UploadState[]>([STATES], 'readonly', (tx) => tx.objectStore(STATES).getAll());
      return states.filter((s) => s?.version === 1).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async getExtra<T>(key: string) {
      return run<T | undefined>([EXTRAS], 'readonly', (tx) => tx.objectStore(EXTRAS).get(key));
    },
    async setExtra(key, value) {
      await run([EXTRAS], 'readwrite', (tx) => tx.objectStore(EXTRAS).put(value, key));
    },
    close() {
      void opened?.then((d) => d.close());
      opened = undefined;
    },
  };
}
