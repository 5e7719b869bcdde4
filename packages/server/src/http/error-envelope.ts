/** The one place errors become HTTP: every failure is rendered as Box's ClientError envelope. */
import { BOX_HELP_URL, BoxError, type BoxErrorCode, type ClientErrorBody } from '@tranche/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StorageFullError } from '../store/blob-store.js';

/** Fastify's own errors, by code, as the Box errors they stand for. */
const FASTIFY_CODES: Record<string, BoxErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request_entity_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'bad_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request_size_mismatch',
  FST_ERR_CTP_INVALID_TYPE: 'bad_request',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'bad_request',
  FST_PARTS_LIMIT: 'bad_request',
  FST_FILES_LIMIT: 'bad_request',
  FST_FIELDS_LIMIT: 'bad_request',
  FST_REQ_FILE_TOO_LARGE: 'request_entity_too_large',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

export function toBoxError(error: unknown): BoxError | undefined {
  if (error instanceof BoxError) return error;
  if (error instanceof StorageFullError || isDatabaseFull(error)) return new BoxError('insufficient_storage');
  const code = (error as FastifyError | undefined)?.code;
  if (code && FASTIFY_CODES[code]) return new BoxError(FASTIFY_CODES[code], (error as Error).message);
  const status = (error as FastifyError | undefined)?.statusCode;
  if (status === 413) return new BoxError('request_entity_too_large');
  if (status !== undefined && status >= 400 && status < 500) return new BoxError('bad_request', (error as Error).message);
  return undefined;
}

/** The metadata database ran out of disk: SQLite's SQLITE_FULL, PostgreSQL's disk_full (SQLSTATE 53100). */
function isDatabaseFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_FULL' || code === '53100';
}

export function envelope(error: BoxError, requestId: string): ClientErrorBody {
  return {
    type: 'error',
    status: error.status,
    code: error.code,
    message: error.message,
    context_info: error.contextInfo,
    help_url: BOX_HELP_URL,
    request_id: requestId,
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let boxError = toBoxError(error);
  if (!boxError) {
    request.log.error({ err: error }, 'unexpected error');
    boxError = new BoxError('internal_server_error');
  } else if (boxError.status >= 500) {
    request.log.warn({ err: error, code: boxError.code }, 'request failed');
  }
  for (const [name, value] of Object.entries(boxError.headers)) reply.header(name, value);
  return reply.code(boxError.status).type('application/json').send(envelope(boxError, request.id));
}
