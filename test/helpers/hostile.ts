/**
 * Shared by the hostile-input suites: a server with short timeouts, a fixture of stored state (a folder with a file,
 * a session with two of its three parts), a snapshot of that state to compare before and after, and the check that
 * an answer is a Box error envelope.
 */
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './server.js';
import { Api, assertStatus, randomBytesSeeded, sha1Hex, uniqueName, type ApiResponse } from './http.js';
import { assertSchema } from './openapi.js';
import type { SocketReply } from './raw-socket.js';

export const PART = 1024;
export const FILE_SIZE = 3000;
/** Seconds, as the hostile servers run: short, so slow-client cases finish quickly. */
export const HEADER_TIMEOUT_S = 2;
export const IDLE_TIMEOUT_S = 3;
export const REQUEST_TIMEOUT_S = 5;
/** Every case but the deliberately slow ones must be answered within this. */
export const CASE_BOUND_MS = 5_000;

export function startHostileServer(extra: string[] = []): Promise<TestServer> {
  return startServer({
    args: [
      '--min-chunked-size', '1000',
      '--part-size', String(PART),
      '--header-timeout', String(HEADER_TIMEOUT_S),
      '--idle-timeout', String(IDLE_TIMEOUT_S),
      '--request-timeout', String(REQUEST_TIMEOUT_S),
      '--log-level', 'warn',
      ...extra,
    ],
  });
}

export interface Fixture {
  api: Api;
  token: string;
  folderId: string;
  fileId: string;
  fileVersionId: string;
  /** An active session with parts 0 and 1 of 3 stored. */
  session: any;
  sessionId: string;
  /** The whole content the session stands for. */
  data: Buffer;
}

export async function createFixture(server: TestServer, user = 'alice'): Promise<Fixture> {
  const token = await server.token(user);
  const api = new Api(server.origin, token);
  const folder = await api.post('/2.0/folders', { name: uniqueName('stable', ''), parent: { id: '0' } });
  assertStatus(folder, 201);
  const file = await api.simpleUpload({ name: 'keep.txt', parent: { id: folder.body.id } }, 'bytes that must not change');
  assertStatus(file, 201);
  // An NFC name, for the NFD and case variants that must collide with it.
  assertStatus(await api.simpleUpload({ name: 'Caf\u00e9.txt', parent: { id: folder.body.id } }, 'accented'), 201);
  const data = randomBytesSeeded(FILE_SIZE, 42);
  const created = await api.createSession({ folder_id: folder.body.id, file_size: FILE_SIZE, file_name: 'pending.bin' });
  assertStatus(created, 201);
  for (const offset of [0, PART]) assertStatus(await api.putPart(created.body.session_endpoints.upload_part, data, offset, PART), 200);
  const entry = file.body.entries[0];
  return {
    api,
    token,
    folderId: folder.body.id,
    fileId: entry.id,
    fileVersionId: entry.file_version.id,
    session: created.body,
    sessionId: created.body.id,
    data,
  };
}

/** Everything the fixture stored, as the API shows it. */
export async function snapshot(f: Fixture): Promise<unknown> {
  const { api } = f;
  const ok = (res: ApiResponse) => {
    assertStatus(res, 200);
    return res.body;
  };
  const status = ok(await api.get(f.session.session_endpoints.status));
  const parts = ok(await api.get(f.session.session_endpoints.list_parts));
  const root = ok(await api.get('/2.0/folders/0/items?limit=1000'));
  const folder = ok(await api.get(`/2.0/folders/${f.folderId}/items?limit=1000`));
  const file = ok(await api.get(`/2.0/files/${f.fileId}`));
  const content = await api.download(f.fileId);
  assertStatus(content, 200);
  return {
    session: { total_parts: status.total_parts, part_size: status.part_size, num_parts_processed: status.num_parts_processed, expires: status.session_expires_at },
    parts: parts.entries,
    root: root.entries.map((e: any) => [e.type, e.id, e.name, e.etag]),
    folder: folder.entries.map((e: any) => [e.type, e.id, e.name, e.etag, e.sha1 ?? null]),
    file: [file.name, file.size, file.sha1, file.etag, file.file_version.id, file.modified_at],
    content: sha1Hex(content.raw),
  };
}

/** A Box ClientError envelope with this status and one of these codes (checked against Box's OpenAPI too). */
export function assertBoxError(res: ApiResponse | SocketReply, status: number, code: string | string[], context = ''): void {
  const body = 'json' in res ? res.json : (res as ApiResponse).body;
  const text = 'text' in res ? res.text : res.body.toString('utf8');
  const where = `${context} → ${res.status} ${text.slice(0, 300)}`;
  assert.equal(res.status, status, `expected HTTP ${status}${where}`);
  assert.ok(body && typeof body === 'object', `expected a JSON body${where}`);
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(body.code), `expected code ${codes.join(' or ')}${where}`);
  assert.equal(body.type, 'error', where);
  assert.equal(body.status, status, where);
  assert.equal(typeof body.message, 'string', where);
  assert.match(String(body.request_id), /^[0-9a-f]{16}$/, where);
  assertSchema('ClientError', body, where);
}

/** The server still answers an ordinary request. */
export async function assertAlive(server: TestServer, api: Api): Promise<void> {
  assert.equal(server.process.exitCode, null, `the server exited:\n${server.output().slice(-2000)}`);
  assert.equal(server.process.signalCode, null, `the server was killed:\n${server.output().slice(-2000)}`);
  assertStatus(await api.get('/2.0/folders/0'), 200);
}

export interface HostileRequest {
  method: string;
  path: string;
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Another token, or null for none (default: the fixture's). */
  token?: string | null;
}

export interface HostileCase {
  name: string;
  build: (f: Fixture) => HostileRequest;
  status: number;
  code: string | string[];
}

/** Shorthand for a case. */
export function hostile(name: string, status: number, code: string | string[], build: (f: Fixture) => HostileRequest): HostileCase {
  return { name, build, status, code };
}

/** Sends one case and checks it got its Box error within CASE_BOUND_MS. */
export async function runCase(f: Fixture, c: HostileCase): Promise<void> {
  const request = c.build(f);
  const started = Date.now();
  const res = await f.api.request(request.method, request.path, {
    json: request.json,
    body: request.body,
    headers: request.headers,
    token: request.token,
    validate: false,
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < CASE_BOUND_MS, `${c.name}: answered after ${elapsed} ms`);
  assertBoxError(res, c.status, c.code, `${c.name} (${request.method} ${request.path.slice(0, 120)})`);
}
