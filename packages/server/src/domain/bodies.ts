/**
 * Every JSON body the API accepts, one reader each: the fields Box defines for it, each checked for its JSON type
 * (fields.ts), then for its rules (names, ids, sizes, dates). What the domain gets back is typed; a body of the wrong
 * shape is refused before anything is looked up. Checks that need the store (the folder exists, the name is free)
 * stay with the services.
 */
import { BoxError, invalidParameter, ITEM_ID_PATTERN } from '@tranche/protocol';
import { Fields } from './fields.js';
import { validateDescription, validateName } from './names.js';

/** POST /files/upload_sessions: `{folder_id, file_size, file_name}`. */
export function readNewSessionBody(body: unknown): { folderId: string; fileName: string; fileSize: number } {
  const input = Fields.of(body);
  const folderId = input.id('folder_id', 'invalid_folder_id');
  if (folderId === undefined) throw new BoxError('missing_destination');
  if (!ITEM_ID_PATTERN.test(folderId)) throw invalidParameter('invalid_folder_id', 'folder_id', 'folder_id must be a string of digits');
  if (!input.has('file_name')) throw new BoxError('missing_file_name');
  const fileName = validateName(input.raw('file_name'), input.name('file_name'));
  return { folderId, fileName, fileSize: fileSizeOf(input) };
}

/** POST /files/{id}/upload_sessions: `{file_size, file_name?}`; `folder_id` is accepted (and ignored) when it is an id. */
export function readVersionSessionBody(body: unknown): { fileName: string | undefined; fileSize: number } {
  const input = Fields.of(body);
  input.id('folder_id', 'invalid_folder_id');
  const fileSize = fileSizeOf(input);
  return { fileName: input.has('file_name') ? validateName(input.raw('file_name'), input.name('file_name')) : undefined, fileSize };
}

function fileSizeOf(input: Fields): number {
  const size = input.integer('file_size', 'invalid_file_size');
  if (size === undefined) throw new BoxError('missing_file_size');
  if (size < 0) throw invalidParameter('invalid_file_size', 'file_size', 'file_size must be a non-negative integer');
  return size;
}

export interface CommitAttributes {
  contentCreatedAt?: Date;
  contentModifiedAt?: Date;
  description?: string;
  name?: string;
}

/** A commit's `attributes` value (as the commit-body reader hands it over), typed field by field. */
export function readCommitAttributesValue(value: unknown): CommitAttributes {
  return readCommitAttributes(Fields.of({ attributes: value }).object('attributes'));
}

function readCommitAttributes(input: Fields | undefined): CommitAttributes {
  if (!input) return {};
  const attributes: CommitAttributes = {};
  const contentCreatedAt = timeOf(input, 'content_created_at');
  const contentModifiedAt = timeOf(input, 'content_modified_at');
  if (contentCreatedAt) attributes.contentCreatedAt = contentCreatedAt;
  if (contentModifiedAt) attributes.contentModifiedAt = contentModifiedAt;
  const description = input.string('description');
  if (description !== undefined) attributes.description = validateDescription(description, { param: input.name('description') });
  if (input.has('name')) attributes.name = validateName(input.raw('name'), input.name('name'));
  return attributes;
}

/** POST /folders: `{name, parent: {id}}`. A parent id that is not an id is a folder that does not exist (404). */
export function readFolderBody(body: unknown): { name: string; parentId: string } {
  const input = Fields.of(body);
  const parentId = parentIdOf(input);
  if (!input.has('name')) throw input.missing('name');
  return { name: validateName(input.raw('name'), input.name('name')), parentId };
}

/** The `attributes` part of POST /files/content: `{name, parent: {id}, content_created_at?, content_modified_at?, description?}`. */
export function readNewFileAttributes(attributes: unknown): {
  name: string;
  parentId: string;
  contentCreatedAt: Date | undefined;
  contentModifiedAt: Date | undefined;
  description: string;
} {
  const input = Fields.of(attributes, 'attributes');
  const name = validateName(input.raw('name'), input.name('name'));
  const parentId = parentIdOf(input);
  const description = input.string('description');
  return {
    name,
    parentId,
    contentCreatedAt: timeOf(input, 'content_created_at'),
    contentModifiedAt: timeOf(input, 'content_modified_at'),
    // Box cuts a simple upload's description to its limit rather than refusing it.
    description: description === undefined ? '' : validateDescription(description, { truncate: true, param: input.name('description') }),
  };
}

