/**
 * Hostile input, part 1: request bodies and names. Malformed, deeply nested and wrongly typed JSON; hostile sizes;
 * names with control, invisible and bidirectional characters, unpaired surrogates, NFD and case variants, dot
 * segments and slashes; hostile multipart and preflight bodies; bad credentials; wrong methods. Every case must get
 * its Box error envelope quickly, and after each group the server must still answer and the stored state must be
 * exactly as before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './helpers/server.js';
import { multipart } from './helpers/http.js';
import {
  assertAlive,
  createFixture,
  hostile,
  runCase,
  snapshot,
  startHostileServer,
  type Fixture,
  type HostileCase,
  type HostileRequest,
} from './helpers/hostile.js';

const CREATE = '/api/2.0/files/upload_sessions';
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A create-session request with these fields (folder defaults to the fixture folder, size to 5000). */
const create = (fields: Record<string, unknown>) => (f: Fixture): HostileRequest => ({
  method: 'POST',
  path: CREATE,
  json: { folder_id: f.folderId, file_size: 5000, file_name: 'x.bin', ...fields },
});
/** A create-session request with this raw body, sent as application/json. */
const rawCreate = (body: string | Uint8Array, headers: Record<string, string> = JSON_TYPE) => (): HostileRequest => ({
  method: 'POST',
  path: CREATE,
  body,
  headers,
});
const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

const INVALID_JSON: HostileCase[] = [
  hostile('truncated object', 400, 'bad_request', rawCreate('{"folder_id":"0"')),
  hostile('trailing comma', 400, 'bad_request', rawCreate('{"folder_id":"0",}')),
  hostile('single quotes', 400, 'bad_request', rawCreate("{'folder_id':'0'}")),
  hostile('NaN literal', 400, 'bad_request', rawCreate('{"folder_id":"0","file_size":NaN,"file_name":"a"}')),
  hostile('Infinity literal', 400, 'bad_request', rawCreate('{"folder_id":"0","file_size":Infinity,"file_name":"a"}')),
  hostile('comment', 400, 'bad_request', rawCreate('// hi\n{"folder_id":"0"}')),
  hostile('two documents', 400, 'bad_request', rawCreate('{"a":1}{"b":2}')),
  hostile('bare word', 400, 'bad_request', rawCreate('undefined')),
  hostile('empty body declared JSON', 400, 'bad_request', rawCreate('')),
  hostile('invalid UTF-8 bytes', 400, 'bad_request', rawCreate(Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d]))),
  hostile('__proto__ key', 400, 'bad_request', rawCreate('{"__proto__":{"admin":true},"folder_id":"0","file_size":5000,"file_name":"p"}')),
  hostile('constructor.prototype key', 400, 'bad_request', rawCreate('{"constructor":{"prototype":{"admin":true}},"folder_id":"0"}')),
  hostile('null document', 400, 'bad_request', rawCreate('null')),
  hostile('array document', 400, 'bad_request', rawCreate('[]')),
  hostile('string document', 400, 'bad_request', rawCreate('"folder"')),
  hostile('number document', 400, 'bad_request', rawCreate('42')),
  hostile('boolean document', 400, 'bad_request', rawCreate('true')),
  hostile('lone surrogate document', 400, 'bad_request', rawCreate('"\\ud800"')),
  hostile('nested 10^5 levels (beyond the 64 KiB JSON limit)', 413, 'request_entity_too_large', rawCreate(nested(100_000))),
  hostile('nested 30,000 levels within 64 KiB', 400, 'bad_request', rawCreate(nested(30_000))),
  hostile('unclosed 60,000 brackets', 400, 'bad_request', rawCreate('['.repeat(60_000))),
  hostile('field nested 33 levels', 400, 'bad_request', rawCreate(`{"folder_id":"0","file_size":5000,"file_name":"d","x":${nested(33, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')}}`)),
  hostile('64 KiB + 1 of valid JSON', 413, 'request_entity_too_large', rawCreate(JSON.stringify({ folder_id: '0', pad: 'x'.repeat(65_536) }))),
  hostile('text/plain body', 400, 'bad_request', rawCreate('{"folder_id":"0","file_size":5000,"file_name":"t"}', { 'Content-Type': 'text/plain' })),
  hostile('form-encoded body', 400, 'bad_request', rawCreate('folder_id=0&file_size=5000&file_name=f', { 'Content-Type': 'application/x-www-form-urlencoded' })),
  hostile('application/jsonx body', 400, 'bad_request', rawCreate('{"folder_id":"0"}', { 'Content-Type': 'application/jsonx' })),
  hostile('no body at all', 400, 'bad_request', () => ({ method: 'POST', path: CREATE })),
  hostile('body without a Content-Type', 400, 'bad_request', rawCreate(new Uint8Array(Buffer.from('{"folder_id":"0"}')), {})),
];

