/**
 * A small fetch wrapper for black-box tests: bearer auth, JSON in and out, and every JSON response
 * validated against Box's OpenAPI subset automatically (errors against ClientError).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { matchPathTemplate, validateResponse } from './openapi.js';

export interface RequestOptions {
  /** JSON body (sets Content-Type: application/json). */
  json?: unknown;
  /** Raw body. */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Override the client's token; null sends no Authorization header. */
  token?: string | null;
  /** Skip OpenAPI validation (default: validate whenever the path is in the spec). */
  validate?: boolean;
  /** Follow redirects (default false, so 302 downloads are visible). */
  follow?: boolean;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, otherwise undefined. */
  body: T;
  /** Raw bytes of the body. */
  raw: Buffer;
  text: string;
  /** The OpenAPI schema the body was validated against, if any. */
  schema?: string;
  /** Method and URL, for assertion messages. */
  request: string;
}

export function sha1Hex(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('hex');
}
export function sha1Base64(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('base64');
}
export function shaDigest(data: Uint8Array | string): string {
  return `sha=${sha1Base64(data)}`;
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function randomBytesSeeded(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export class Api {
  constructor(
    readonly origin: string,
    readonly token: string | null,
  ) {}

  /** The same server, another token. */
  as(token: string | null): Api {
    return new Api(this.origin, token);
  }

  url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : this.origin + pathOrUrl;
  }

  async request<T = any>(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = this.url(pathOrUrl);
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null && !hasHeader(headers, 'authorization')) headers['Authorization'] = `Bearer ${token}`;
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(url, { method, headers, body, redirect: options.follow ? 'follow' : 'manual' });
    const raw = Buffer.from(await res.arrayBuffer());
    const text = raw.toString('utf8');
    const contentType = res.headers.get('content-type') ?? '';
    let parsed: unknown;
    if (contentType.includes('json') && raw.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(`${method} ${url} → ${res.status}: Content-Type ${contentType} but body is not JSON: ${text.slice(0, 500)}`, { cause: error });
      }
    }
    const request = `${method} ${url}`;
    const response: ApiResponse<T> = { status: res.status, headers: res.headers, body: parsed as T, raw, text, request };
    if (options.validate !== false) response.schema = checkResponse(method, new URL(url).pathname, response);
    return response;
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, json === undefined ? options : { ...options, json });
  }
  put<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('PUT', path, options);
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
  options<T = any>(path: string, json?: unknown, options: RequestOptions = {}) {
    return this.request<T>('OPTIONS', path, json === undefined ? options : { ...options, json });
  }

  // ---- Box-specific conveniences -------------------------------------------------------------

  createSession(fields: Record<string, unknown>, options?: RequestOptions) {
    return this.post('/api/2.0/files/upload_sessions', fields, options);
  }

  /** PUT one part of `data` (the whole file) at [offset, offset+size) to a session endpoint URL. */
  putPart(uploadPartUrl: string, data: Uint8Array, offset: number, size: number, options: { digest?: string; headers?: Record<string, string> } = {}) {
    const part = data.subarray(offset, offset + size);
    return this.put(uploadPartUrl, {
      body: part,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${offset}-${offset + size - 1}/${data.length}`,
        Digest: options.digest ?? shaDigest(part),
        ...options.headers,
      },
    });
  }

  commit(commitUrl: string, parts: unknown[], wholeFile: Uint8Array | { digest: string }, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const digest = wholeFile instanceof Uint8Array ? shaDigest(wholeFile) : wholeFile.digest;
    return this.post(commitUrl, { parts, ...extra }, { headers: { Digest: digest, ...headers } });
  }

  /**
   * Simple upload (multipart POST /api/2.0/files/content, or /files/{id}/content for a new version).
   * `attributes` goes first unless `fileFirst`.
   */
  simpleUpload(
    attributes: Record<string, unknown>,
    data: Uint8Array | string,
    options: { fileId?: string; url?: string; headers?: Record<string, string>; fileFirst?: boolean; filename?: string } = {},
  ) {
    const parts: MultipartField[] = [
      { name: 'attributes', data: JSON.stringify(attributes) },
      { name: 'file', filename: options.filename ?? String(attributes['name'] ?? 'file'), contentType: 'application/octet-stream', data },
    ];
    if (options.fileFirst) parts.reverse();
    const { body, contentType } = multipart(parts);
    const url = options.url ?? (options.fileId ? `/api/2.0/files/${options.fileId}/content` : '/api/2.0/files/content');
    return this.post(url, undefined, { body, headers: { 'Content-Type': contentType, ...options.headers } });
  }

  /** Create a session, PUT every part (in order), return the session and the parts; no commit. */
  async uploadParts(fileName: string, data: Uint8Array, folderId = '0'): Promise<{ session: any; parts: any[] }> {
    const created = await this.createSession({ folder_id: folderId, file_size: data.length, file_name: fileName });
    assertStatus(created, 201);
    const session = created.body;
    const parts: any[] = [];
    for (let offset = 0; offset < data.length; offset += session.part_size) {
      const size = Math.min(session.part_size, data.length - offset);
      const res = await this.putPart(session.session_endpoints.upload_part, data, offset, size);
      assertStatus(res, 200);
      parts.push(res.body.part);
    }
    return { session, parts };
  }

  /** A whole chunked upload; returns the committed File. */
  async chunkedUpload(fileName: string, data: Uint8Array, folderId = '0'): Promise<{ session: any; parts: any[]; file: any }> {
    const { session, parts } = await this.uploadParts(fileName, data, folderId);
    const res = await this.commit(session.session_endpoints.commit, parts, data);
    assertStatus(res, 201);
    return { session, parts, file: res.body.entries[0] };
  }

  /** Downloads a file's content, following a 302 if the server redirects. */
  async download(fileId: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const first = await this.get(`/2.0/files/${fileId}/content`, { headers });
    if (first.status === 302 || first.status === 301 || first.status === 307) {
      const location = first.headers.get('location');
      assert.ok(location, `${first.request} → ${first.status} without Location`);
      return this.get(new URL(location, this.origin).toString(), { headers });
    }
    return first;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** Validates a response against the OpenAPI and checks the ClientError envelope invariants. */
function checkResponse(method: string, pathname: string, res: ApiResponse): string | undefined {
  const template = matchPathTemplate(pathname);
  const isJson = res.body !== undefined;
  if (res.status >= 400 && res.raw.length > 0 && res.status !== 401) {
    assert.ok(isJson, `${res.request} → ${res.status}: error body is not application/json: ${res.headers.get('content-type')} ${res.text.slice(0, 300)}`);
  }
  if (!isJson) return undefined;
  let schema: string | undefined;
  if (template) schema = validateResponse(method, template, res.status, res.body);
  else if (res.status >= 400) schema = validateResponse(method, '(unknown)', res.status, res.body);
  if (res.status >= 400) {
    const err = res.body as { type?: unknown; status?: unknown; code?: unknown };
    assert.equal(err.type, 'error', `${res.request} → ${res.status}: error type must be "error": ${res.text.slice(0, 300)}`);
    assert.equal(err.status, res.status, `${res.request} → ${res.status}: error body status must equal the HTTP status: ${res.text.slice(0, 300)}`);
    assert.equal(typeof err.code, 'string', `${res.request} → ${res.status}: error code must be a string`);
  }
  return schema;
}

/** Asserts a Box error response: HTTP status, and code (one of several when an array is given). */
export function assertError(res: ApiResponse, status: number | number[], code?: string | string[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(res.status), `${res.request}: expected HTTP ${statuses.join(' or ')}, got ${res.status}: ${res.text.slice(0, 500)}`);
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    assert.ok(res.body && typeof res.body === 'object', `${res.request} → ${res.status}: expected a JSON error body, got: ${res.text.slice(0, 300)}`);
    assert.ok(codes.includes(res.body.code), `${res.request} → ${res.status}: expected code ${codes.join(' or ')}, got ${JSON.stringify(res.body.code)}: ${res.text.slice(0, 500)}`);
  }
}

/** Asserts an exact success status, printing the body on mismatch. */
export function assertStatus(res: ApiResponse, status: number | number[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(res.status), `${res.request}: expected HTTP ${statuses.join(' or ')}, got ${res.status}: ${res.text.slice(0, 800)}`);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json?: any;
}

/**
 * A raw HTTP/1.1 request with full control of headers (e.g. a Content-Length that lies), through node:http.
 * `writeBody` writes the body and decides whether to end the request.
 */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string | number>,
  writeBody?: (req: http.ClientRequest) => void,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        if ((res.headers['content-type'] ?? '').includes('json') && body.length) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            json = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (writeBody) writeBody(req);
    else req.end();
  });
}

export interface MultipartField {
  name: string;
  data: Uint8Array | string;
  filename?: string;
  contentType?: string;
}

/** Builds a multipart/form-data body with the fields in the given order. */
export function multipart(fields: MultipartField[]): { body: Buffer; contentType: string } {
  const boundary = `----tranche-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const field of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${field.name}"`;
    if (field.filename !== undefined) head += `; filename="${field.filename}"`;
    head += '\r\n';
    if (field.contentType) head += `Content-Type: ${field.contentType}\r\n`;
    head += '\r\n';
    chunks.push(Buffer.from(head), Buffer.from(field.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

let nameCounter = 0;
/** A name unique within this test process. */
export function uniqueName(prefix = 'file', ext = '.bin'): string {
  nameCounter += 1;
  return `${prefix}-${process.pid}-${nameCounter}${ext}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A folder made by `as` (201 asserted): its Folder body. */
export async function mkdirAs(as: Api, name: string, parent = '0'): Promise<any> {
  const res = await as.post('/2.0/folders', { name, parent: { id: parent } });
  assertStatus(res, 201);
  return res.body;
}

/** A file uploaded by `as` in one request (201 asserted): its File entry. */
export async function uploadAs(as: Api, name: string, data: Uint8Array | string, parent = '0'): Promise<any> {
  const res = await as.simpleUpload({ name, parent: { id: parent } }, data);
  assertStatus(res, 201);
  return res.body.entries[0];
}
