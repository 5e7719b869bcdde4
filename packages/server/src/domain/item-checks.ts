/** Checks shared by every operation on items: the item is there and live, the name is free, the user may store the bytes. */
import { BoxError, ITEM_ID_PATTERN } from '@tranche/protocol';
import type { FileRecord, ItemRecord, QuotaCheck, UserRecord, WriteConflict } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { MAX_DEPTH } from './limits.js';
import { fileMini, folderMini } from './views.js';

/** 404 not_found for an id that names nothing of the user's, 404 trashed for an item in the trash. */
function live<T extends ItemRecord>(item: T | undefined, what: 'File' | 'Folder'): T {
  if (!item) throw new BoxError('not_found', `${what} not found`);
  if (item.trashedAt) throw new BoxError('trashed', `${what} is in the trash`);
  return item;
}

export async function requireFolder(ctx: DomainContext, user: UserRecord, folderId: string): Promise<ItemRecord | undefined> {
  if (folderId === '0') return undefined;
  const folder = ITEM_ID_PATTERN.test(folderId) ? await ctx.meta.getItem(user.id, folderId) : undefined;
  return live(folder?.type === 'folder' ? folder : undefined, 'Folder');
}

export async function requireFile(ctx: DomainContext, user: UserRecord, fileId: string): Promise<FileRecord> {
  const file = ITEM_ID_PATTERN.test(fileId) ? await ctx.meta.getFile(user.id, fileId) : undefined;
  return live(file, 'File');
}

/** 409 item_name_in_use unless no live file or folder of `parentId` has this name (case-insensitively), `exceptId` aside. */
export async function assertNameFree(ctx: DomainContext, user: UserRecord, parentId: string, name: string, exceptId?: string): Promise<void> {
  const existing = await ctx.meta.findChild(user.id, parentId, name);
  if (existing && existing.id !== exceptId) throw await nameInUse(ctx, user, existing);
}

/** The Box error for a name conflict; `context_info.conflicts` holds the existing item (an array for folders). */
export async function nameInUse(ctx: DomainContext, user: UserRecord, existing: ItemRecord, asArray = false): Promise<BoxError> {
  const file = existing.type === 'file' ? await ctx.meta.getFile(user.id, existing.id) : undefined;
  const mini = file ? fileMini(file) : folderMini(existing);
  return new BoxError('item_name_in_use', undefined, { conflicts: asArray ? [mini] : mini });
}

/** Turns a store-level conflict into the Box error it stands for. */
export async function conflictError(ctx: DomainContext, user: UserRecord, conflict: WriteConflict, asArray = false): Promise<BoxError> {
  switch (conflict.kind) {
    case 'name_in_use':
      return nameInUse(ctx, user, conflict.existing, asArray);
    case 'parent_missing':
      return new BoxError('not_found', 'Folder not found');
    case 'file_missing':
      return new BoxError('not_found', 'File not found');
    case 'item_missing':
      return new BoxError('not_found', 'Item not found');
    case 'etag_mismatch':
      return new BoxError('precondition_failed');
    case 'quota_exceeded':
      return quotaError(conflict.requested, conflict.limit);
    case 'cycle':
      return new BoxError('bad_request', 'A folder cannot be moved or copied into itself or a folder below it');
    case 'folder_not_empty':
      return new BoxError('folder_not_empty');
    case 'version_missing':
      return new BoxError('not_found', 'File version not found');
    case 'version_current':
      return new BoxError('bad_request', 'The current version cannot be deleted on its own; delete the file, or promote another version first');
    case 'too_many_items':
      return new BoxError('bad_request', `A copy may hold at most ${conflict.limit} items`);
    case 'storage_limit':
      return new BoxError('storage_limit_exceeded', 'The copy would exceed the storage quota');
  }
}

function quotaError(size: number, quota: number): BoxError {
  return new BoxError('storage_limit_exceeded', `Storing ${size} more bytes would exceed the quota of ${quota} bytes`);
}

/**
 * The quota for the store to enforce inside the write that spends it (a session's reservation, a simple upload, a
 * commit), or undefined without one. `assertCanStore` is only the early answer; this is the one that decides.
 */
export function quotaCheck(ctx: DomainContext, user: UserRecord): QuotaCheck | undefined {
  const limit = quotaOf(ctx, user);
  return limit === null ? undefined : { limit, now: ctx.now() };
}

/** The user's own quota (`tranche users set-quota`), else the server's `--user-quota`; null: unlimited. */
export function quotaOf(ctx: DomainContext, user: UserRecord): number | null {
  return user.quota ?? ctx.policy.userQuota;
}

/** Bytes the user may still add, or null without a quota (stored versions and open sessions count). */
export async function remainingQuota(ctx: DomainContext, user: UserRecord): Promise<number | null> {
  const quota = quotaOf(ctx, user);
  if (quota === null) return null;
  const used = (await ctx.meta.storageUsed(user.id)) + (await ctx.meta.reservedBySessions(user.id, ctx.now()));
  return Math.max(0, quota - used);
}

/**
 * 403 file_size_limit_exceeded / storage_limit_exceeded before any byte is accepted. The quota part is an early
 * answer only: concurrent requests may all pass it; the store decides again atomically (`quotaCheck`).
 */
export async function assertCanStore(ctx: DomainContext, user: UserRecord, size: number): Promise<void> {
  const { policy } = ctx;
  if (size > policy.maxFileSize) {
    throw new BoxError('file_size_limit_exceeded', `File size ${size} exceeds the maximum of ${policy.maxFileSize} bytes`);
  }
  const remaining = await remainingQuota(ctx, user);
  if (remaining !== null && size > remaining) throw quotaError(size, quotaOf(ctx, user)!);
}

export { MAX_DEPTH };
