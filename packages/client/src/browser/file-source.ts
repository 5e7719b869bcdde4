/**
 * An UploadSource over a browser File or Blob: `Blob.slice` + `arrayBuffer()`, so only the part asked for is read;
 * `body()` answers the slice itself (sent by fetch without the page reading it).
 */
import type { UploadSource } from '../core/index.js';

export interface BlobSourceOptions {
  /** Name on the server (default: the File's name). */
  name?: string | undefined;
  /**
   * Identity for resuming (default: the File's relative path in a dropped folder, or its name). Size and
   * lastModified are compared separately, so a changed file is noticed.
   */
  id?: string | undefined;
}

export function blobSource(blob: Blob, options: BlobSourceOptions = {}): UploadSource {
  const file = blob as Partial<File> & Blob;
  const name = options.name ?? file.name;
  const relative = (file as { webkitRelativePath?: string }).webkitRelativePath;
  return {
    size: blob.size,
    name,
    id: options.id ?? (relative || name),
    lastModified: file.lastModified,
    async slice(start, end) {
      return new Uint8Array(await blob.slice(start, end).arrayBuffer());
    },
    // A handle on the range, not its bytes: fetch streams it from the file, a range hasher's worker reads it.
    body: (start, end) => blob.slice(start, end),
  };
}
