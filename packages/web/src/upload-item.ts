/** One file in the page's upload queue, what was dropped or picked, and what its IndexedDB record keeps. */
import type { RateMeter, UploadState } from '@tranche/client/browser';

export type Status = 'queued' | 'uploading' | 'paused' | 'offline' | 'done' | 'failed' | 'cancelled' | 'skipped';
export type ClashChoice = 'version' | 'rename' | 'skip';

export interface UploadItem {
  id: number;
  file: File;
  /** Path below the folder it was added to ('a/b/c.txt'); the folders are created on the server as needed. */
  path: string;
  name: string;
  baseFolderId: string;
  /**
   * The file's size, read once and only when needed: on Chromium a picked File's size is a synchronous call to
   * the browser process, ~0.4 ms each, so touching 10,000 of them at once would freeze the page for seconds.
   */
  size?: number | undefined;
  status: Status;
  bytes: number;
  meter: RateMeter;
  message: string;
  handle?: FileSystemFileHandle | undefined;
  resumeOf?: UploadState | undefined;
  sessionId?: string | undefined;
  abortUrl?: string | undefined;
  fileId?: string | undefined;
  sha1?: string | undefined;
  /** Decided on a name clash. */
  choice?: ClashChoice | undefined;
  controller?: AbortController | undefined;
  stopReason?: 'pause' | 'offline' | 'cancel' | undefined;
}

export interface AddedFile {
  file: File;
  path: string;
  handle?: FileSystemFileHandle | undefined;
  /** Finishing this interrupted upload (its destination, name and identity are kept). */
  resumeOf?: UploadState | undefined;
}

export interface Extra {
  path: string;
  name: string;
  handle?: FileSystemFileHandle | undefined;
}

export function sizeOf(item: UploadItem): number {
  return (item.size ??= item.file.size);
}
