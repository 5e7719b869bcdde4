/** The upload domain, wired from a context: every service the HTTP edge calls. */
import { randomUUID } from 'node:crypto';
import { Authenticator } from './auth.js';
import { BlobGarbage } from './blob-garbage.js';
import { Copies } from './copy.js';
import { ItemUpdates } from './item-updates.js';
import { Trash } from './trash.js';
import { Users } from './users.js';
import { Versions } from './versions.js';
import { Commits } from './commit.js';
import type { DomainContext } from './context.js';
import { FileViews } from './file-views.js';
import { FilesService } from './files.js';
import { Folders } from './folders.js';
import { InlineRangeHasher, type RangeHasher } from './hashing/range-hasher.js';
import { Janitor } from './janitor.js';
import { PartClaims } from './part-claims.js';
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
  hasher: WholeFileHasher;
  updates: ItemUpdates;
  trash: Trash;
  copies: Copies;
  versions: Versions;
  users: Users;
  garbage: BlobGarbage;
}

export interface DomainOptions {
  /** Does the whole-file hashing (a worker thread in the server); default: on this thread. */
  ranges?: RangeHasher;
  /** Other instances share the stores (PostgreSQL): parts are claimed in the database, not only in this process. */
  clustered?: boolean;
  /** This process's name in part claims (default: a random UUID). */
  instanceId?: string;
  /** How long the janitor leaves an upload blob without a session alone (default 1 h). */
  orphanAgeMs?: number;
}

export function createDomain(ctx: DomainContext, options: DomainOptions = {}): Domain {
  const clustered = options.clustered ?? false;
  const hasher = new WholeFileHasher(ctx, options.ranges ?? new InlineRangeHasher(ctx.blobs), clustered);
  const claims = new PartClaims(ctx, { clustered, holder: options.instanceId ?? randomUUID() });
  const views = new FileViews(ctx);
  const sessions = new UploadSessions(ctx, hasher);
  const folders = new Folders(ctx, views);
  const garbage = new BlobGarbage(ctx);
  const trash = new Trash(ctx, views, folders, garbage);
  return {
    ctx,
    auth: new Authenticator(ctx.meta, () => ctx.now()),
    sessions,
    parts: new PartUploads(ctx, claims, hasher, sessions),
    commits: new Commits(ctx, hasher, views, claims, sessions),
    folders,
    files: new FilesService(ctx, views),
    janitor: new Janitor(ctx, sessions, { trash, garbage }, options.orphanAgeMs),
    hasher,
    updates: new ItemUpdates(ctx, views, folders),
    trash,
    copies: new Copies(ctx, views, folders),
    versions: new Versions(ctx),
    users: new Users(ctx),
    garbage,
  };
}
