/** Table shapes as Kysely sees them. Ids are integers in the database and strings on the wire. */
import type { Generated } from 'kysely';

/** PostgreSQL returns BIGINT as string; SQLite as number. Rows are normalised in rows.ts. */
type Int = number | string | bigint;

export interface UsersTable {
  id: Generated<Int>;
  name: string;
  login: string;
  created_at: Int;
  /** Bytes this user may store, overriding --user-quota; null: the server's default. */
  quota: Int | null;
  /** When the user was disabled (epoch ms): their tokens no longer authenticate. */
  disabled_at: Int | null;
}

export interface TokensTable {
  hash: string;
  user_id: Int;
  created_at: Int;
  /** Epoch ms after which the token is refused; null: never. */
  expires_at: Int | null;
  /** Epoch ms of the revocation; null: not revoked. */
  revoked_at: Int | null;
}

export interface ItemsTable {
  id: Generated<Int>;
  type: 'file' | 'folder';
  owner_id: Int;
  parent_id: Int;
  name: string;
  /** Case-folded name; unique per (owner, parent) across files and folders. */
  name_key: string;
  description: string;
  etag: Int;
  created_at: Int;
  modified_at: Int;
  content_created_at: Int;
  content_modified_at: Int;
  version_id: Int | null;
  /** Epoch ms when the item went to the trash (itself or with a trashed ancestor); null while live. */
  trashed_at: Int | null;
  /** 1 on the item a delete was asked for (a trash listing's entry); its trashed descendants stay 0. */
  trash_top: Int;
}

export interface VersionsTable {
  id: Generated<Int>;
  file_id: Int;
  sha1: string;
  size: Int;
  blob_key: string;
  created_at: Int;
  /** Epoch ms when this version alone was moved to the trash; null otherwise. */
  trashed_at: Int | null;
  /** When the integrity check last read the blob and found the SHA-1 right (epoch ms). */
  verified_at: Int | null;
  /** When the integrity check found the blob's bytes wrong or unreadable; null while they are right. */
  corrupt_at: Int | null;
  corrupt_detail: string | null;
}

/** How many versions name each blob; the blob is freed when the count reaches 0 (copies share blobs). */
export interface BlobRefsTable {
  blob_key: string;
  refs: Int;
}

/** Blobs no version names any more, to be deleted from the blob store (then the row goes). */
export interface BlobGarbageTable {
  blob_key: string;
  since: Int;
}

export interface SessionsTable {
  id: string;
  owner_id: Int;
  folder_id: Int;
  file_id: Int | null;
  file_name: string;
  file_size: Int;
  part_size: Int;
  total_parts: Int;
  state: 'active' | 'committed' | 'aborted';
  created_at: Int;
  expires_at: Int;
  blob_key: string;
  blob_upload_id: string | null;
  hashed_bytes: Int;
  hash_state: Uint8Array | null;
  pending_commits: Int;
  committed_file_id: Int | null;
  purged: Int;
  /** 0 or 1: the blob store's upload was completed into the object `blob_key`. */
  upload_completed: Int;
}

export interface PartsTable {
  session_id: string;
  part_id: string;
  offset: Int;
  size: Int;
  sha1: string;
  etag: string | null;
}

/** Who may write the part at (session_id, offset) until expires_at (epoch ms); see MetadataStore.claimPart. */
export interface PartClaimsTable {
  session_id: string;
  offset: Int;
  holder: string;
  expires_at: Int;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  items: ItemsTable;
  versions: VersionsTable;
  sessions: SessionsTable;
  parts: PartsTable;
  part_claims: PartClaimsTable;
  blob_refs: BlobRefsTable;
  blob_garbage: BlobGarbageTable;
}
