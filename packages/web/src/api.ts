/** The page's connection: server origin + token, with @tranche/client's browser defaults filled in. */
import {
  abortSession,
  createFolder,
  listFolder,
  resolveEndpoints,
  TrancheApiError,
  withBrowserDefaults,
  workerRangeHasher,
  workerSha1,
  type ClientOptions,
} from '@tranche/client/browser';
import type { FileMini, FolderMini } from '@tranche/protocol';

export type Item = (FileMini | FolderMini) & { size?: number; modified_at?: string };

export interface Connection {
  server: string;
  token: string;
  /** Per-request idle limit: a part with no answer this long is a stalled part, retried. */
  stallTimeoutMs: number;
}

let workerUrl: string | undefined;
/** The SHA-1 worker from the inlined source: works embedded in pages of other origins too. */
const hashWorker = (): Worker => {
  workerUrl ??= URL.createObjectURL(new Blob([__HASH_WORKER_SOURCE__], { type: 'text/javascript' }));
  return new Worker(workerUrl, { name: 'tranche-sha1' });
};
/** Whole-file SHA-1 of bytes read on the page (sources without body()). */
export const wholeFileSha1 = workerSha1(hashWorker);
/** Chunked File uploads: the worker reads, hashes and saves; the page sends file slices (no bytes on the main thread). */
export const rangeSha1 = workerRangeHasher(hashWorker);

export function clientOptions(conn: Connection, signal?: AbortSignal): ClientOptions {
  return withBrowserDefaults({ server: conn.server, token: conn.token, timeoutMs: conn.stallTimeoutMs, signal, createWholeHasher: wholeFileSha1, createRangeHasher: rangeSha1, userAgent: undefined });
}

export const uploadUrlOf = (conn: Connection): string => resolveEndpoints({ server: conn.server }).uploadUrl;
export const apiUrlOf = (conn: Connection): string => resolveEndpoints({ server: conn.server }).apiUrl;

export async function list(conn: Connection, folderId: string): Promise<Item[]> {
  const items: Item[] = await listFolder(folderId, { ...clientOptions(conn), fields: ['name', 'size', 'modified_at', 'sha1', 'file_version'] });
  return items.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'folder' ? -1 : 1));
}

export async function makeFolder(conn: Connection, name: string, parentId: string): Promise<FolderMini> {
  return createFolder(name, parentId, clientOptions(conn));
}

/** A folder by name in a parent: created, or the existing one on a name clash. */
export async function ensureFolder(conn: Connection, name: string, parentId: string): Promise<string> {
  try {
    return (await makeFolder(conn, name, parentId)).id;
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict?.type === 'folder') return conflict.id;
    throw error;
  }
}

export function conflictOf(error: unknown): { type: string; id: string } | undefined {
  if (!(error instanceof TrancheApiError) || error.code !== 'item_name_in_use') return undefined;
  const raw = error.contextInfo?.['conflicts'];
  const item = (Array.isArray(raw) ? raw[0] : raw) as { type?: string; id?: string } | undefined;
  return typeof item?.id === 'string' && typeof item.type === 'string' ? { type: item.type, id: item.id } : undefined;
}

export async function abort(conn: Connection, abortUrlOrId: string): Promise<void> {
  try {
    await abortSession(abortUrlOrId, clientOptions(conn));
  } catch (error) {
    if (!(error instanceof TrancheApiError && (error.status === 404 || error.status === 410))) throw error;
  }
}

export function downloadUrl(conn: Connection, fileId: string): string {
  // A link cannot carry an Authorization header; the server also takes the token as access_token.
  return `${apiUrlOf(conn)}/files/${encodeURIComponent(fileId)}/content?access_token=${encodeURIComponent(conn.token)}`;
}

export function describe(error: unknown): string {
  if (error instanceof TrancheApiError) return `${error.status} ${error.code}${error.message.includes(': ') ? `: ${error.message.split(': ').slice(-1)[0]}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
