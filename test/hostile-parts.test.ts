/**
 * Hostile input, part 2: the upload protocol and identifiers. Broken Content-Range and Digest headers and lying
 * bodies on a session that holds two of its three parts; hostile commit bodies (including 10^5 levels of nesting and
 * 10,000 parts); ids that try path traversal, NUL, SQL and out-of-range numbers on every kind of path; hostile
 * paging parameters. Every case must get its Box error quickly, the server must keep answering, and the session,
 * its parts, the folder and the file must be exactly as before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestServer } from './helpers/server.js';
import { sha1Base64, shaDigest } from './helpers/http.js';
import {
  assertAlive,
  createFixture,
  FILE_SIZE,
  hostile,
  PART,
  runCase,
  snapshot,
  startHostileServer,
  type Fixture,
  type HostileCase,
  type HostileRequest,
} from './helpers/hostile.js';

const SESSIONS = '/api/2.0/files/upload_sessions';
const LAST = 2 * PART; // offset of the part the fixture has not uploaded
const LAST_SIZE = FILE_SIZE - LAST;

const lastPart = (f: Fixture) => f.data.subarray(LAST, FILE_SIZE);
/** A PUT of the missing last part with these headers (range, digest and body default to correct ones). */
const put = (over: { range?: string | null; digest?: string | null; body?: Uint8Array; headers?: Record<string, string> }) => (f: Fixture): HostileRequest => {
  const body = over.body ?? lastPart(f);
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ...over.headers };
  const range = over.range === undefined ? `bytes ${LAST}-${FILE_SIZE - 1}/${FILE_SIZE}` : over.range;
  const digest = over.digest === undefined ? shaDigest(body) : over.digest;
  if (range !== null) headers['Content-Range'] = range;
  if (digest !== null) headers['Digest'] = digest;
  return { method: 'PUT', path: `${SESSIONS}/${f.sessionId}`, body, headers };
};
const range = (value: string) => put({ range: value });
const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
const b64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');

