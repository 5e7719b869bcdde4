/**
 * The upload queue behind the page: one UploadItem per file, run through @tranche/client's uploadFile with the
 * browser entry (IndexedDB resume store; part and whole-file SHA-1 read and computed in a worker, Web Crypto for
 * small files). Folders and names are Destinations' (destinations.ts). At most one
 * chunked upload (4 parts in flight) and three small ones run at once, so memory stays bounded by parts in
 * flight × part size. Pause = abort keeping the session and its IndexedDB record; resume/retry = the same upload
 * again (the core resumes it); cancel = abort and delete the session. Offline pauses; online resumes.
 */
import { DEFAULT_MIN_CHUNKED_SIZE } from '@tranche/protocol';
import { blobSource, indexedDbResumeStore, RateMeter, uploadFile, uploadResumeKey, UploadIncompleteError, type UploadEvent, type UploadOptions, type UploadState } from '@tranche/client/browser';
import { abort, clientOptions, conflictOf, describe, type Connection } from './api.js';
import { Destinations } from './destinations.js';
import { sizeOf, type AddedFile, type ClashChoice, type Extra, type Status, type UploadItem } from './upload-item.js';

const SMALL_SLOTS = 3;
export const store = indexedDbResumeStore('tranche-uploads');

export class UploadQueue {
  readonly items: UploadItem[] = [];
  /** Items whose size is known (filled in the background, a few at a time). */
  sized = 0;
  private sizing = false;
  /** Items before this index are all finished: pump() starts here. */
  private firstOpen = 0;
  private nextId = 1;
  private chunkedRunning = 0;
  private smallRunning = 0;
  private readonly destinations: Destinations;
  private clashAll: ClashChoice | undefined;
  private asking: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conn: Connection,
    /** Something changed: re-render soon, or at once (`now`). */
    private readonly changed: (now?: boolean) => void,
    /** Ask the person what to do about a name clash. */
    private readonly askClash: (item: UploadItem) => Promise<{ choice: ClashChoice; all: boolean }>,
    private readonly announce: (text: string) => void,
    uploadedInto: (folderId: string) => void,
  ) {
    this.destinations = new Destinations(conn, uploadedInto);
    addEventListener('offline', () => this.goOffline());
    addEventListener('online', () => this.goOnline());
  }

  add(files: AddedFile[], emptyDirs: string[], folderId: string): void {
    for (const { file, path, handle, resumeOf } of files) {
      const name = resumeOf?.name || path.split('/').pop() || file.name;
      this.items.push({ id: this.nextId++, file, path, name, baseFolderId: folderId, status: 'queued', bytes: 0, meter: new RateMeter(), message: '', handle, resumeOf });
    }
    for (const dir of emptyDirs) void this.destinations.folderFor(folderId, dir.split('/').filter(Boolean)).catch((e: unknown) => this.announce(`Could not create folder ${dir}: ${describe(e)}`));
    this.announce(`${files.length} file${files.length === 1 ? '' : 's'} added${emptyDirs.length ? ` and ${emptyDirs.length} empty folder${emptyDirs.length === 1 ? '' : 's'}` : ''}`);
    this.changed(true);
    this.pump();
    this.fillSizes();
  }

  /** Reads sizes for the totals in idle time, ~10 ms at a time, so rendering and input always come first. */
  private fillSizes(): void {
    if (this.sizing) return;
    this.sizing = true;
    const idle = (fn: () => void): void => {
      if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 500 });
      else setTimeout(fn, 20);
    };
    const step = (): void => {
      const end = performance.now() + 10;
      while (this.sized < this.items.length && performance.now() < end) sizeOf(this.items[this.sized++]!);
      this.changed();
      if (this.sized < this.items.length) idle(step);
      else this.sizing = false;
    };
    idle(step);
  }

  pause(item: UploadItem): void {
    if (item.status === 'uploading') this.stop(item, 'pause');
    else if (item.status === 'queued') item.status = 'paused';
    this.changed();
  }

  resume(item: UploadItem): void {
    if (item.status === 'paused' || item.status === 'failed' || item.status === 'offline') {
      item.status = 'queued';
      item.message = '';
      this.changed();
      this.pump();
    }
  }

  async cancel(item: UploadItem): Promise<void> {
    if (item.status === 'uploading') this.stop(item, 'cancel');
    else if (item.status !== 'done') {
      item.status = 'cancelled';
      await this.forget(item);
    }
    this.changed();
  }

  pauseAll(): void {
    for (const item of this.items) this.pause(item);
  }

  resumeAll(): void {
    for (const item of this.items) if (item.status === 'paused' || item.status === 'failed') item.status = 'queued';
    this.changed();
    this.pump();
  }

  async cancelAll(): Promise<void> {
    await Promise.all(this.items.map((item) => this.cancel(item)));
  }

  clearFinished(): void {
    const keep = this.items.filter((i) => !['done', 'cancelled', 'skipped'].includes(i.status));
    this.items.splice(0, this.items.length, ...keep);
    this.firstOpen = 0;
    this.sized = this.items.findIndex((i) => i.size === undefined);
    if (this.sized < 0) this.sized = this.items.length;
    else this.fillSizes();
    this.changed();
  }

  private stop(item: UploadItem, reason: 'pause' | 'offline' | 'cancel'): void {
    item.stopReason = reason;
    item.controller?.abort(new DOMException(reason, 'AbortError'));
  }

  private goOffline(): void {
    for (const item of this.items) if (item.status === 'uploading') this.stop(item, 'offline');
    this.announce('Offline: uploads paused; they resume when the connection returns');
  }

  private goOnline(): void {
    let any = false;
    for (const item of this.items) {
      if (item.status === 'offline') {
        item.status = 'queued';
        any = true;
      }
    }
    if (any) this.announce('Back online: resuming uploads');
    this.changed();
    this.pump();
  }

  private pump(): void {
    if (!navigator.onLine) return;
    const final = (s: Status): boolean => s === 'done' || s === 'cancelled' || s === 'skipped';
    while (this.firstOpen < this.items.length && final(this.items[this.firstOpen]!.status)) this.firstOpen++;
    // Looks at most 64 queued items ahead (each costs a size read): the queue runs roughly in order.
    for (let i = this.firstOpen, looked = 0; i < this.items.length && looked < 64; i++) {
      if (this.chunkedRunning > 0 && this.smallRunning >= SMALL_SLOTS) break;
      const item = this.items[i]!;
      if (item.status !== 'queued') continue;
      looked++;
      const chunked = sizeOf(item) >= DEFAULT_MIN_CHUNKED_SIZE;
      if (chunked ? this.chunkedRunning > 0 : this.smallRunning >= SMALL_SLOTS) continue;
      if (chunked) this.chunkedRunning++;
      else this.smallRunning++;
      item.status = 'uploading';
      void this.run(item).finally(() => {
        if (chunked) this.chunkedRunning--;
        else this.smallRunning--;
        this.changed();
        this.pump();
      });
    }
  }

  private async run(item: UploadItem): Promise<void> {
    const controller = new AbortController();
    item.controller = controller;
    item.stopReason = undefined;
    item.message = '';
    item.meter.start();
    try {
      const resumed = item.resumeOf?.destination;
      const dirs = item.path.split('/').slice(0, -1).filter(Boolean);
      const folderId = resumed ? (resumed.folderId ?? item.baseFolderId) : await this.destinations.folderFor(item.baseFolderId, dirs);
      const existing = resumed ? undefined : (await this.destinations.listing(folderId)).get(item.name);
      let destination: { folderId: string } | { fileId: string } = resumed?.fileId !== undefined ? { fileId: resumed.fileId } : { folderId };
      let name = item.name;
      if (existing && item.choice === undefined) item.choice = await this.clash(item);
      if (existing && item.choice === 'skip') {
        item.status = 'skipped';
        item.message = 'skipped: a file of that name exists';
        return;
      }
      if (existing && item.choice === 'version') {
        if (existing.type !== 'file') throw new Error(`a folder named ${item.name} is in the way`);
        destination = { fileId: existing.id };
      }
      if (existing && item.choice === 'rename') name = await this.destinations.freeName(folderId, item.name);
      const sourceId = item.resumeOf?.sourceId ?? item.path;
      const source = blobSource(item.file, { id: sourceId, name });
      const options: UploadOptions = {
        ...clientOptions(this.conn, controller.signal),
        ...destination,
        // A new version keeps the file's name.
        name: 'fileId' in destination ? undefined : name,
        parallel: 4,
        resumeStore: store,
        onProgress: (p) => {
          item.bytes = p.bytesUploaded;
        },
      };
      // The extras (path, name, file handle) are filed beside the core's resume record, under its key.
      const key = uploadResumeKey(source, options)!;
      const file = await uploadFile(source, { ...options, onEvent: (event) => this.onEvent(item, key, event) });
      item.status = 'done';
      item.fileId = file.id;
      item.sha1 = file.sha1;
      item.bytes = sizeOf(item);
      item.message = `uploaded${file.name !== item.name ? ` as ${file.name}` : ''}, sha1 ${file.sha1}`;
      this.destinations.noteUploaded(folderId, { ...file, size: file.size });
      this.announce(`${item.name} uploaded`);
    } catch (error) {
      const reason = item.stopReason;
      if (reason === 'cancel') {
        item.status = 'cancelled';
        await this.forget(item);
        item.message = 'cancelled';
        this.announce(`${item.name} cancelled`);
      } else if (reason === 'pause' || reason === 'offline') {
        item.status = reason === 'pause' ? 'paused' : 'offline';
        item.message = reason === 'pause' ? 'paused' : 'offline: resumes when the connection returns';
      } else if (!navigator.onLine) {
        item.status = 'offline';
        item.message = 'offline: resumes when the connection returns';
      } else {
        item.status = 'failed';
        const cause = error instanceof UploadIncompleteError ? (error.cause ?? error) : error;
        item.message = `failed: ${describe(cause)}`;
        // A saved hash state the worker cannot load (another hash-wasm version): retrying hashes from the start.
        if (describe(cause).startsWith('SHA-1 worker')) await this.dropHashState(item);
        this.announce(`${item.name} failed`);
      }
    } finally {
      item.controller = undefined;
    }
  }

  private onEvent(item: UploadItem, key: string, event: UploadEvent): void {
    if (event.type === 'started' && event.sessionId) {
      item.sessionId = event.sessionId;
      item.message = `session ${event.sessionId}, ${event.totalParts} parts`;
      void store.setExtra(key, { path: item.path, name: item.name, handle: item.handle } satisfies Extra).catch(() => undefined);
    } else if (event.type === 'resumed') {
      item.sessionId = event.sessionId;
      item.message = `resumed: ${event.partsOnServer} of ${event.totalParts} parts already on the server`;
      this.announce(`${item.name}: resumed, ${event.partsOnServer} of ${event.totalParts} parts already on the server`);
    } else if (event.type === 'restarted') {
      item.meter.start();
      item.message = `started again: ${event.detail}`;
      this.announce(`${item.name}: the file changed since the interrupted upload; starting again`);
    } else if (event.type === 'retry') {
      item.message = `retrying ${event.what} in ${Math.round(event.delayMs / 1000)} s: ${event.message.slice(0, 120)}`;
    } else if (event.type === 'part') {
      // Parts already on the server (a resumed upload) are not this run's rate.
      if (!event.reused) item.meter.add(event.size);
      item.message = `${event.partsDone} of ${event.totalParts} parts stored`;
    } else if (event.type === 'commit-pending') {
      item.message = 'verifying on the server…';
    }
  }

  private async forget(item: UploadItem): Promise<void> {
    // Only chunked uploads have a session and a resume record (an item never started has no size read yet).
    if (!item.sessionId && !item.resumeOf && (item.size ?? 0) < DEFAULT_MIN_CHUNKED_SIZE) return;
    const states = await store.list().catch(() => [] as UploadState[]);
    for (const state of states) {
      if (state.sourceId !== (item.resumeOf?.sourceId ?? item.path) || (item.sessionId && state.session.id !== item.sessionId)) continue;
      await abort(this.conn, state.session.session_endpoints.abort).catch(() => undefined);
      await store.remove(state.key);
    }
    if (item.sessionId) await abort(this.conn, item.sessionId).catch(() => undefined);
  }

  private async dropHashState(item: UploadItem): Promise<void> {
    for (const state of await store.list().catch(() => [] as UploadState[])) {
      if (state.sourceId === (item.resumeOf?.sourceId ?? item.path) && state.hash) await store.set(state.key, { ...state, hash: undefined });
    }
  }

  private clash(item: UploadItem): Promise<ClashChoice> {
    const decided = this.asking.then(async () => {
      if (this.clashAll) return this.clashAll;
      const { choice, all } = await this.askClash(item);
      if (all) this.clashAll = choice;
      return choice;
    });
    this.asking = decided.catch(() => undefined);
    return decided;
  }
}

export { conflictOf };