const WRONG_TYPES: HostileCase[] = [
  hostile('empty object', 400, 'missing_destination', rawCreate('{}')),
  hostile('folder_id null', 400, 'missing_destination', create({ folder_id: null })),
  hostile('folder_id true', 400, 'invalid_folder_id', create({ folder_id: true })),
  hostile('folder_id object', 400, 'invalid_folder_id', create({ folder_id: {} })),
  hostile('folder_id array', 400, 'invalid_folder_id', create({ folder_id: ['0'] })),
  hostile('folder_id -1', 400, 'invalid_folder_id', create({ folder_id: -1 })),
  hostile('folder_id 1.5', 400, 'invalid_folder_id', create({ folder_id: 1.5 })),
  hostile('folder_id 1e21', 400, 'invalid_folder_id', create({ folder_id: 1e21 })),
  hostile('folder_id "0x10"', 400, 'invalid_folder_id', create({ folder_id: '0x10' })),
  hostile('folder_id "../0"', 400, 'invalid_folder_id', create({ folder_id: '../0' })),
  hostile('folder_id SQL', 400, 'invalid_folder_id', create({ folder_id: "0' OR '1'='1" })),
  hostile('folder_id " 0"', 400, 'invalid_folder_id', create({ folder_id: ' 0' })),
  hostile('folder_id with NUL', 400, 'invalid_folder_id', create({ folder_id: '0\u0000' })),
  hostile('folder_id 19 digits', 400, 'invalid_folder_id', create({ folder_id: '9'.repeat(19) })),
  hostile('folder_id unknown', 404, 'not_found', create({ folder_id: '987654321987' })),
  hostile('folder_id of a file', 404, 'not_found', (f) => create({ folder_id: f.fileId })(f)),
  hostile('file_name missing', 400, 'missing_file_name', create({ file_name: undefined })),
  hostile('file_name null', 400, 'missing_file_name', create({ file_name: null })),
  hostile('file_name number', 400, 'item_name_invalid', create({ file_name: 5 })),
  hostile('file_name array', 400, 'item_name_invalid', create({ file_name: ['a'] })),
  hostile('file_name object', 400, 'item_name_invalid', create({ file_name: { toString: 'a' } })),
  hostile('file_name true', 400, 'item_name_invalid', create({ file_name: true })),
  hostile('file_size missing', 400, 'missing_file_size', create({ file_size: undefined })),
  hostile('file_size null', 400, 'missing_file_size', create({ file_size: null })),
];