const CONTENT_RANGES: HostileCase[] = [
  hostile('range: "bytes=" form', 416, 'invalid_range', range(`bytes=${LAST}-${FILE_SIZE - 1}/${FILE_SIZE}`)),
  hostile('range: unknown total', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE - 1}/*`)),
  hostile('range: unsatisfied form', 416, 'invalid_range', range(`bytes */${FILE_SIZE}`)),
  hostile('range: no total', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE - 1}`)),
  hostile('range: no unit', 416, 'invalid_range', range(`${LAST}-${FILE_SIZE - 1}/${FILE_SIZE}`)),
  hostile('range: negative first', 416, 'invalid_range', range(`bytes -${LAST}-${FILE_SIZE - 1}/${FILE_SIZE}`)),
  hostile('range: negative last', 416, 'invalid_range', range(`bytes ${LAST}--${FILE_SIZE - 1}/${FILE_SIZE}`)),
  hostile('range: hex positions', 416, 'invalid_range', range('bytes 0x800-0xBB7/3000')),
  hostile('range: exponent positions', 416, 'invalid_range', range('bytes 2.048e3-2999/3000')),
  hostile('range: fractional positions', 416, 'invalid_range', range('bytes 2048.0-2999.0/3000')),
  hostile('range: two ranges', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE - 1}/${FILE_SIZE}, bytes 0-1023/${FILE_SIZE}`)),
  hostile('range: last before first', 416, 'invalid_range', range(`bytes ${FILE_SIZE - 1}-${LAST}/${FILE_SIZE}`)),
  hostile('range: last at the total', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE}/${FILE_SIZE}`)),
  hostile('range: total not the file size', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE - 1}/${FILE_SIZE + 1}`)),
  hostile('range: not aligned to the part size', 416, 'invalid_range', (f) => put({ range: `bytes ${LAST - 1}-${FILE_SIZE - 2}/${FILE_SIZE}`, body: f.data.subarray(LAST - 1, FILE_SIZE - 1) })(f)),
  hostile('range: last part one byte short', 416, 'invalid_range', (f) => put({ range: `bytes ${LAST}-${FILE_SIZE - 2}/${FILE_SIZE}`, body: f.data.subarray(LAST, FILE_SIZE - 1) })(f)),
  hostile('range: past the end of the file', 416, 'invalid_range', (f) => put({ range: `bytes ${3 * PART}-${4 * PART - 1}/${FILE_SIZE}`, body: Buffer.alloc(PART) })(f)),
  hostile('range: 17-digit positions', 416, 'invalid_range', range('bytes 99999999999999999-99999999999999999/99999999999999999')),
  hostile('range: positions beyond 2^53', 416, 'invalid_range', range('bytes 9007199254740992-9007199254740993/9007199254740994')),
  hostile('range: full-width digits', 416, 'invalid_range', range(latin1('bytes \uff12\uff10\uff14\uff18-2999/3000'))),
  hostile('range: empty', 416, 'invalid_range', range('')),
  hostile('range: trailing garbage', 416, 'invalid_range', range(`bytes ${LAST}-${FILE_SIZE - 1}/${FILE_SIZE} ; DROP TABLE parts`)),
  hostile('range: 8 KiB of digits', 416, 'invalid_range', range(`bytes ${'9'.repeat(8192)}-1/3000`)),
  hostile('range: missing', 400, 'bad_request', put({ range: null })),
  hostile('range of a stored part, other bytes', 416, 'range_overlaps_existing_part', (f) => put({ range: `bytes 0-${PART - 1}/${FILE_SIZE}`, body: Buffer.alloc(PART, 0x41) })(f)),
  hostile('range of a stored part, other bytes, wrong digest', 416, 'range_overlaps_existing_part', (f) => put({ range: `bytes ${PART}-${2 * PART - 1}/${FILE_SIZE}`, body: Buffer.alloc(PART, 0x42), digest: `sha=${b64(20)}` })(f)),
];

const BODIES: HostileCase[] = [
  hostile('body shorter than the range', 400, 'request_size_mismatch', (f) => put({ body: lastPart(f).subarray(0, LAST_SIZE - 52) })(f)),
  hostile('body longer than the range', 400, 'request_size_mismatch', (f) => put({ body: Buffer.concat([lastPart(f), Buffer.alloc(48)]) })(f)),
  hostile('empty body', 400, 'request_size_mismatch', put({ body: new Uint8Array(0) })),
  hostile('body of a whole part size for the short last part', 400, 'request_size_mismatch', (f) => put({ body: Buffer.alloc(PART), digest: shaDigest(lastPart(f)) })(f)),
];

const DIGESTS: HostileCase[] = [
  hostile('digest: missing', 400, 'bad_request', put({ digest: null })),
  hostile('digest: empty sha', 400, 'bad_request', put({ digest: 'sha=' })),
  hostile('digest: not base64', 400, 'bad_request', put({ digest: `sha=${'!'.repeat(27)}=` })),
  hostile('digest: md5 only', 400, 'bad_request', put({ digest: `md5=${b64(16)}` })),
  hostile('digest: sha-256 only', 400, 'bad_request', (f) => put({ digest: `sha-256=${createHash('sha256').update(lastPart(f)).digest('base64')}` })(f)),
  hostile('digest: hex instead of base64', 400, 'bad_request', (f) => put({ digest: `sha=${createHash('sha1').update(lastPart(f)).digest('hex')}` })(f)),
  hostile('digest: 19 bytes', 400, 'bad_request', put({ digest: `sha=${b64(19)}` })),
  hostile('digest: 21 bytes', 400, 'bad_request', put({ digest: `sha=${b64(21)}` })),
  hostile('digest: padding stripped', 400, 'bad_request', (f) => put({ digest: `sha=${sha1Base64(lastPart(f)).replace(/=+$/, '')}` })(f)),
  hostile('digest: commas only', 400, 'bad_request', put({ digest: ',,,,' })),
  hostile('digest: 8 KiB of garbage entries', 400, 'bad_request', put({ digest: 'x=y,'.repeat(2048) })),
  hostile('digest: SHA-1 of other bytes', 400, 'digest_mismatch', put({ digest: `sha=${sha1Base64('other bytes')}` })),
  hostile('digest: SHA-1 of the part with one bit flipped', 400, 'digest_mismatch', (f) => {
    const flipped = Buffer.from(lastPart(f));
    flipped[100]! ^= 1;
    return put({ digest: shaDigest(flipped) })(f);
  }),
  hostile('digest: wrong sha listed before the right one', 400, 'digest_mismatch', (f) => put({ digest: `sha=${sha1Base64('x')}, ${shaDigest(lastPart(f))}` })(f)),
];

const commit = (body: unknown, digest: string | null = 'whole', raw?: string) => (f: Fixture): HostileRequest => {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (digest !== null) headers['Digest'] = digest === 'whole' ? shaDigest(f.data) : digest;
  return { method: 'POST', path: `${SESSIONS}/${f.sessionId}/commit`, headers, body: raw ?? JSON.stringify(body) };
};
const storedParts = async (f: Fixture) => (await f.api.get(f.session.session_endpoints.list_parts)).body.entries;
let stored: any[] = [];
const withStored = (build: (parts: any[]) => unknown) => (f: Fixture) => commit(build(stored))(f);
/** 10,000 listed parts: about 1.1 MB, over Fastify's default 1 MiB body limit, under the commit limit. */
const TEN_THOUSAND_PARTS = Array.from({ length: 10_000 }, (_, i) => ({ part_id: 'ABCDEF12', offset: 150_000_000_000 + i, size: 536_870_912, sha1: '0'.repeat(40) }));

const COMMITS: HostileCase[] = [
  hostile('commit: no Digest', 400, 'bad_request', commit({ parts: [] }, null)),
  hostile('commit: garbage Digest', 400, 'bad_request', commit({ parts: [] }, 'sha=????')),
  hostile('commit: body an array', 400, 'bad_request', commit([])),
  hostile('commit: body empty object', 400, 'bad_request', commit({})),
  hostile('commit: parts a string', 400, 'bad_request', commit({ parts: 'all' })),
  hostile('commit: parts [null]', 400, 'bad_request', commit({ parts: [null] })),
  hostile('commit: parts of numbers', 400, 'bad_request', commit({ parts: [1, 2, 3] })),
  hostile('commit: parts [{}]', 400, 'bad_request', commit({ parts: [{}] })),
  hostile('commit: offsets as strings', 400, 'bad_request', withStored((parts) => ({ parts: parts.map((p) => ({ ...p, offset: String(p.offset) })) }))),
  hostile('commit: offset 1e300', 400, 'bad_request', commit({ parts: [{ part_id: 'ABCDEF12', offset: 1e300, size: 1 }] })),
  hostile('commit: stored parts listed twice', 400, 'parts_mismatch', withStored((parts) => ({ parts: [...parts, ...parts] }))),
  hostile('commit: a part missing', 400, 'parts_mismatch', withStored((parts) => ({ parts }))),
  hostile('commit: a stored part with a forged sha1', 400, 'parts_mismatch', withStored((parts) => ({ parts: [{ ...parts[0], sha1: 'f'.repeat(40) }, parts[1]] }))),
  hostile('commit: part_id nested 20 levels', 400, 'bad_request', commit(undefined, 'whole', `{"parts":[{"part_id":${'['.repeat(20)}${']'.repeat(20)},"offset":0,"size":1024}]}`)),
  // More values than a commit of this session's 3 parts can hold: refused before it is parsed.
  hostile('commit: 10,000 parts (1.1 MB body)', 400, 'bad_request', commit({ parts: TEN_THOUSAND_PARTS })),
  // Few values in 200 KB: parsed on the parser worker, then checked like any body.
  hostile('commit: 200 KB of padding (parsed off the event loop)', 400, 'parts_mismatch', commit({ parts: [], pad: 'x'.repeat(200_000) })),
  hostile('commit: body over 4 MiB', 413, 'request_entity_too_large', commit({ parts: [], pad: 'x'.repeat(4 * 1024 * 1024) })),
  hostile('commit: nested 10^5 levels', 400, 'bad_request', commit(undefined, 'whole', `{"parts":[{"part_id":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`)),
  hostile('commit: attributes a string', 400, 'bad_request', commit({ parts: [], attributes: 'x' })),
  hostile('commit: description a number', 400, 'bad_request', commit({ parts: [], attributes: { description: 5 } })),
  hostile('commit: description of 257 characters', 400, 'bad_request', commit({ parts: [], attributes: { description: 'd'.repeat(257) } })),
  hostile('commit: content_created_at not a date', 400, 'bad_request', commit({ parts: [], attributes: { content_created_at: 'yesterday' } })),
  hostile('commit: content_modified_at out of range', 400, 'bad_request', commit({ parts: [], attributes: { content_modified_at: '2017-13-45T99:99:99Z' } })),
  hostile('commit: attributes.name with a slash', 400, 'item_name_invalid', commit({ parts: [], attributes: { name: '../x' } })),
  hostile('commit: attributes.name with NUL', 400, 'item_name_invalid', commit({ parts: [], attributes: { name: 'x\u0000' } })),
  hostile('commit: invalid JSON', 400, 'bad_request', commit(undefined, 'whole', '{"parts":[')),
];

/** Session ids no session has: malformed ones, and a well-formed one that does not exist. */
const BAD_SESSION_IDS: Array<[string, (f: Fixture) => string, number, string]> = [
  ['lower-case form of a real id', (f) => f.sessionId.toLowerCase(), 400, 'invalid_upload_session_id'],
  ['31 characters', () => '0123456789ABCDEF0123456789ABCDE', 400, 'invalid_upload_session_id'],
  ['encoded traversal', () => '..%2F..%2F..%2Fetc%2Fpasswd', 400, 'invalid_upload_session_id'],
  ['encoded NUL', () => `%00${'A'.repeat(31)}`, 400, 'invalid_upload_session_id'],
  ['SQL', () => "'%20OR%20'1'%3D'1", 400, 'invalid_upload_session_id'],
  ['unknown', () => 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', 404, 'not_found'],
];
const SESSION_ENDPOINTS: Array<[string, Omit<HostileRequest, 'path'>, string]> = [
  ['status', { method: 'GET' }, ''],
  ['list parts', { method: 'GET' }, '/parts'],
  ['upload part', { method: 'PUT', body: Buffer.alloc(10), headers: { 'Content-Range': 'bytes 0-9/3000', Digest: shaDigest(Buffer.alloc(10)) } }, ''],
  ['commit', { method: 'POST', json: { parts: [] }, headers: { Digest: shaDigest('x') } }, '/commit'],
  ['abort', { method: 'DELETE' }, ''],
  ['log event', { method: 'POST', json: { event_type: 'x' } }, '/log'],
];
const SESSION_IDS: HostileCase[] = BAD_SESSION_IDS.flatMap(([label, id, status, code]) =>
  SESSION_ENDPOINTS.map(([endpoint, request, suffix]) =>
    hostile(`session id (${label}) on ${endpoint}`, status, code, (f) => ({ ...request, path: `${SESSIONS}/${id(f)}${suffix}` })),
  ),
);

/** Item ids that are no file or folder of this user. */
const BAD_ITEM_IDS: Array<[string, string]> = [
  ['encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['negative', '-1'],
  ['hex', '0x10'],
  ['exponent', '1e3'],
  ['leading zero', '01'],
  ['encoded NUL', '1%00'],
  ['SQL', '1%3B%20DROP%20TABLE%20items'],
  ['19 digits', '9'.repeat(19)],
  ['18 digits', '9'.repeat(18)],
];
const ITEM_IDS: HostileCase[] = [
  ...BAD_ITEM_IDS.flatMap(([label, id]) => [
    hostile(`file id (${label}): get`, 404, 'not_found', () => ({ method: 'GET', path: `/2.0/files/${id}` })),
    hostile(`file id (${label}): download`, 404, 'not_found', () => ({ method: 'GET', path: `/2.0/files/${id}/content` })),
    hostile(`file id (${label}): version session`, 404, 'not_found', () => ({ method: 'POST', path: `/api/2.0/files/${id}/upload_sessions`, json: { file_size: 5000 } })),
    hostile(`folder id (${label}): get`, 404, 'not_found', () => ({ method: 'GET', path: `/2.0/folders/${id}` })),
    hostile(`folder id (${label}): items`, 404, 'not_found', () => ({ method: 'GET', path: `/2.0/folders/${id}/items` })),
  ]),
  hostile('file id of a folder', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/files/${f.folderId}` })),
  hostile('file id "0" (the root folder)', 404, 'not_found', () => ({ method: 'GET', path: '/2.0/files/0/content' })),
  hostile('folder id of a file', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/folders/${f.fileId}/items` })),
  hostile('version: letters', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content?version=abc` })),
  hostile('version: encoded NUL', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content?version=1%00` })),
  hostile('version: negative', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content?version=-1` })),
  hostile('version: empty', 404, 'not_found', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content?version=` })),
  hostile('version: given twice', 400, 'bad_request', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content?version=${f.fileVersionId}&version=1` })),
  hostile('download range: start past the end', 416, 'invalid_range', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content`, headers: { Range: 'bytes=99999-' } })),
  hostile('download range: end before start', 416, 'invalid_range', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content`, headers: { Range: 'bytes=5-1' } })),
  hostile('download range: empty suffix', 416, 'invalid_range', (f) => ({ method: 'GET', path: `/2.0/files/${f.fileId}/content`, headers: { Range: 'bytes=-0' } })),
];

