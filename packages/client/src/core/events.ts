/** What an upload reports while it runs. The CLI prints these as JSON lines or draws a progress bar from them. */

export type RestartReason = 'session_expired' | 'session_not_found' | 'file_changed';

export type UploadEvent =
  | { type: 'started'; mode: 'simple' | 'chunked'; size: number; name: string; sessionId?: string; partSize?: number; totalParts?: number }
  | { type: 'resumed'; sessionId: string; partSize: number; totalParts: number; partsOnServer: number; bytesOnServer: number }
  /** The stored session could not be reused; a new one is being created. */
  | { type: 'restarted'; reason: RestartReason; previousSessionId: string; detail: string }
  /** A part is on the server: just uploaded, or (`reused`) already there from an earlier run or attempt. */
  | { type: 'part'; offset: number; size: number; partId: string; sha1: string; reused: boolean; partsDone: number; totalParts: number }
  | { type: 'retry'; what: string; attempt: number; delayMs: number; status?: number; code?: string; message: string }
  /** Commit answered 202: the server is still processing; waiting `retryAfterMs`. */
  | { type: 'commit-pending'; retryAfterMs: number }
  | { type: 'committed'; fileId: string; name: string; size: number; sha1: string; sessionId?: string };

export interface Progress {
  /** Bytes known to be on the server plus bytes of parts in flight handed to the network. */
  bytesUploaded: number;
  totalBytes: number;
}
