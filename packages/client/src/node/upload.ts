/**
 * Node's uploadFile: accepts a path (opened as a FileSource, resumable through the on-disk store) or any
 * UploadSource, and fills in the Node transport and hasher.
 */
import type { BoxFile } from '@tranche/protocol';
import { uploadFile as coreUploadFile, type UploadOptions as CoreUploadOptions, type UploadSource } from '../core/index.js';
import { withNodeDefaults } from './defaults.js';
import { openFileSource } from './file-source.js';
import { fileResumeStore } from './state-store.js';

export interface UploadOptions extends CoreUploadOptions {
  /**
   * Remember interrupted uploads so that running the same upload again resumes it. Default true.
   * State lives in `stateDir` (default $TRANCHE_STATE_DIR or ~/.tranche/uploads) unless `resumeStore` is given.
   */
  resume?: boolean | undefined;
  stateDir?: string | undefined;
}

export async function uploadFile(source: string | UploadSource, options: UploadOptions = {}): Promise<BoxFile> {
  const opened = typeof source === 'string' ? await openFileSource(source) : undefined;
  const resumeStore = options.resume === false ? undefined : (options.resumeStore ?? fileResumeStore(options.stateDir));
  try {
    return await coreUploadFile(opened ?? (source as UploadSource), withNodeDefaults({ ...options, resumeStore }));
  } finally {
    await opened?.close();
  }
}