const listParts = (query: string) => (f: Fixture): HostileRequest => ({ method: 'GET', path: `${SESSIONS}/${f.sessionId}/parts?${query}` });
const items = (query: string) => (f: Fixture): HostileRequest => ({ method: 'GET', path: `/2.0/folders/${f.folderId}/items?${query}` });
const QUERIES: HostileCase[] = [
  hostile('parts offset -1', 400, 'invalid_offset', listParts('offset=-1')),
  hostile('parts offset 1.5', 400, 'invalid_offset', listParts('offset=1.5')),
  hostile('parts offset 1e3', 400, 'invalid_offset', listParts('offset=1e3')),
  hostile('parts offset 0x10', 400, 'invalid_offset', listParts('offset=0x10')),
  hostile('parts offset letters', 400, 'invalid_offset', listParts('offset=abc')),
  hostile('parts offset above 10000', 400, 'invalid_offset', listParts('offset=10001')),
  hostile('parts offset of 10 digits', 400, 'invalid_offset', listParts('offset=9999999999')),
  hostile('parts offset in Arabic-Indic digits', 400, 'invalid_offset', listParts('offset=%D9%A3')),
  hostile('parts offset with NUL', 400, 'invalid_offset', listParts('offset=1%00')),
  hostile('parts offset given twice', 400, 'bad_request', listParts('offset=0&offset=1')),
  hostile('parts limit -1', 400, 'invalid_limit', listParts('limit=-1')),
  hostile('parts limit 1e3', 400, 'invalid_limit', listParts('limit=1e3')),
  hostile('parts limit letters', 400, 'invalid_limit', listParts('limit=all')),
  hostile('items offset -1', 400, 'invalid_offset', items('offset=-1')),
  hostile('items limit letters', 400, 'invalid_limit', items('limit=abc')),
  hostile('items direction given twice', 400, 'bad_request', items('direction=ASC&direction=DESC')),
  hostile('items sort given twice', 400, 'bad_request', items('sort=name&sort=size')),
];

