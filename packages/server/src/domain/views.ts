/** Records rendered as Box wire objects (spec §3). */
import type {
  BoxFile,
  BoxFolder,
  FileMini,
  FolderMini,
  ItemsPage,
  UploadPart,
  UploadSession,
  UserMini,
} from '@tranche/protocol';
import type { FileRecord, ItemRecord, PartRecord, SessionRecord, UserRecord } from '../store/metadata-store.js';

/** RFC 3339 with whole seconds and a numeric offset (UTC), as Box renders timestamps. */
export function boxTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** `session_expires_at` must end in a literal Z (the legacy Java SDK depends on it). */
function zuluTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function userMini(user: UserRecord): UserMini {
  return { type: 'user', id: user.id, name: user.name, login: user.login };
}

export const ROOT_FOLDER_MINI: FolderMini = { type: 'folder', id: '0', sequence_id: null, etag: null, name: 'All Files' };

export function folderMini(item: ItemRecord | undefined): FolderMini {
  if (!item) return ROOT_FOLDER_MINI;
  return { type: 'folder', id: item.id, sequence_id: String(item.etag), etag: String(item.etag), name: item.name };
}

export function fileMini(file: FileRecord): FileMini {
  return {
    type: 'file',
    id: file.id,
    file_version: { type: 'file_version', id: file.version.id, sha1: file.version.sha1 },
    sequence_id: String(file.etag),
    etag: String(file.etag),
    sha1: file.version.sha1,
    name: file.name,
  };
}

export function itemMini(item: ItemRecord | FileRecord): FileMini | FolderMini {
  return item.type === 'file' && 'version' in item ? fileMini(item) : folderMini(item);
}

/** Ancestors from the root down to the parent, as Box's path_collection. */
export function pathCollection(ancestors: ItemRecord[]): { total_count: number; entries: FolderMini[] } {
  const entries = [ROOT_FOLDER_MINI, ...ancestors.map(folderMini)];
  return { total_count: entries.length, entries };
}

/** The trash state of an item as Box shows it; `purgeAt` is when the janitor will purge it. */
export interface TrashState {
  item_status: 'active' | 'trashed';
  trashed_at: string | null;
  purged_at: string | null;
}

export function trashState(item: ItemRecord, retentionMs: number): TrashState {
  if (!item.trashedAt) return { item_status: 'active', trashed_at: null, purged_at: null };
  return { item_status: 'trashed', trashed_at: boxTime(item.trashedAt), purged_at: boxTime(new Date(item.trashedAt.getTime() + retentionMs)) };
}

export function fileView(file: FileRecord, owner: UserRecord, ancestors: ItemRecord[], trash: TrashState = trashState(file, 0)): BoxFile {
  const user = userMini(owner);
  return {
    ...fileMini(file),
    description: file.description,
    size: file.version.size,
    path_collection: pathCollection(ancestors),
    created_at: boxTime(file.createdAt),
    modified_at: boxTime(file.modifiedAt),
    trashed_at: trash.trashed_at,
    purged_at: trash.purged_at,
    content_created_at: boxTime(file.contentCreatedAt),
    content_modified_at: boxTime(file.contentModifiedAt),
    created_by: user,
    modified_by: user,
    owned_by: user,
    shared_link: null,
    parent: folderMini(ancestors[ancestors.length - 1]),
    item_status: trash.item_status,
  };
}

export function folderView(
  folder: ItemRecord | undefined,
  owner: UserRecord,
  ancestors: ItemRecord[],
  items: ItemsPage | undefined,
  trash: TrashState = folder ? trashState(folder, 0) : trashState({ trashedAt: null } as ItemRecord, 0),
): BoxFolder {
  const user = userMini(owner);
  const time = (date: Date | undefined): string | null => (date ? boxTime(date) : null);
  return {
    ...folderMini(folder),
    created_at: time(folder?.createdAt),
    modified_at: time(folder?.modifiedAt),
    description: folder?.description ?? '',
    size: 0,
    path_collection: folder ? pathCollection(ancestors) : { total_count: 0, entries: [] },
    created_by: user,
    modified_by: user,
    trashed_at: trash.trashed_at,
    purged_at: trash.purged_at,
    content_created_at: time(folder?.contentCreatedAt),
    content_modified_at: time(folder?.contentModifiedAt),
    owned_by: user,
    shared_link: null,
    folder_upload_email: null,
    parent: folder ? folderMini(ancestors[ancestors.length - 1]) : null,
    item_status: trash.item_status,
    ...(items ? { item_collection: items } : {}),
  } as BoxFolder;
}

export function partView(part: PartRecord): UploadPart {
  return { part_id: part.partId, offset: part.offset, size: part.size, sha1: part.sha1 };
}

export function sessionView(session: SessionRecord, partsProcessed: number, publicUrl: string): UploadSession {
  const base = `${publicUrl}/api/2.0/files/upload_sessions/${session.id}`;
  return {
    id: session.id,
    type: 'upload_session',
    session_expires_at: zuluTime(session.expiresAt),
    part_size: session.partSize,
    total_parts: session.totalParts,
    num_parts_processed: partsProcessed,
    session_endpoints: {
      upload_part: base,
      commit: `${base}/commit`,
      abort: base,
      list_parts: `${base}/parts`,
      status: base,
      log_event: `${base}/log`,
    },
  };
}
