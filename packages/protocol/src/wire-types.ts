/** JSON shapes on the wire, as Box defines them (see shared/spec §3). Ids are strings of decimal digits. */

export interface UserMini {
  type: 'user';
  id: string;
  name: string;
  login: string;
}

export interface FolderMini {
  type: 'folder';
  id: string;
  sequence_id: string | null;
  etag: string | null;
  name: string;
}

export interface FileVersionMini {
  type: 'file_version';
  id: string;
  sha1: string;
}

export interface FileMini {
  type: 'file';
  id: string;
  sequence_id: string;
  etag: string;
  sha1: string;
  name: string;
  file_version: FileVersionMini;
}

export interface PathCollection {
  total_count: number;
  entries: FolderMini[];
}

export interface BoxFile extends FileMini {
  description: string;
  size: number;
  path_collection: PathCollection;
  created_at: string;
  modified_at: string;
  trashed_at: string | null;
  purged_at: string | null;
  content_created_at: string;
  content_modified_at: string;
  created_by: UserMini;
  modified_by: UserMini;
  owned_by: UserMini;
  shared_link: null;
  parent: FolderMini;
  item_status: 'active' | 'trashed' | 'deleted';
}

export interface Items {
  total_count: number;
  entries: Array<FileMini | FolderMini>;
  offset: number;
  limit: number;
  order: Array<{ by: string; direction: 'ASC' | 'DESC' }>;
}

/**
 * A page of items as the server renders it: entries cut to `fields` when asked; offset paging carries total_count
 * and offset, marker paging next_marker instead.
 */
export interface ItemsPage {
  total_count?: number;
  entries: Array<FileMini | FolderMini | Record<string, unknown>>;
  offset?: number;
  limit: number;
  order?: Array<{ by: string; direction: 'ASC' | 'DESC' }>;
  next_marker?: string | null;
  prev_marker?: string | null;
}

export interface BoxFolder extends FolderMini {
  created_at: string | null;
  modified_at: string | null;
  description: string;
  size: number;
  path_collection: PathCollection;
  created_by: UserMini;
  modified_by: UserMini;
  trashed_at: string | null;
  purged_at: string | null;
  content_created_at: string | null;
  content_modified_at: string | null;
  owned_by: UserMini;
  shared_link: null;
  folder_upload_email: null;
  parent: FolderMini | null;
  item_status: 'active' | 'trashed' | 'deleted';
  item_collection: Items;
}

export interface Files {
  total_count: number;
  entries: BoxFile[];
}

export interface SessionEndpoints {
  upload_part: string;
  commit: string;
  abort: string;
  list_parts: string;
  status: string;
  log_event: string;
}

export interface UploadSession {
  id: string;
  type: 'upload_session';
  session_expires_at: string;
  part_size: number;
  total_parts: number;
  num_parts_processed: number;
  session_endpoints: SessionEndpoints;
}

export interface UploadPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
}

/** A part as listed in a commit request: `sha1` is optional (legacy Java sends none). */
export interface CommitPart {
  part_id: string;
  offset: number;
  size: number;
  sha1?: string | null;
}

export interface UploadedPart {
  part: UploadPart;
}

export interface UploadParts {
  total_count: number;
  limit: number;
  offset: number;
  order: Array<{ by: string; direction: 'ASC' | 'DESC' }>;
  entries: UploadPart[];
}

export interface UploadUrl {
  upload_url: string;
  upload_token: string;
}

export interface ClientErrorBody {
  type: 'error';
  status: number;
  code: string;
  message: string;
  context_info: Record<string, unknown> | null;
  help_url: string;
  request_id: string;
}

export interface CreateSessionRequest {
  folder_id: string;
  file_size: number;
  file_name: string;
}

export interface CommitRequest {
  parts: CommitPart[];
  attributes?: {
    content_created_at?: string;
    content_modified_at?: string;
    description?: string;
    name?: string;
  };
}
