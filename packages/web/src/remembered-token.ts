/**
 * "Remember me": the token kept in IndexedDB with strict durability. localStorage alone is flushed to disk lazily, so
 * a browser that crashes seconds after sign-in forgets it, and with it the way back to its interrupted uploads.
 */
const DB = 'tranche-sign-in';
const STORE = 'token';
const KEY = 'remembered';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export async function rememberedToken(): Promise<string | undefined> {
  const value = await run('readonly', (store) => store.get(KEY)).catch(() => undefined);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function rememberToken(token: string): Promise<unknown> {
  return run('readwrite', (store) => store.put(token, KEY));
}

export function forgetToken(): Promise<unknown> {
  return run('readwrite', (store) => store.delete(KEY)).catch(() => undefined);
}
