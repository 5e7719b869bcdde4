/** The upload domain, wired from a context: every service the HTTP edge calls. */
import { Authenticator } from './auth.js';
import { Commits } from './commit.js';
import type { DomainContext } from './context.js';
import { FileViews } from './file-views.js';
import { FilesService } from './files.js';
import { Folders } from './folders.js';
import { InlineRangeHasher, type RangeHasher } from './hashing/range-hasher.js';
import { canReadUploads } from '../store/blob-store.js';
import { InflightParts } from './inflight-parts.js';
import { Janitor } from './janitor.js';
import { PartUploads } from './part-upload.js';
import { UploadSessions } from './upload-sessions.js';
import { WholeFileHasher } from './whole-file-hash.js';

export interface Domain {
  ctx: DomainContext;
  auth: Authenticator;
  sessions: UploadSessions;
  parts: PartUploads;
  commits: Commits;
  folders: Folders;
  files: FilesService;
  janitor: Janitor;
}

/** `ranges` does the whole-file hashing (a worker thread in the server); without one, stores that can read uploads back hash inline. */
export function createDomain(ctx: DomainContext, ranges?: RangeHasher): Domain {
  const hasher = new WholeFileHasher(ctx, ranges ?? (canReadUploads(ctx.blobs) ? new InlineRangeHasher(ctx.blobs) : undefined));
  const views = new FileViews(ctx);
  const sessions = new UploadSessions(ctx);
  return {
    ctx,
    auth: new Authenticator(ctx.meta),
    sessions,
    parts: new PartUploads(ctx, new InflightParts(), hasher),
    commits: new Commits(ctx, hasher, views),
    folders: new Folders(ctx, views),
    files: new FilesService(ctx, views),
    janitor: new Janitor(ctx, sessions),
  };
}
