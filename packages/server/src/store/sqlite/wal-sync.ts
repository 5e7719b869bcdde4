/**
 * Durable before answered, without blocking the event loop. With `synchronous = FULL`, SQLite fsyncs its WAL inside
 * each COMMIT, and better-sqlite3 runs that on the event loop: every write stalled every request for the fsync
 * (5 ms at the median on a busy disk). The store runs `synchronous = NORMAL` instead (a COMMIT only writes the WAL)
 * and flushes the WAL here, on libuv's thread pool, before a write's result is handed back: what a client was told
 * is stored is on disk, as before. A result that merely read must not get ahead of a flush either (it may show a
 * write still being flushed), so it waits for the flush in flight, if any. Flushes are shared: one covers every
 * COMMIT before it started (GroupSync).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { GroupSync } from '../fs/group-sync.js';

export interface WalSync {
  /** Resolves once a flush of the WAL that started after this call has finished. */
  afterWrite(): Promise<void>;
  /** Resolves once the flush in flight (if any) has finished: a read cannot have seen anything newer unflushed. */
  afterRead(): Promise<void>;
  close(): Promise<void>;
}

export function walSync(databaseFile: string): WalSync {
  const walFile = `${databaseFile}-wal`;
  const groups = new GroupSync();
  let handle: Promise<FileHandle> | undefined;
  let inFlight: Promise<void> | undefined;
  return {
    afterWrite() {
      // The WAL exists from the first write on (and stays: the store keeps its connection open until close).
      const opened = (handle ??= open(walFile, 'r'));
      opened.catch(() => {
        if (handle === opened) handle = undefined; // tried again by the next write
      });
      const flush = opened.then((h) => groups.sync(walFile, h));
      const tracked = flush.finally(() => {
        if (inFlight === tracked) inFlight = undefined;
      });
      inFlight = tracked;
      return tracked;
    },
    afterRead() {
      return inFlight ? inFlight.catch(() => undefined) : Promise.resolve();
    },
    async close() {
      await inFlight?.catch(() => undefined);
      await (await handle?.catch(() => undefined))?.close();
    },
  };
}
