/**
 * The file lifecycle on the API host, as Box defines it: read a folder, rename and move (PUT), trash (DELETE),
 * server-side copy, versions (list, promote, delete), the trash (list, restore, purge) and `users/me`.
 * Writes are not retried after an answer was lost where a retry could act twice (copy, restore).
 */
import type { BoxFile, BoxFolder, FileMini, FolderMini } from '@tranche/protocol';
import { resolveConfig, type ClientConfig, type ClientOptions } from './config.js';
import { TrancheProtocolError } from './errors.js';
import { fetchJson, requestJson } from './http.js';

export type ItemType = 'file' | 'folder';

export interface ItemRef {
  type: ItemType;
  id: string;
}

export interface FileVersion {
  type: 'file_version';
  id: string;
  sha1: string;
  name: string;
  size: number;
  created_at: string;
  modified_at: string;
  trashed_at?: string | null;
  [key: string]: unknown;
}

export interface TrashedItem {
  type: ItemType;
  id: string;
  name: string;
  [key: string]: unknown;
}

export interface BoxUser {
  type: 'user';
  id: string;
  name: string;
  login: string;
  space_amount?: number;
  space_used?: number;
  max_upload_size?: number;
  [key: string]: unknown;
}

const once = (config: ClientConfig): ClientConfig => ({ ...config, retry: { ...config.retry, retryDelays: [] } });
const itemUrl = (config: ClientConfig, item: ItemRef): string => `${config.apiUrl}/${item.type}s/${encodeURIComponent(item.id)}`;
const fieldsQuery = (fields?: readonly string[]) => (fields?.length ? { fields: fields.join(',') } : undefined);

export async function getFolder(folderId: string, options: ClientOptions & { fields?: readonly string[] }): Promise<BoxFolder> {
  const config = resolveConfig(options);
  return fetchJson<BoxFolder>(config, { method: 'GET', url: `${config.apiUrl}/folders/${encodeURIComponent(folderId)}`, query: fieldsQuery(options.fields) });
}

export async function getItem(item: ItemRef, options: ClientOptions): Promise<BoxFile | BoxFolder> {
  const config = resolveConfig(options);
  return fetchJson<BoxFile | BoxFolder>(config, { method: 'GET', url: itemUrl(config, item) });
}

/** PUT /files|folders/{id} with a new name and/or parent (rename, move). */
export async function updateItem(
  item: ItemRef,
  changes: { name?: string | undefined; parentId?: string | undefined },
  options: ClientOptions,
): Promise<BoxFile | BoxFolder> {
  const config = resolveConfig(options);
  const json: Record<string, unknown> = {};
  if (changes.name !== undefined) json['name'] = changes.name;
  if (changes.parentId !== undefined) json['parent'] = { id: changes.parentId };
  return fetchJson<BoxFile | BoxFolder>(config, { method: 'PUT', url: itemUrl(config, item), json });
}

/** DELETE: the item goes to the trash. A folder with content needs `recursive`. */
export async function trashItem(item: ItemRef, options: ClientOptions & { recursive?: boolean | undefined }): Promise<void> {
  const config = resolveConfig(options);
  const query = item.type === 'folder' ? { recursive: options.recursive ? 'true' : 'false' } : undefined;
  await requestJson(config, { method: 'DELETE', url: itemUrl(config, item), query });
}

/** POST /files|folders/{id}/copy: a server-side copy into `parentId` (optionally renamed). */
export async function copyItem(item: ItemRef, parentId: string, options: ClientOptions & { name?: string | undefined }): Promise<BoxFile | BoxFolder> {
  const config = resolveConfig(options);
  const json: Record<string, unknown> = { parent: { id: parentId } };
  if (options.name !== undefined) json['name'] = options.name;
  return fetchJson<BoxFile | BoxFolder>(once(config), { method: 'POST', url: `${itemUrl(config, item)}/copy`, json });
}

export async function listVersions(fileId: string, options: ClientOptions): Promise<FileVersion[]> {
  const config = resolveConfig(options);
  const page = await fetchJson<{ entries?: FileVersion[] }>(config, { method: 'GET', url: `${config.apiUrl}/files/${encodeURIComponent(fileId)}/versions` });
  if (!Array.isArray(page.entries)) throw new TrancheProtocolError(`file ${fileId}: the versions answer has no entries`);
  return page.entries;
}

/** POST /files/{id}/versions/current: an old version becomes the current one (as a new version). */
export async function promoteVersion(fileId: string, versionId: string, options: ClientOptions): Promise<FileVersion> {
  const config = resolveConfig(options);
  return fetchJson<FileVersion>(once(config), {
    method: 'POST',
    url: `${config.apiUrl}/files/${encodeURIComponent(fileId)}/versions/current`,
    json: { type: 'file_version', id: versionId },
  });
}

export async function deleteVersion(fileId: string, versionId: string, options: ClientOptions): Promise<void> {
  const config = resolveConfig(options);
  await requestJson(config, { method: 'DELETE', url: `${config.apiUrl}/files/${encodeURIComponent(fileId)}/versions/${encodeURIComponent(versionId)}` });
}

/** GET /folders/trash/items, every page (offset paging). */
export async function listTrash(options: ClientOptions & { pageSize?: number }): Promise<TrashedItem[]> {
  const config = resolveConfig(options);
  const limit = options.pageSize ?? 1000;
  const items: TrashedItem[] = [];
  for (let offset = 0; ; ) {
    const page = await fetchJson<{ entries?: TrashedItem[]; total_count?: number }>(config, {
      method: 'GET',
      url: `${config.apiUrl}/folders/trash/items`,
      query: { offset, limit },
    });
    if (!Array.isArray(page.entries)) throw new TrancheProtocolError('the trash listing has no entries');
    items.push(...page.entries);
    offset += page.entries.length;
    if (page.entries.length === 0 || offset >= (page.total_count ?? 0)) return items;
  }
}

/** POST /files|folders/{id}: restore from the trash, into its old parent or `parentId`, optionally renamed. */
export async function restoreItem(
  item: ItemRef,
  options: ClientOptions & { name?: string | undefined; parentId?: string | undefined },
): Promise<BoxFile | BoxFolder> {
  const config = resolveConfig(options);
  const json: Record<string, unknown> = {};
  if (options.name !== undefined) json['name'] = options.name;
  if (options.parentId !== undefined) json['parent'] = { id: options.parentId };
  return fetchJson<BoxFile | BoxFolder>(once(config), { method: 'POST', url: itemUrl(config, item), json });
}

/** DELETE /files|folders/{id}/trash: gone for good. */
export async function purgeItem(item: ItemRef, options: ClientOptions): Promise<void> {
  const config = resolveConfig(options);
  await requestJson(config, { method: 'DELETE', url: `${itemUrl(config, item)}/trash` });
}

export async function getCurrentUser(options: ClientOptions): Promise<BoxUser> {
  const config = resolveConfig(options);
  return fetchJson<BoxUser>(config, { method: 'GET', url: `${config.apiUrl}/users/me` });
}

export type { FileMini, FolderMini };
