/**
 * fdatasync shared between the writers of one file. Parts of an upload land in the same file from parallel
 * requests; a flush covers every write that finished before it started, so a writer whose write finished while a
 * flush ran waits for the next one, which all such writers share. Fewer flushes, same guarantee: no part is
 * acknowledged before a flush that started after its write.
 */
import type { FileHandle } from 'node:fs/promises';

interface FileSyncs {
  running: Promise<void> | null;
  /** The flush queued behind `running`, shared by every writer that arrived meanwhile. */
  next: Promise<void> | null;
}

export class GroupSync {
  private readonly files = new Map<string, FileSyncs>();

  /** Resolves once a flush of `file` that started after this call has finished. `handle` stays open until then. */
  sync(file: string, handle: FileHandle): Promise<void> {
    let entry = this.files.get(file);
    if (!entry) {
      entry = { running: null, next: null };
      this.files.set(file, entry);
    }
    if (!entry.running) return this.start(file, entry, handle);
    entry.next ??= entry.running.then(
      () => this.start(file, entry, handle, true),
      () => this.start(file, entry, handle, true),
    );
    return entry.next;
  }

  private start(file: string, entry: FileSyncs, handle: FileHandle, promoted = false): Promise<void> {
    if (promoted) entry.next = null;
    const running = handle.datasync().finally(() => {
      if (entry.running === running) entry.running = null;
      if (!entry.running && !entry.next) this.files.delete(file);
    });
    entry.running = running;
    return running;
  }
}
