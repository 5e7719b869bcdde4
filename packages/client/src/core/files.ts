/**
 * Files and folders on the API host: read a file's record, list a folder, make a folder, open a download
 * (following 302 and 202 + Retry-After), abort an upload session by id.
 */
import type { BoxFile, BoxFolder, FileMini, FolderMini, Items } from '@tranche/protocol';
import { resolveConfig, type ClientConfig, type ClientOptions } from './config.js';
import { TrancheProtocolError } from './errors.js';
import { fetchJson, send } from './http.js';
import { parseRetryAfter, sleep, withRetry } from './retry.js';
import { abortSessionUrl, sessionUrl } from './sessions.js';
import type { TransportResponse } from './transport.js';

export async function getFile(fileId: string, options: ClientOptions): Promise<BoxFile> {
  const config = resolveConfig(options);
  return fetchJson<BoxFile>(config, { method: 'GET', url: `${config.apiUrl}/files/${encodeURIComponent(fileId)}` });
}

export interface ListOptions {
  pageSize?: number | undefined;
  /** Box's `fields=`: extra fields per entry (a server without `fields` answers the mini form; callers fill in). */
  fields?: readonly string[] | undefined;
}

/** Every item in a folder (paging through `offset`/`limit`). */
export async function listFolder(folderId: string, options: ClientOptions & ListOptions): Promise<Array<FileMini | FolderMini>> {
  const config = resolveConfig(options);
  const limit = options.pageSize ?? 1000;
  const fields = options.fields?.length ? options.fields.join(',') : undefined;
  const items: Array<FileMini | FolderMini> = [];
  for (let offset = 0; ; ) {
    const page = await fetchJson<Items>(config, {
      method: 'GET',
      url: `${config.apiUrl}/folders/${encodeURIComponent(folderId)}/items`,
      query: { offset, limit, fields },
    });
    if (!Array.isArray(page.entries)) throw new TrancheProtocolError(`folder ${folderId}: the listing has no entries`);
    items.push(...page.entries);
    offset += page.entries.length;
    if (page.entries.length === 0 || offset >= page.total_count) return items;
  }
}

export async function createFolder(name: string, parentId: string, options: ClientOptions): Promise<BoxFolder> {
  const config = resolveConfig(options);
  // Not retried: a lost answer would turn the retry into 409 item_name_in_use.
  return fetchJson<BoxFolder>({ ...config, retry: { ...config.retry, retryDelays: [] } }, {
    method: 'POST',
    url: `${config.apiUrl}/folders`,
    json: { name, parent: { id: parentId } },
  });
}

/** DELETE an upload session by id (or by its abort URL). */
export async function abortSession(sessionIdOrUrl: string, options: ClientOptions): Promise<void> {
  const config = resolveConfig(options);
  const url = /^https?:\/\//.test(sessionIdOrUrl) ? sessionIdOrUrl : sessionUrl(config, sessionIdOrUrl);
  await abortSessionUrl(config, url);
}

export interface OpenedDownload {
  file: BoxFile;
  /** The content response (status 200); read `body`. */
  response: TransportResponse;
}

/** A byte range of the content, inclusive `end` (open-ended when absent), as in `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end?: number | undefined;
}

/**
 * Fetches the file's record (or takes `file` when the caller has it), then its content, following redirects
 * (max 5) and 202 + Retry-After. With `range`, the answer is 206 with those bytes, or 200 with all of them when
 * the server ignores ranges (check `response.status`).
 */
export async function openDownload(
  fileId: string,
  options: ClientOptions & { range?: ByteRange | undefined; file?: BoxFile | undefined },
): Promise<OpenedDownload> {
  const config = resolveConfig(options);
  const file = options.file ?? (await fetchJson<BoxFile>(config, { method: 'GET', url: `${config.apiUrl}/files/${encodeURIComponent(fileId)}` }));
  const range = options.range ? `bytes=${options.range.start}-${options.range.end ?? ''}` : undefined;
  const response = await withRetry(config.retry, config.signal, () =>
    fetchContent(config, `${config.apiUrl}/files/${encodeURIComponent(fileId)}/content`, range),
  );
  return { file, response };
}

async function fetchContent(config: ClientConfig, start: string, range?: string): Promise<TransportResponse> {
  const origin = new URL(start).origin;
  let url = start;
  for (let hops = 0, pending = 0; ; ) {
    const headers = range ? { range } : undefined;
    const response = await send(config, { method: 'GET', url, headers, auth: new URL(url).origin === origin });
    if (response.status === 200 || (range && response.status === 206)) return response;
    response.discard();
    const location = response.header('location');
    if (response.status >= 300 && response.status < 400 && location) {
      if (++hops > 5) throw new TrancheProtocolError(`GET ${start}: too many redirects`);
      url = new URL(location, url).toString();
      continue;
    }
    if (response.status === 202 && ++pending <= 30) {
      await sleep(parseRetryAfter(response.header('retry-after')) ?? 1_000, config.signal);
      continue;
    }
    throw new TrancheProtocolError(`GET ${url} answered ${response.status}`);
  }
}

