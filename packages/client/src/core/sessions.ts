/**
 * The chunked-upload endpoints, one function each: create, status, list parts (paged), commit (following 202),
 * abort. Part uploads live in parts.ts. Every URL after creation comes from `session_endpoints`.
 */
import {
  LIST_PARTS_MAX_LIMIT,
  shaDigestHeader,
  type CommitPart,
  type Files,
  type UploadPart,
  type UploadParts,
  type UploadSession,
} from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import { TrancheProtocolError } from './errors.js';
import { fetchJson, requestJson } from './http.js';
import { assertTokenTarget } from './origins.js';
import { parseRetryAfter, sleep, type RetryNotice } from './retry.js';

export type Destination = { folderId: string; fileId?: undefined } | { fileId: string; folderId?: undefined };

export async function createSession(
  config: ClientConfig,
  destination: Destination,
  size: number,
  name: string | undefined,
  onRetry?: (notice: RetryNotice) => void,
): Promise<UploadSession> {
  const request =
    destination.fileId !== undefined
      ? {
          url: `${config.uploadUrl}/files/${encodeURIComponent(destination.fileId)}/upload_sessions`,
          json: name === undefined ? { file_size: size } : { file_size: size, file_name: name },
        }
      : {
          url: `${config.uploadUrl}/files/upload_sessions`,
          json: { folder_id: destination.folderId, file_size: size, file_name: name },
        };
  const session = checkSession(await fetchJson<UploadSession>(config, { method: 'POST', ...request }, onRetry), size);
  await checkEndpoints(config, session);
  return session;
}

/**
 * Every session endpoint must be one the token may be sent to (origins.ts). If one is not, the new session is
 * aborted through the configured upload URL (it would only hold its bytes reserved until it expired) and the
 * UntrustedUrlError names the URL, before a single part is read.
 */
async function checkEndpoints(config: ClientConfig, session: UploadSession): Promise<void> {
  if (!config.token) return;
  try {
    for (const url of Object.values(session.session_endpoints ?? {})) if (typeof url === 'string') assertTokenTarget(config.tokenOrigins, url);
  } catch (error) {
    await abortSessionUrl(config, sessionUrl(config, session.id)).catch(() => undefined);
    throw error;
  }
}

export function sessionUrl(config: ClientConfig, sessionId: string): string {
  return `${config.uploadUrl}/files/upload_sessions/${encodeURIComponent(sessionId)}`;
}

export async function getSession(config: ClientConfig, statusUrl: string, onRetry?: (n: RetryNotice) => void): Promise<UploadSession> {
  return fetchJson<UploadSession>(config, { method: 'GET', url: statusUrl }, onRetry);
}

/** Every part stored in the session, pages of 1000, sorted by offset. */
export async function listAllParts(config: ClientConfig, listUrl: string, onRetry?: (n: RetryNotice) => void): Promise<UploadPart[]> {
  const parts: UploadPart[] = [];
  for (let offset = 0; ; ) {
    const page = await fetchJson<UploadParts>(
      config,
      { method: 'GET', url: listUrl, query: { offset, limit: LIST_PARTS_MAX_LIMIT } },
      onRetry,
    );
    if (!Array.isArray(page.entries)) throw new TrancheProtocolError(`GET ${listUrl}: no entries in the answer`);
    parts.push(...page.entries);
    offset += page.entries.length;
    if (page.entries.length === 0 || offset >= page.total_count) break;
  }
  return parts.sort((a, b) => a.offset - b.offset);
}

export interface CommitOptions {
  parts: CommitPart[];
  sha1: string;
  attributes?: Record<string, string> | undefined;
  /** How many 202 answers to wait through. Default 60. */
  maxPending?: number | undefined;
  onPending?: (retryAfterMs: number) => void;
  onRetry?: (notice: RetryNotice) => void;
}

/** Commits, waiting through 202 + Retry-After; answers the File. */
export async function commitSession(config: ClientConfig, commitUrl: string, options: CommitOptions) {
  const parts = [...options.parts].sort((a, b) => a.offset - b.offset);
  const json = options.attributes ? { parts, attributes: options.attributes } : { parts };
  const maxPending = options.maxPending ?? 60;
  for (let pending = 0; ; pending++) {
    const response = await requestJson<Files>(
      config,
      { method: 'POST', url: commitUrl, json, headers: { digest: shaDigestHeader(options.sha1) } },
      options.onRetry,
    );
    if (response.status === 202) {
      if (pending >= maxPending) throw new TrancheProtocolError(`POST ${commitUrl}: still 202 after ${pending} tries`);
      const wait = parseRetryAfter(response.header('retry-after')) ?? 1_000;
      options.onPending?.(wait);
      await sleep(wait, config.signal);
      continue;
    }
    const file = response.body?.entries?.[0];
    if (!file) throw new TrancheProtocolError(`POST ${commitUrl} answered ${response.status} without a file`);
    return file;
  }
}

export async function abortSessionUrl(config: ClientConfig, abortUrl: string): Promise<void> {
  await requestJson(config, { method: 'DELETE', url: abortUrl });
}

function checkSession(session: UploadSession, size: number): UploadSession {
  const ok =
    session?.type === 'upload_session' &&
    typeof session.id === 'string' &&
    Number.isSafeInteger(session.part_size) &&
    session.part_size > 0 &&
    session.total_parts === Math.ceil(size / session.part_size) &&
    typeof session.session_endpoints?.upload_part === 'string';
  if (!ok) throw new TrancheProtocolError(`the server created an unusable upload session: ${JSON.stringify(session).slice(0, 300)}`);
  return session;
}