/** The `attributes` part of POST /files/{id}/content (optional): `{name?, content_modified_at?}`. */
export function readNewVersionAttributes(attributes: unknown): { name: string | undefined; contentModifiedAt: Date | undefined } {
  if (attributes === undefined) return { name: undefined, contentModifiedAt: undefined };
  const input = Fields.of(attributes, 'attributes');
  return {
    name: input.has('name') ? validateName(input.raw('name'), input.name('name')) : undefined,
    contentModifiedAt: timeOf(input, 'content_modified_at'),
  };
}

/** OPTIONS /files/content: `{name, parent: {id}, size?}`; an absent body counts as `{}`. */
export function readPreflightBody(body: unknown): { name: string; parentId: string; size: number } {
  const input = Fields.of(body ?? {});
  const size = preflightSizeOf(input);
  return { name: validateName(input.raw('name'), input.name('name')), parentId: parentIdOf(input), size };
}

/** OPTIONS /files/{id}/content: `{name?, size?}`; an absent body counts as `{}`. */
export function readVersionPreflightBody(body: unknown): { name: string | undefined; size: number } {
  const input = Fields.of(body ?? {});
  const size = preflightSizeOf(input);
  return { name: input.has('name') ? validateName(input.raw('name'), input.name('name')) : undefined, size };
}

function preflightSizeOf(input: Fields): number {
  const size = input.integer('size') ?? 0;
  if (size < 0) throw invalidParameter('bad_request', 'size', 'size must be a non-negative integer');
  return size;
}

/** POST /files/upload_sessions/{id}/log: `{event_type, event_info?}`, both strings; an absent body counts as `{}`. */
export function readLogBody(body: unknown): { eventType: string; eventInfo: string } {
  const input = Fields.of(body ?? {});
  return { eventType: input.string('event_type') ?? '', eventInfo: input.string('event_info') ?? '' };
}

/** PUT /files/{id} and PUT /folders/{id}: `{name?, description?, parent?: {id}, content_modified_at? (files)}`. */
export function readItemUpdateBody(body: unknown, isFile: boolean): {
  name?: string;
  description?: string;
  parentId?: string;
  contentModifiedAt?: Date;
} {
  const input = Fields.of(body ?? {});
  const out: { name?: string; description?: string; parentId?: string; contentModifiedAt?: Date } = {};
  if (input.has('name')) out.name = validateName(input.raw('name'), input.name('name'));
  const description = input.string('description');
  if (description !== undefined) out.description = validateDescription(description, { param: input.name('description') });
  if (input.has('parent')) out.parentId = parentIdOf(input);
  if (isFile) {
    const modified = timeOf(input, 'content_modified_at');
    if (modified) out.contentModifiedAt = modified;
  }
  return out;
}

/** POST /files/{id}/copy, POST /folders/{id}/copy: `{parent: {id}, name?}`. */
export function readCopyBody(body: unknown): { parentId: string; name: string | undefined } {
  const input = Fields.of(body);
  const parentId = parentIdOf(input);
  return { parentId, name: input.has('name') ? validateName(input.raw('name'), input.name('name')) : undefined };
}

/** POST /files/{id}, POST /folders/{id} (restore from the trash): `{name?, parent?: {id}}`. */
export function readRestoreBody(body: unknown): { name: string | undefined; parentId: string | undefined } {
  const input = Fields.of(body ?? {});
  return {
    name: input.has('name') ? validateName(input.raw('name'), input.name('name')) : undefined,
    parentId: input.has('parent') ? parentIdOf(input) : undefined,
  };
}

/** POST /files/{id}/versions/current: `{id, type?: "file_version"}`. */
export function readPromoteBody(body: unknown): { versionId: string } {
  const input = Fields.of(body);
  const type = input.string('type');
  if (type !== undefined && type !== 'file_version') throw invalidParameter('bad_request', 'type', 'type must be "file_version"');
  const versionId = input.id('id');
  if (versionId === undefined) throw input.missing('id');
  return { versionId };
}

/** `parent.id`, required; not an id → 404, as for a folder that does not exist. */
function parentIdOf(input: Fields): string {
  const parent = input.object('parent');
  const id = parent?.id('id');
  if (parent === undefined || id === undefined) throw input.missing(parent === undefined ? 'parent' : 'parent.id');
  if (!ITEM_ID_PATTERN.test(id)) throw new BoxError('not_found', 'Parent folder not found');
  return id;
}

/** An RFC 3339 date-time with seconds and an offset, or undefined when absent (or ""). */
function timeOf(input: Fields, field: string): Date | undefined {
  const value = input.string(field);
  if (value === undefined || value === '') return undefined;
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalidParameter('bad_request', input.name(field), `${input.name(field)} must be an RFC 3339 date-time`);
  return date;
}