const SIZES: HostileCase[] = [
  hostile('size as a string', 400, 'invalid_file_size', create({ file_size: '5000' })),
  hostile('size -1', 400, 'invalid_file_size', create({ file_size: -1 })),
  hostile('size -0', 400, 'file_size_too_small', rawCreate('{"folder_id":"0","file_size":-0,"file_name":"z"}')),
  hostile('size 1.5', 400, 'invalid_file_size', create({ file_size: 1.5 })),
  hostile('size 5000.0001', 400, 'invalid_file_size', create({ file_size: 5000.0001 })),
  hostile('size 1e400 (Infinity)', 400, 'invalid_file_size', rawCreate('{"folder_id":"0","file_size":1e400,"file_name":"z"}')),
  hostile('size 1e20', 400, 'invalid_file_size', rawCreate('{"folder_id":"0","file_size":1e20,"file_name":"z"}')),
  hostile('size 2^53', 400, 'invalid_file_size', rawCreate('{"folder_id":"0","file_size":9007199254740992,"file_name":"z"}')),
  hostile('size 2^64 literal', 400, 'invalid_file_size', rawCreate('{"folder_id":"0","file_size":18446744073709551616,"file_name":"z"}')),
  hostile('size -2^63-1 literal', 400, 'invalid_file_size', rawCreate('{"folder_id":"0","file_size":-9223372036854775809,"file_name":"z"}')),
  hostile('size 30-digit literal', 400, 'invalid_file_size', rawCreate(`{"folder_id":"0","file_size":${'9'.repeat(30)},"file_name":"z"}`)),
  hostile('size MAX_SAFE_INTEGER', 403, 'file_size_limit_exceeded', create({ file_size: Number.MAX_SAFE_INTEGER })),
  hostile('size max + 1', 403, 'file_size_limit_exceeded', create({ file_size: 150_000_000_001 })),
  hostile('size hex string', 400, 'invalid_file_size', create({ file_size: '0x1388' })),
  hostile('size "abc"', 400, 'invalid_file_size', create({ file_size: 'abc' })),
  hostile('size ""', 400, 'invalid_file_size', create({ file_size: '' })),
  hostile('size true', 400, 'invalid_file_size', create({ file_size: true })),
  hostile('size []', 400, 'invalid_file_size', create({ file_size: [] })),
  hostile('size {}', 400, 'invalid_file_size', create({ file_size: {} })),
  hostile('size below the chunked minimum', 400, 'file_size_too_small', create({ file_size: 999 })),
  hostile('size 0', 400, 'file_size_too_small', create({ file_size: 0 })),
  hostile('version session size -5', 400, 'invalid_file_size', (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, json: { file_size: -5 } })),
  hostile('version session size "1e3"', 400, 'invalid_file_size', (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, json: { file_size: '1e3' } })),
];

/** Names that must be refused wherever a name is given; each is tried on session creation and on folder creation. */
const BAD_NAMES: Array<[string, string, string]> = [
  ['empty', '', 'item_name_invalid'],
  ['NUL', 'a\u0000b', 'item_name_invalid'],
  ['SOH', 'a\u0001', 'item_name_invalid'],
  ['newline', 'line\nbreak', 'item_name_invalid'],
  ['tab', 'tab\there', 'item_name_invalid'],
  ['carriage return', 'cr\rx', 'item_name_invalid'],
  ['DEL', 'del\u007f', 'item_name_invalid'],
  ['C1 NEL', 'nel\u0085', 'item_name_invalid'],
  ['line separator', 'ls\u2028x', 'item_name_invalid'],
  ['slash', 'a/b', 'item_name_invalid'],
  ['backslash', 'a\\b', 'item_name_invalid'],
  ['dot', '.', 'item_name_invalid'],
  ['dot dot', '..', 'item_name_invalid'],
  ['traversal', '../../etc/passwd', 'item_name_invalid'],
  ['windows traversal', '..\\..\\win.ini', 'item_name_invalid'],
  ['leading space', ' lead', 'item_name_invalid'],
  ['trailing space', 'trail ', 'item_name_invalid'],
  ['trailing no-break space', 'trail\u00a0', 'item_name_invalid'],
  ['spaces only', '   ', 'item_name_invalid'],
  ['zero-width space', 'zw\u200bsp', 'item_name_invalid'],
  ['byte order mark', 'a\ufeffb', 'item_name_invalid'],
  ['word joiner', 'w\u2060j', 'item_name_invalid'],
  ['right-to-left override', 'invoice\u202efdp.exe', 'item_name_invalid'],
  ['left-to-right embedding', 'a\u202ab', 'item_name_invalid'],
  ['first-strong isolate', 'a\u2068b\u2069', 'item_name_invalid'],
  ['lone high surrogate', 'a\ud800b', 'item_name_invalid'],
  ['lone low surrogate', 'a\udc00b', 'item_name_invalid'],
  ['reversed surrogate pair', '\udc00\ud800', 'item_name_invalid'],
  ['256 characters', 'n'.repeat(256), 'item_name_too_long'],
  ['256 emoji (one code point each)', '\u{1F600}'.repeat(256), 'item_name_too_long'],
  ['10,000 characters', 'n'.repeat(10_000), 'item_name_too_long'],
];