const GROUPS: Array<[string, HostileCase[]]> = [
  ['Content-Range', CONTENT_RANGES],
  ['part bodies that do not match the range', BODIES],
  ['Digest', DIGESTS],
  ['commit bodies', COMMITS],
  ['session ids', SESSION_IDS],
  ['file, folder and version ids', ITEM_IDS],
  ['paging parameters', QUERIES],
];

export const PART_CASE_COUNT = GROUPS.reduce((n, [, cases]) => n + cases.length, 0);

describe(`hostile upload-protocol requests and ids (${PART_CASE_COUNT} cases)`, () => {
  let server: TestServer;
  let f: Fixture;
  let before_: unknown;

  before(async () => {
    server = await startHostileServer();
    f = await createFixture(server);
    stored = await storedParts(f);
    assert.equal(stored.length, 2);
    before_ = await snapshot(f);
  });
  after(async () => {
    await server?.dispose();
  });

  test('the 10,000-part commit body is over 1 MiB', () => {
    assert.ok(JSON.stringify({ parts: TEN_THOUSAND_PARTS }).length > 1024 * 1024);
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

  test('the missing part still uploads and the session commits', async () => {
    const res = await f.api.putPart(f.session.session_endpoints.upload_part, f.data, LAST, LAST_SIZE);
    assert.equal(res.status, 200, res.text);
    const parts = await storedParts(f);
    const done = await f.api.commit(f.session.session_endpoints.commit, parts, f.data);
    assert.equal(done.status, 201, done.text);
    assert.equal(done.body.entries[0].sha1, createHash('sha1').update(f.data).digest('hex'));
  });
});
