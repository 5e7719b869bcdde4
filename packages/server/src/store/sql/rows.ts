/** Row ↔ record conversion: integers to strings for ids, epoch milliseconds to Date, BIGINT strings to numbers. */
import type { ItemRecord, PartRecord, SessionRecord, VersionRecord, FileRecord, UserRecord } from '../metadata-store.js';
import type { Selectable } from 'kysely';
import type { ItemsTable, PartsTable, SessionsTable, UsersTable, VersionsTable } from './schema.js';

const num = (value: number | string | bigint): number => Number(value);
const id = (value: number | string | bigint): string => String(value);
const date = (value: number | string | bigint): Date => new Date(Number(value));

export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

export function toUser(row: Selectable<UsersTable>): UserRecord {
  return { id: id(row.id), name: row.name, login: row.login, quota: row.quota === null || row.quota === undefined ? null : num(row.quota) };
}

export function toItem(row: Selectable<ItemsTable>): ItemRecord {
  return {
    id: id(row.id),
    type: row.type,
    ownerId: id(row.owner_id),
    parentId: id(row.parent_id),
    name: row.name,
    description: row.description,
    etag: num(row.etag),
    createdAt: date(row.created_at),
    modifiedAt: date(row.modified_at),
    contentCreatedAt: date(row.content_created_at),
    contentModifiedAt: date(row.content_modified_at),
    versionId: row.version_id === null ? null : id(row.version_id),
    trashedAt: row.trashed_at === null || row.trashed_at === undefined ? null : date(row.trashed_at),
    trashTop: num(row.trash_top ?? 0) === 1,
  };
}

/** A versions row; listings select it without the integrity columns. */
type VersionRow = Omit<Selectable<VersionsTable>, 'verified_at' | 'corrupt_at' | 'corrupt_detail'> & Partial<Pick<Selectable<VersionsTable>, 'corrupt_at'>>;

export function toVersion(row: VersionRow): VersionRecord {
  return {
    id: id(row.id),
    fileId: id(row.file_id),
    sha1: row.sha1,
    size: num(row.size),
    blobKey: row.blob_key,
    createdAt: date(row.created_at),
    trashedAt: row.trashed_at === null || row.trashed_at === undefined ? null : date(row.trashed_at),
    corruptAt: row.corrupt_at === null || row.corrupt_at === undefined ? null : date(row.corrupt_at),
  };
}

export function toFile(item: Selectable<ItemsTable>, version: VersionRow): FileRecord {
  return { ...toItem(item), type: 'file', versionId: id(version.id), version: toVersion(version) };
}

export function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    ownerId: id(row.owner_id),
    folderId: id(row.folder_id),
    fileId: row.file_id === null ? null : id(row.file_id),
    fileName: row.file_name,
    fileSize: num(row.file_size),
    partSize: num(row.part_size),
    totalParts: num(row.total_parts),
    state: row.state,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    blobKey: row.blob_key,
    blobUploadId: row.blob_upload_id,
    hashedBytes: num(row.hashed_bytes),
    hashState: row.hash_state === null ? null : new Uint8Array(row.hash_state),
    pendingCommits: num(row.pending_commits),
    committedFileId: row.committed_file_id === null ? null : id(row.committed_file_id),
    purged: num(row.purged) !== 0,
    uploadCompleted: num(row.upload_completed) !== 0,
  };
}

export function fromSession(s: SessionRecord): SessionsTable {
  return {
    id: s.id,
    owner_id: Number(s.ownerId),
    folder_id: Number(s.folderId),
    file_id: s.fileId === null ? null : Number(s.fileId),
    file_name: s.fileName,
    file_size: s.fileSize,
    part_size: s.partSize,
    total_parts: s.totalParts,
    state: s.state,
    created_at: s.createdAt.getTime(),
    expires_at: s.expiresAt.getTime(),
    blob_key: s.blobKey,
    blob_upload_id: s.blobUploadId,
    hashed_bytes: s.hashedBytes,
    hash_state: s.hashState,
    pending_commits: s.pendingCommits,
    committed_file_id: s.committedFileId === null ? null : Number(s.committedFileId),
    purged: s.purged ? 1 : 0,
    upload_completed: s.uploadCompleted ? 1 : 0,
  };
}

export function toPart(row: Selectable<PartsTable>): PartRecord {
  return {
    sessionId: row.session_id,
    partId: row.part_id,
    offset: num(row.offset),
    size: num(row.size),
    sha1: row.sha1,
    etag: row.etag,
  };
}