const NAMES: HostileCase[] = [
  ...BAD_NAMES.map(([label, name, code]) => hostile(`session name: ${label}`, 400, code, create({ file_name: name }))),
  ...BAD_NAMES.map(([label, name, code]) =>
    hostile(`folder name: ${label}`, 400, code, (f) => ({ method: 'POST', path: '/2.0/folders', json: { name, parent: { id: f.folderId } } })),
  ),
  hostile('session name: an existing name', 409, 'item_name_in_use', create({ file_name: 'keep.txt' })),
  hostile('session name: an existing name in other case', 409, 'item_name_in_use', create({ file_name: 'KEEP.TXT' })),
  hostile('session name: NFD form of an existing NFC name', 409, 'item_name_in_use', create({ file_name: 'Cafe\u0301.txt' })),
  hostile('session name: NFD form, upper case', 409, 'item_name_in_use', create({ file_name: 'CAFE\u0301.TXT' })),
  hostile('folder name: NFD form of an existing NFC name', 409, 'item_name_in_use', (f) => ({ method: 'POST', path: '/2.0/folders', json: { name: 'Cafe\u0301.txt', parent: { id: f.folderId } } })),
  hostile('version session renamed to "a/b"', 400, 'item_name_invalid', (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, json: { file_size: 5000, file_name: 'a/b' } })),
  hostile('version session renamed onto a sibling', 409, 'item_name_in_use', (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, json: { file_size: 5000, file_name: 'CAF\u00c9.TXT' } })),
];

