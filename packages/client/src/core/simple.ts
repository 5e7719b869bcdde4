/**
 * Simple (single-request) upload for files below the chunked minimum: one multipart POST, attributes first,
 * then the file, with `content-md5: <hex sha1>` (Box's name for it). The file is read into memory once.
 */
import type { BoxFile, Files } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import { TrancheApiError, TrancheProtocolError } from './errors.js';
import { fetchJson } from './http.js';
import type { RetryNotice } from './retry.js';
import { digestPart } from './whole-hash.js';
import type { Destination } from './sessions.js';
import { readRange, type UploadSource } from './source.js';

export interface SimpleJob {
  config: ClientConfig;
  source: UploadSource;
  destination: Destination;
  name: string | undefined;
  attributes: Record<string, string> | undefined;
  onRetry: (notice: RetryNotice) => void;
  onProgress: (sent: number) => void;
}

export async function simpleUpload(job: SimpleJob): Promise<{ file: BoxFile; sha1: string }> {
  const { config, source, destination } = job;
  const bytes = await readRange(source, 0, source.size, config.signal);
  const sha1 = await digestPart(config, bytes);
  const attributes: Record<string, unknown> = { ...job.attributes };
  if (job.name !== undefined) attributes['name'] = job.name;
  if (destination.folderId !== undefined) attributes['parent'] = { id: destination.folderId };
  const boundary = `----tranche${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const { body, headLength } = multipart(boundary, JSON.stringify(attributes), job.name ?? source.name ?? 'file', bytes);
  const url =
    destination.fileId !== undefined
      ? `${config.uploadUrl}/files/${encodeURIComponent(destination.fileId)}/content`
      : `${config.uploadUrl}/files/content`;
  let attempts = 0;
  try {
    const files = await fetchJson<Files>(
      config,
      {
        method: 'POST',
        url,
        body,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-md5': sha1 },
        onBodyProgress: (sent) => job.onProgress(Math.max(0, Math.min(bytes.byteLength, sent - headLength))),
      },
      (notice) => {
        attempts = notice.attempt;
        job.onRetry(notice);
      },
    );
    const file = files.entries?.[0];
    if (!file) throw new TrancheProtocolError(`POST ${url} answered without a file`);
    return { file, sha1 };
  } catch (error) {
    // A retried POST whose first try did land: the name is now taken by a file with our exact content.
    const conflict = error instanceof TrancheApiError && error.code === 'item_name_in_use' && attempts > 0 ? sameFile(error, sha1) : undefined;
    if (!conflict) throw error;
    const file = await fetchJson<BoxFile>(config, { method: 'GET', url: `${config.apiUrl}/files/${encodeURIComponent(conflict)}` });
    return { file, sha1 };
  }
}

function sameFile(error: TrancheApiError, sha1: string): string | undefined {
  const raw = error.contextInfo?.['conflicts'];
  const item = (Array.isArray(raw) ? raw[0] : raw) as { type?: string; id?: string; sha1?: string } | undefined;
  return item?.type === 'file' && typeof item.id === 'string' && item.sha1?.toLowerCase() === sha1 ? item.id : undefined;
}

function multipart(boundary: string, attributes: string, name: string, bytes: Uint8Array): { body: Uint8Array; headLength: number } {
  const encoder = new TextEncoder();
  const filename = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n${attributes}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.byteLength + bytes.byteLength + tail.byteLength);
  body.set(head, 0);
  body.set(bytes, head.byteLength);
  body.set(tail, head.byteLength + bytes.byteLength);
  return { body, headLength: head.byteLength };
}
