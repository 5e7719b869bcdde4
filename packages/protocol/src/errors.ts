/**
 * The one catalogue of Box error codes Tranche emits or understands: HTTP status and default message.
 * The server throws BoxError with one of these codes; the HTTP edge renders the ClientError envelope.
 */
export const BOX_ERRORS = {
  bad_request: [400, 'Bad request'],
  missing_destination: [400, 'A folder_id is required'],
  invalid_folder_id: [400, 'The folder_id is not valid'],
  item_name_invalid: [400, 'Item name invalid'],
  item_name_too_long: [400, 'Item name too long: at most 255 characters'],
  missing_file_size: [400, 'file_size is required'],
  invalid_file_size: [400, 'file_size must be a non-negative integer'],
  file_size_too_small: [400, 'File size is less than the minimum allowed for this API'],
  missing_file_name: [400, 'file_name is required'],
  invalid_upload_session_id: [400, 'The upload session id is not valid'],
  invalid_offset: [400, 'The offset is not valid'],
  invalid_limit: [400, 'The limit is not valid'],
  metadata_after_file_contents: [400, 'The attributes part must come before the file part'],
  bad_digest: [400, 'The specified content-md5 did not match what we received'],
  digest_mismatch: [400, 'Digest was incorrect'],
  parts_mismatch: [400, 'The parts do not match the parts uploaded to this session'],
  request_size_mismatch: [400, "Request body size didn't match Content-Length"],
  invalid_request_parameters: [400, 'Invalid input parameters in request'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Only the user who initiated the upload session may use it'],
  access_denied_insufficient_permissions: [403, 'Access denied - insufficient permission'],
  storage_limit_exceeded: [403, 'Account storage limit reached'],
  file_size_limit_exceeded: [403, 'File size exceeds the maximum file size allowed for this account'],
  not_found: [404, 'Not found'],
  trashed: [404, 'Item is trashed'],
  invalid_parameter: [404, 'Folder not found or not accessible'],
  method_not_allowed: [405, 'Method not allowed'],
  folder_not_empty: [400, 'Folder is not empty; delete it with recursive=true'],
  item_name_in_use: [409, 'Item with the same name already exists'],
  session_conflict: [409, 'An upload session for this item already exists'],
  name_temporarily_reserved: [409, 'The name is temporarily reserved by another request'],
  operation_blocked_temporary: [409, 'The operation is blocked by another ongoing operation'],
  session_expired: [410, 'The upload session has expired'],
  upload_failed: [410, 'The upload session is in an unrecoverable state'],
  length_required: [411, 'Content-Length or chunked transfer encoding is required'],
  request_timeout: [408, 'The request did not arrive in time'],
  precondition_failed: [412, 'The resource has been modified; the precondition failed'],
  request_entity_too_large: [413, 'Request entity too large'],
  expectation_failed: [417, 'The Expect header names an expectation this server does not support'],
  range_overlaps_existing_part: [416, 'The range overlaps a part already uploaded'],
  invalid_range: [416, 'The Content-Range does not match a part of this session'],
  rate_limit_exceeded: [429, 'Request rate limit exceeded, please try again later'],
  request_header_fields_too_large: [431, 'The request headers are too large'],
  internal_server_error: [500, 'Internal server error'],
  file_integrity_error: [500, "The stored bytes of this file no longer match its SHA-1; it cannot be served until restored"],
  bad_gateway: [502, 'Bad gateway'],
  unavailable: [503, 'Unavailable'],
  insufficient_storage: [507, 'The server has no room left to store this data'],
} as const satisfies Record<string, readonly [number, string]>;

export type BoxErrorCode = keyof typeof BOX_ERRORS;

export const BOX_HELP_URL = 'https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/';

export function statusOf(code: BoxErrorCode): number {
  return BOX_ERRORS[code][0];
}

export function isBoxErrorCode(code: string): code is BoxErrorCode {
  return Object.hasOwn(BOX_ERRORS, code);
}

/** A Box API error with a stable `code`. Thrown by the server's domain layer, rendered once at the HTTP edge. */
export class BoxError extends Error {
  readonly code: BoxErrorCode;
  readonly status: number;
  readonly contextInfo: Record<string, unknown> | null;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Record<string, string>;

  constructor(
    code: BoxErrorCode,
    message?: string,
    contextInfo: Record<string, unknown> | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message ?? BOX_ERRORS[code][1]);
    this.name = 'BoxError';
    this.code = code;
    this.status = BOX_ERRORS[code][0];
    this.contextInfo = contextInfo;
    this.headers = headers;
  }
}

/** A validation error for one request parameter, in Box's `context_info.errors[]` shape. */
export function invalidParameter(
  code: BoxErrorCode,
  name: string,
  message: string,
  reason = 'invalid_parameter',
): BoxError {
  return new BoxError(code, message, { errors: [{ reason, name, message }] });
}