const FOLDER_BODIES: HostileCase[] = [
  hostile('folder: name missing', 400, 'bad_request', (f) => ({ method: 'POST', path: '/2.0/folders', json: { parent: { id: f.folderId } } })),
  hostile('folder: name a number', 400, 'item_name_invalid', (f) => ({ method: 'POST', path: '/2.0/folders', json: { name: 123, parent: { id: f.folderId } } })),
  hostile('folder: parent missing', 400, 'bad_request', () => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p' } })),
  hostile('folder: parent a string', 400, 'bad_request', () => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p', parent: '0' } })),
  hostile('folder: parent id traversal', 404, 'not_found', () => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p', parent: { id: '../..' } } })),
  hostile('folder: parent id object', 400, 'bad_request', () => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p', parent: { id: {} } } })),
  hostile('folder: parent id SQL', 404, 'not_found', () => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p', parent: { id: '0; DROP TABLE items' } } })),
  hostile('folder: parent is a file', 404, 'not_found', (f) => ({ method: 'POST', path: '/2.0/folders', json: { name: 'p', parent: { id: f.fileId } } })),
  hostile('folder: body an array', 400, 'bad_request', () => ({ method: 'POST', path: '/2.0/folders', json: [{ name: 'p' }] })),
];

const upload = (fields: Parameters<typeof multipart>[0], path = '/api/2.0/files/content', headers: Record<string, string> = {}) => (): HostileRequest => {
  const { body, contentType } = multipart(fields);
  return { method: 'POST', path, body, headers: { 'Content-Type': contentType, ...headers } };
};
const file = { name: 'file', filename: 'f.bin', contentType: 'application/octet-stream', data: 'payload' };

const SIMPLE_UPLOADS: HostileCase[] = [
  hostile('simple upload: attributes not JSON', 400, 'bad_request', upload([{ name: 'attributes', data: '{nope' }, file])),
  hostile('simple upload: attributes nested 40 levels', 400, 'bad_request', (f) => upload([{ name: 'attributes', data: `{"name":"n","parent":{"id":"${f.folderId}"},"x":${nested(40)}}` }, file])()),
  hostile('simple upload: name with NUL', 400, 'item_name_invalid', (f) => upload([{ name: 'attributes', data: JSON.stringify({ name: 'a\u0000', parent: { id: f.folderId } }) }, file])()),
  hostile('simple upload: name ".."', 400, 'item_name_invalid', (f) => upload([{ name: 'attributes', data: JSON.stringify({ name: '..', parent: { id: f.folderId } }) }, file])()),
  hostile('simple upload: parent traversal', 404, 'not_found', upload([{ name: 'attributes', data: JSON.stringify({ name: 'n', parent: { id: '../../etc' } }) }, file])),
  hostile('simple upload: file before attributes', 400, 'metadata_after_file_contents', (f) => upload([file, { name: 'attributes', data: JSON.stringify({ name: 'n', parent: { id: f.folderId } }) }])()),
  hostile('simple upload: no file part', 400, 'bad_request', (f) => upload([{ name: 'attributes', data: JSON.stringify({ name: 'n', parent: { id: f.folderId } }) }])()),
  hostile('simple upload: not multipart', 400, 'bad_request', () => ({ method: 'POST', path: '/api/2.0/files/content', json: { name: 'n' } })),
  hostile('simple upload: multipart without a boundary', 400, 'bad_request', () => ({ method: 'POST', path: '/api/2.0/files/content', body: 'x', headers: { 'Content-Type': 'multipart/form-data' } })),
  hostile('simple upload: body cut before the closing boundary', 400, 'bad_request', (f) => {
    const request = upload([{ name: 'attributes', data: JSON.stringify({ name: 'cut.bin', parent: { id: f.folderId } }) }, file])();
    return { ...request, body: (request.body as Buffer).subarray(0, (request.body as Buffer).length - 40) };
  }),
  hostile('simple upload: part header without a blank line', 400, 'bad_request', () => ({
    method: 'POST',
    path: '/api/2.0/files/content',
    body: '--b\r\nContent-Disposition: form-data; name="attributes"\r\n{"name":"h"}\r\n--b--\r\n',
    headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
  })),
  hostile('simple upload: content-md5 not a SHA-1', 400, 'bad_request', (f) => upload([{ name: 'attributes', data: JSON.stringify({ name: 'md5.bin', parent: { id: f.folderId } }) }, file], undefined, { 'Content-MD5': "'; DROP TABLE versions; --" })()),
  hostile('simple upload: content-md5 of other bytes', 400, 'bad_digest', (f) => upload([{ name: 'attributes', data: JSON.stringify({ name: 'md5.bin', parent: { id: f.folderId } }) }, file], undefined, { 'Content-MD5': '0'.repeat(40) })()),
  hostile('new version: unknown file', 404, 'not_found', upload([{ name: 'attributes', data: '{}' }, file], '/api/2.0/files/987654321/content')),
  hostile('new version: If-Match of another etag', 412, 'precondition_failed', (f) => upload([{ name: 'attributes', data: '{}' }, file], `/api/2.0/files/${f.fileId}/content`, { 'If-Match': '999' })()),
];

const PREFLIGHTS: HostileCase[] = [
  hostile('preflight: size -1', 400, 'bad_request', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p', parent: { id: f.folderId }, size: -1 } })),
  hostile('preflight: size "10"', 400, 'bad_request', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p', parent: { id: f.folderId }, size: '10' } })),
  hostile('preflight: size 0.5', 400, 'bad_request', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p', parent: { id: f.folderId }, size: 0.5 } })),
  hostile('preflight: size over the maximum', 403, 'file_size_limit_exceeded', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p', parent: { id: f.folderId }, size: 2 ** 52 } })),
  hostile('preflight: name with RTL override', 400, 'item_name_invalid', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'x\u202egpj.exe', parent: { id: f.folderId } } })),
  hostile('preflight: parent traversal', 404, 'not_found', () => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p', parent: { id: '..' } } })),
  hostile('preflight: body an array', 400, 'bad_request', () => ({ method: 'OPTIONS', path: '/2.0/files/content', json: [] })),
  hostile('preflight: version of a folder id', 404, 'not_found', (f) => ({ method: 'OPTIONS', path: `/2.0/files/${f.folderId}/content`, json: {} })),
];

const bearer = (value: string) => (f: Fixture): HostileRequest => ({ method: 'GET', path: `/2.0/folders/${f.folderId}`, token: null, headers: { Authorization: value } });
const CREDENTIALS: HostileCase[] = [
  hostile('no credentials', 401, 'unauthorized', (f) => ({ method: 'GET', path: `/2.0/folders/${f.folderId}`, token: null })),
  hostile('empty bearer', 401, 'unauthorized', bearer('Bearer ')),
  hostile('bearer of 600 characters', 401, 'unauthorized', bearer(`Bearer ${'t'.repeat(600)}`)),
  hostile('basic credentials', 401, 'unauthorized', bearer('Basic dXNlcjpwYXNz')),
  hostile('two words after Bearer', 401, 'unauthorized', (f) => bearer(`Bearer ${f.token} extra`)(f)),
  hostile('token with a character appended', 401, 'unauthorized', (f) => bearer(`Bearer ${f.token}x`)(f)),
  hostile('token with its last character changed', 401, 'unauthorized', (f) => bearer(`Bearer ${f.token.slice(0, -1)}${f.token.endsWith('A') ? 'B' : 'A'}`)(f)),
  hostile('token truncated', 401, 'unauthorized', (f) => bearer(`Bearer ${f.token.slice(0, -4)}`)(f)),
  hostile('SQL as a token', 401, 'unauthorized', bearer("Bearer ' OR '1'='1")),
  hostile('traversal as a token', 401, 'unauthorized', bearer('Bearer ../../../../etc/passwd')),
  hostile('UTF-8 bytes as a token', 401, 'unauthorized', bearer(`Bearer ${Buffer.from('t\u00f6k\u202een', 'utf8').toString('latin1')}`)),
  hostile('access_token given twice', 401, 'unauthorized', (f) => ({ method: 'GET', path: `/2.0/folders/${f.folderId}?access_token=${f.token}&access_token=${f.token}`, token: null })),
  hostile('access_token empty', 401, 'unauthorized', (f) => ({ method: 'GET', path: `/2.0/folders/${f.folderId}?access_token=`, token: null })),
];

const ROUTES: HostileCase[] = [
  hostile('PATCH on a session', 405, 'method_not_allowed', (f) => ({ method: 'PATCH', path: `${CREATE}/${f.sessionId}`, json: {} })),
  hostile('PATCH on a folder', 405, 'method_not_allowed', (f) => ({ method: 'PATCH', path: `/2.0/folders/${f.folderId}`, json: {} })),
  hostile('PATCH on a file', 405, 'method_not_allowed', (f) => ({ method: 'PATCH', path: `/2.0/files/${f.fileId}`, json: {} })),
  // DELETE and PUT exist on items now (issue 12): what stays refused is a non-empty folder without recursive, and a body that is not JSON.
  hostile('DELETE on a non-empty folder without recursive', 400, 'folder_not_empty', (f) => ({ method: 'DELETE', path: `/2.0/folders/${f.folderId}` })),
  hostile('PUT on a file with a body that is not JSON', 400, 'bad_request', (f) => ({ method: 'PUT', path: `/2.0/files/${f.fileId}`, body: 'x' })),
  // GET /files/{id} with id "upload_sessions": no such file.
  hostile('GET on the session collection', 405, 'method_not_allowed', () => ({ method: 'GET', path: CREATE })),
  hostile('unknown API version', 404, 'not_found', () => ({ method: 'GET', path: '/3.0/folders/0' })),
  hostile('no prefix', 404, 'not_found', () => ({ method: 'GET', path: '/folders/0' })),
  hostile('log event with invalid JSON', 400, 'bad_request', (f) => ({ method: 'POST', path: `${CREATE}/${f.sessionId}/log`, body: '{"event_type":', headers: JSON_TYPE })),
  hostile('path segment of 300 characters', 404, 'not_found', () => ({ method: 'GET', path: `/2.0/files/${'1'.repeat(300)}` })),
  hostile('malformed percent-encoding', 400, 'bad_request', () => ({ method: 'GET', path: '/2.0/files/%zz' })),
];

const GROUPS: Array<[string, HostileCase[]]> = [
  ['invalid and oversized JSON', INVALID_JSON],
  ['wrong types in session creation', WRONG_TYPES],
  ['hostile sizes', SIZES],
  ['hostile names', NAMES],
  ['hostile folder bodies', FOLDER_BODIES],
  ['hostile simple uploads', SIMPLE_UPLOADS],
  ['hostile preflights', PREFLIGHTS],
  ['bad credentials', CREDENTIALS],
  ['wrong methods and paths', ROUTES],
];

export const REQUEST_CASE_COUNT = GROUPS.reduce((n, [, cases]) => n + cases.length, 0);

describe(`hostile requests (${REQUEST_CASE_COUNT} cases)`, () => {
  let server: TestServer;
  let f: Fixture;
  let before_: unknown;

  before(async () => {
    server = await startHostileServer();
    f = await createFixture(server);
    before_ = await snapshot(f);
  });
  after(async () => {
    await server?.dispose();
  });

  for (const [title, cases] of GROUPS) {
    describe(title, () => {
      for (const c of cases) test(c.name, () => runCase(f, c));
      test('afterwards the server answers and nothing stored has changed', async () => {
        await assertAlive(server, f.api);
        assert.deepEqual(await snapshot(f), before_);
      });
    });
  }
});
