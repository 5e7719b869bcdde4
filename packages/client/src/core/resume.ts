/**
 * Resume state: what an interrupted chunked upload needs to carry on. The core defines the record and the
 * store interface; the Node entry stores one JSON file per upload, a browser could use localStorage.
 */
import type { SessionEndpoints, UploadPart } from '@tranche/protocol';
import type { Destination } from './sessions.js';

export interface UploadState {
  version: 1;
  /** resumeKey(...) of this upload. */
  key: string;
  /** The source's identity: a Node file's absolute path. */
  sourceId: string;
  name: string;
  size: number;
  lastModified: number | undefined;
  destination: Destination;
  uploadUrl: string;
  apiUrl: string;
  session: {
    id: string;
    part_size: number;
    total_parts: number;
    session_expires_at: string;
    session_endpoints: SessionEndpoints;
  };
  /** Parts known to be stored, by offset. Informational: on resume the server's list is authoritative. */
  parts: UploadPart[];
  /**
   * The whole-file SHA-1 state after bytes [0, offset) (from AsyncHasher.save), when the hasher can save it. On
   * resume, stored parts below `offset` are not read again.
   */
  hash?: { offset: number; state: string } | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface ResumeStore {
  get(key: string): Promise<UploadState | undefined>;
  set(key: string, state: UploadState): Promise<void>;
  remove(key: string): Promise<void>;
  list(): Promise<UploadState[]>;
}

/**
 * Which stored state an upload continues: same upload host, same destination, same source identity. Size and
 * mtime are deliberately not part of the key but compared with the state, so that a changed file is noticed
 * and reported (and its stale session aborted) instead of silently leaving an orphan behind.
 */
export function resumeKey(uploadUrl: string, destination: Destination, sourceId: string, name?: string): string {
  const target = destination.fileId !== undefined ? `file:${destination.fileId}` : `folder:${destination.folderId}`;
  // The target name is part of the key: the same file sent under two names is two uploads.
  return JSON.stringify(name === undefined ? [uploadUrl, target, sourceId] : [uploadUrl, target, name, sourceId]);
}

export function memoryResumeStore(): ResumeStore {
  const states = new Map<string, UploadState>();
  return {
    get: async (key) => structuredClone(states.get(key)),
    set: async (key, state) => void states.set(key, structuredClone(state)),
    remove: async (key) => void states.delete(key),
    list: async () => [...states.values()].map((s) => structuredClone(s)),
  };
}

/** Coalesces writes: at most one in flight; while it runs, later saves collapse into one more write. */
export class StateSaver {
  private writing: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly store: ResumeStore,
    private readonly state: UploadState,
  ) {}

  save(update: (state: UploadState) => void): void {
    update(this.state);
    this.state.updatedAt = new Date().toISOString();
    if (this.writing) {
      this.pending = true;
      return;
    }
    this.writing = this.loop();
  }

  async flush(): Promise<void> {
    await this.writing;
  }

  private async loop(): Promise<void> {
    do {
      this.pending = false;
      await this.store.set(this.state.key, this.state).catch(() => undefined);
    } while (this.pending);
    this.writing = undefined;
  }
}
