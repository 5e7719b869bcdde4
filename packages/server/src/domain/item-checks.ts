/** Checks shared by every way of creating a file: the folder exists, the name is free, the user may store the bytes. */
import { BoxError } from '@tranche/protocol';
import type { ItemRecord, UserRecord, WriteConflict } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { fileMini, folderMini } from './views.js';

export async function requireFolder(ctx: DomainContext, user: UserRecord, folderId: string): Promise<ItemRecord | undefined> {
  if (folderId === '0') return undefined;
  const folder = await ctx.meta.getItem(user.id, folderId);
  if (!folder || folder.type !== 'folder') throw new BoxError('not_found', 'Folder not found');
  return folder;
}

/** 409 item_name_in_use unless no file or folder of `parentId` has this name (case-insensitively), `exceptId` aside. */
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
    case 'etag_mismatch':
      return new BoxError('precondition_failed');
  }
}

/** 403 file_size_limit_exceeded / storage_limit_exceeded before any byte is accepted. */
export async function assertCanStore(ctx: DomainContext, user: UserRecord, size: number): Promise<void> {
  const { policy } = ctx;
  if (size > policy.maxFileSize) {
    throw new BoxError('file_size_limit_exceeded', `File size ${size} exceeds the maximum of ${policy.maxFileSize} bytes`);
  }
  const quota = user.quota ?? policy.userQuota;
  if (quota !== null) {
    const used = (await ctx.meta.storageUsed(user.id)) + (await ctx.meta.reservedBySessions(user.id, ctx.now()));
    if (used + size > quota) {
      throw new BoxError('storage_limit_exceeded', `Storing ${size} more bytes would exceed the quota of ${quota} bytes`);
    }
  }
}
