/**
 * Errors the client raises. An HTTP error carries the request (method, URL), the response status, Box's `code`,
 * `message`, `request_id` and `context_info`, like tus-js-client's DetailedError.
 */
import type { ClientErrorBody } from '@tranche/protocol';

/** A non-2xx answer from the server. */
export class TrancheApiError extends Error {
  readonly status: number;
  /** Box error code (`item_name_in_use`, `session_expired`, …), or `http_<status>` when the body was not a Box error. */
  readonly code: string;
  readonly requestId: string | undefined;
  readonly contextInfo: Record<string, unknown> | null;
  readonly method: string;
  readonly url: string;
  /** The `Retry-After` header in milliseconds, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    status: number;
    method: string;
    url: string;
    body?: Partial<ClientErrorBody> | undefined;
    text?: string | undefined;
    retryAfterMs?: number | undefined;
  }) {
    const { status, method, url, body } = init;
    const code = typeof body?.code === 'string' ? body.code : `http_${status}`;
    const reason = typeof body?.message === 'string' ? body.message : init.text?.trim().slice(0, 200) || 'no details';
    super(`${method} ${url} failed: ${status} ${code}: ${reason}`);
    this.name = 'TrancheApiError';
    this.status = status;
    this.code = code;
    this.requestId = typeof body?.request_id === 'string' ? body.request_id : undefined;
    this.contextInfo = body?.context_info ?? null;
    this.method = method;
    this.url = url;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The request never got an answer: connection refused or reset, DNS failure, idle timeout. */
export class TrancheNetworkError extends Error {
  readonly method: string;
  readonly url: string;
  readonly timedOut: boolean;

  constructor(method: string, url: string, cause: unknown, timedOut = false) {
    const reason = cause instanceof Error ? describeCause(cause) : String(cause);
    super(`${method} ${url} failed: ${timedOut ? 'timed out' : reason}`, { cause });
    this.name = 'TrancheNetworkError';
    this.method = method;
    this.url = url;
    this.timedOut = timedOut;
  }
}

function describeCause(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const inner = error.cause instanceof Error ? `: ${describeCause(error.cause)}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${inner}`;
}

/** The server answered something the protocol does not allow (bad JSON, a part that is not ours). */
export class TrancheProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrancheProtocolError';
  }
}

/**
 * The client refused to send its token to a URL outside the configured origins (origins.ts): a URL the server
 * handed out on another origin, or the configured https origin over http.
 */
export class UntrustedUrlError extends Error {
  readonly url: string;
  readonly trusted: readonly string[];
  readonly reason: 'origin' | 'downgrade';

  constructor(url: string, trusted: readonly string[], reason: 'origin' | 'downgrade') {
    const configured = trusted.join(', ');
    const why =
      reason === 'downgrade'
        ? `it is plain http:// while the server is configured as https:// (${configured}): a scheme downgrade`
        : `it is not on the configured server (${configured})`;
    super(
      `refusing to send the token to ${url}: ${why}. The server handed out this URL; a Tranche server behind a proxy or ` +
        `load balancer must be started with --public-url set to the origin clients use (e.g. --public-url ${trusted[0] ?? 'https://HOST'}). ` +
        'If that origin is yours, add it to the trusted origins (SDK option trustedOrigins)',
    );
    this.name = 'UntrustedUrlError';
    this.url = url;
    this.trusted = trusted;
    this.reason = reason;
  }
}

/** The local bytes no longer match what an interrupted upload recorded. */
export class LocalFileChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalFileChangedError';
  }
}

/** A downloaded file's bytes do not hash to the server's sha1. */
export class IntegrityError extends Error {
  readonly expected: string;
  readonly actual: string;

  constructor(what: string, expected: string, actual: string) {
    super(`${what}: sha1 ${actual} does not match the server's ${expected}`);
    this.name = 'IntegrityError';
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A chunked upload stopped before commit: retries exhausted, a fatal answer, or the caller's signal.
 * When `resumable`, the session and the resume state were kept: running the same upload again resumes it.
 */
export class UploadIncompleteError extends Error {
  readonly sessionId: string;
  readonly partsDone: number;
  readonly totalParts: number;
  readonly aborted: boolean;
  readonly resumable: boolean;

  constructor(init: {
    sessionId: string;
    partsDone: number;
    totalParts: number;
    aborted: boolean;
    resumable: boolean;
    cause: unknown;
  }) {
    const why = init.aborted ? 'interrupted' : `stopped: ${init.cause instanceof Error ? init.cause.message : String(init.cause)}`;
    const how = init.resumable
      ? 'run the same upload again to resume it'
      : 'the session cannot be resumed; upload again to start over';
    super(`upload session ${init.sessionId} ${why} (${init.partsDone}/${init.totalParts} parts stored); ${how}`, {
      cause: init.cause,
    });
    this.name = 'UploadIncompleteError';
    this.sessionId = init.sessionId;
    this.partsDone = init.partsDone;
    this.totalParts = init.totalParts;
    this.aborted = init.aborted;
    this.resumable = init.resumable;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
