/**
 * Sending one request: authentication, JSON encoding, turning transport failures into TrancheNetworkError and
 * non-2xx answers into TrancheApiError (with the Box error body). Retries live one level up (retry.ts).
 */
import type { ClientErrorBody } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import { TrancheApiError, TrancheNetworkError, TrancheProtocolError, isAbortError } from './errors.js';
import { assertTokenTarget } from './origins.js';
import { parseRetryAfter, withRetry, type RetryNotice } from './retry.js';
import { readText, TransportTimeoutError, type RequestBody, type TransportResponse } from './transport.js';

export interface ApiRequest {
  method: string;
  url: string;
  query?: Record<string, string | number | undefined> | undefined;
  headers?: Record<string, string> | undefined;
  /** Encoded as JSON with Content-Type application/json. */
  json?: unknown;
  body?: RequestBody | undefined;
  signal?: AbortSignal | undefined;
  onBodyProgress?: ((sent: number) => void) | undefined;
  /** Send the bearer token (default true; false for pre-signed download URLs on another origin). */
  auth?: boolean | undefined;
}

export function withQuery(url: string, query: ApiRequest['query']): string {
  if (!query) return url;
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(key, String(value));
  return target.toString();
}

/** One attempt. Answers below 400 are returned (the caller reads or discards the body); the rest throw. */
export async function send(config: ClientConfig, request: ApiRequest): Promise<TransportResponse> {
  const url = withQuery(request.url, request.query);
  const headers: Record<string, string> = { 'user-agent': config.userAgent, ...request.headers };
  if (request.auth !== false && config.token) {
    assertTokenTarget(config.tokenOrigins, url);
    headers['authorization'] = `Bearer ${config.token}`;
  }
  let body = request.body;
  if (request.json !== undefined) {
    body = new TextEncoder().encode(JSON.stringify(request.json));
    headers['content-type'] = 'application/json';
  }
  const signal = request.signal ?? config.signal;
  let response: TransportResponse;
  try {
    response = await config.transport({
      method: request.method,
      url,
      headers,
      body,
      signal,
      timeoutMs: config.timeoutMs,
      onBodyProgress: request.onBodyProgress,
    });
  } catch (error) {
    if (signal?.aborted || isAbortError(error)) throw signal?.reason ?? error;
    throw new TrancheNetworkError(request.method, url, error, error instanceof TransportTimeoutError);
  }
  if (response.status < 400) return response;
  let text: string | undefined;
  try {
    text = await readText(response.body);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TrancheNetworkError(request.method, url, error);
  }
  throw new TrancheApiError({
    status: response.status,
    method: request.method,
    url,
    body: parseErrorBody(text),
    text,
    retryAfterMs: parseRetryAfter(response.header('retry-after')),
  });
}

function parseErrorBody(text: string): Partial<ClientErrorBody> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Partial<ClientErrorBody>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a JSON body; an empty body gives undefined. Stream failures count as network errors. */
export async function readJson<T>(response: TransportResponse, request: ApiRequest): Promise<T | undefined> {
  let text: string;
  try {
    text = await readText(response.body);
  } catch (error) {
    const signal = request.signal;
    if (signal?.aborted) throw signal.reason;
    throw new TrancheNetworkError(request.method, request.url, error);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new TrancheProtocolError(`${request.method} ${request.url}: the answer is not JSON: ${text.slice(0, 200)}`);
  }
}

export interface JsonResponse<T> {
  status: number;
  body: T | undefined;
  header(name: string): string | null;
}

/** One request with retries, answering status and parsed JSON body. */
export async function requestJson<T>(
  config: ClientConfig,
  request: ApiRequest,
  onRetry?: (notice: RetryNotice) => void,
): Promise<JsonResponse<T>> {
  const withSignal = { ...request, signal: request.signal ?? config.signal };
  return withRetry(
    config.retry,
    withSignal.signal,
    async () => {
      const response = await send(config, withSignal);
      const body = await readJson<T>(response, withSignal);
      return { status: response.status, body, header: response.header };
    },
    onRetry,
  );
}

/** Like requestJson but insists on a JSON body. */
export async function fetchJson<T>(config: ClientConfig, request: ApiRequest, onRetry?: (notice: RetryNotice) => void): Promise<T> {
  const response = await requestJson<T>(config, request, onRetry);
  if (response.body === undefined) {
    throw new TrancheProtocolError(`${request.method} ${request.url} answered ${response.status} with an empty body`);
  }
  return response.body;
}
