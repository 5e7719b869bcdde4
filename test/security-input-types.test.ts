/**
 * Input the spec says to refuse: every field of every JSON body has its JSON type, and a value of another type is a
 * 400 naming the field, never coerced (`parent: {id: ["0"]}` is not folder "0"); bodies whose bytes are not valid
 * UTF-8 are a 400, never decoded into U+FFFD (JSON bodies and the multipart `attributes` part alike). After every
 * group nothing stored has changed. What is accepted: ids as strings or as JSON integers; multi-byte UTF-8 names,
 * stored byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from './helpers/server.js';
import { Api, assertStatus, multipart, randomBytesSeeded, shaDigest } from './helpers/http.js';
import { assertAlive, assertBoxError, createFixture, snapshot, startHostileServer, FILE_SIZE, PART, type Fixture } from './helpers/hostile.js';

const SESSIONS = '/api/2.0/files/upload_sessions';
const JSON_TYPE = { 'Content-Type': 'application/json' };

interface Request {
  method: string;
  path: string;
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

interface Case {
  name: string;
  status: number;
  code: string;
  /** The field the message must name. */
  field?: string;
  build: (f: Fixture, complete: CompleteSession) => Request;
}

/** A session whose three parts are all stored: a commit of it would succeed if its body passed. */
interface CompleteSession {
  id: string;
  parts: any[];
  data: Buffer;
}

const refuse = (name: string, status: number, code: string, field: string | undefined, build: Case['build']): Case => ({ name, status, code, field, build });
const folder = (json: unknown): Case['build'] => () => ({ method: 'POST', path: '/2.0/folders', json });
const upload = (attributes: string | Uint8Array, contentType?: string, path = '/api/2.0/files/content'): Request => {
  const { body, contentType: type } = multipart([
    { name: 'attributes', data: attributes, ...(contentType ? { contentType } : {}) },
    { name: 'file', filename: 'f.bin', contentType: 'application/octet-stream', data: 'payload' },
  ]);
  return { method: 'POST', path, body, headers: { 'Content-Type': type } };
};
const commit = (body: unknown): Case['build'] => (_f, complete) => ({
  method: 'POST',
  path: `${SESSIONS}/${complete.id}/commit`,
  headers: { ...JSON_TYPE, Digest: shaDigest(complete.data) },
  body: JSON.stringify(typeof body === 'function' ? body(complete.parts) : body),
});
/** JSON text with raw bytes spliced in where `@` stands. */
const bytes = (text: string, ...raw: number[][]): Buffer => {
  const pieces = text.split('@');
  return Buffer.concat(pieces.flatMap((piece, i) => [Buffer.from(piece), ...(i < raw.length ? [Buffer.from(raw[i]!)] : [])]));
};

const WRONG_TYPES: Case[] = [
  // Each of these was accepted as a coerced value before.
  refuse('update file: parent.id ["0"]', 400, 'bad_request', 'parent.id', (f) => ({ method: 'PUT', path: `/2.0/files/${f.fileId}`, json: { parent: { id: ['0'] } } })),
  refuse('update folder: description 5', 400, 'bad_request', 'description', (f) => ({ method: 'PUT', path: `/2.0/folders/${f.folderId}`, json: { description: 5 } })),
  refuse('update file: content_modified_at 5', 400, 'bad_request', 'content_modified_at', (f) => ({ method: 'PUT', path: `/2.0/files/${f.fileId}`, json: { content_modified_at: 5 } })),
  refuse('copy file: parent.id true', 400, 'bad_request', 'parent.id', (f) => ({ method: 'POST', path: `/2.0/files/${f.fileId}/copy`, json: { parent: { id: true } } })),
  refuse('copy folder: parent.id {}', 400, 'bad_request', 'parent.id', (f) => ({ method: 'POST', path: `/2.0/folders/${f.folderId}/copy`, json: { parent: { id: {} } } })),
  refuse('restore: parent.id []', 400, 'bad_request', 'parent.id', (f) => ({ method: 'POST', path: `/2.0/files/${f.fileId}`, json: { parent: { id: [] } } })),
  refuse('promote version: id [id]', 400, 'bad_request', 'id', (f) => ({ method: 'POST', path: `/2.0/files/${f.fileId}/versions/current`, json: { type: 'file_version', id: [f.fileVersionId] } })),
  refuse('folder: parent.id ["0"]', 400, 'bad_request', 'parent.id', folder({ name: 'coerced', parent: { id: ['0'] } })),
  refuse('folder: parent.id true', 400, 'bad_request', 'parent.id', folder({ name: 'coerced', parent: { id: true } })),
  refuse('folder: parent.id {}', 400, 'bad_request', 'parent.id', folder({ name: 'coerced', parent: { id: {} } })),
  refuse('folder: parent.id 1.5', 400, 'bad_request', 'parent.id', folder({ name: 'coerced', parent: { id: 1.5 } })),
  refuse('folder: parent.id -1', 400, 'bad_request', 'parent.id', folder({ name: 'coerced', parent: { id: -1 } })),
  refuse('folder: parent [] ', 400, 'bad_request', 'parent', folder({ name: 'coerced', parent: [] })),
  refuse('simple upload: parent.id [folder]', 400, 'bad_request', 'attributes.parent.id', (f) => upload(JSON.stringify({ name: 'coerced.txt', parent: { id: [f.folderId] } }))),
  refuse('simple upload: description 5', 400, 'bad_request', 'attributes.description', (f) => upload(JSON.stringify({ name: 'd.txt', parent: { id: f.folderId }, description: 5 }))),
  refuse('simple upload: description {}', 400, 'bad_request', 'attributes.description', (f) => upload(JSON.stringify({ name: 'd.txt', parent: { id: f.folderId }, description: {} }))),
  refuse('simple upload: attributes an array', 400, 'bad_request', 'attributes', () => upload('[]')),
  refuse('new version: attributes.content_modified_at 5', 400, 'bad_request', 'attributes.content_modified_at', (f) => upload('{"content_modified_at":5}', undefined, `/api/2.0/files/${f.fileId}/content`)),
  refuse('preflight: parent.id [folder]', 400, 'bad_request', 'parent.id', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p.txt', parent: { id: [f.folderId] } } })),
  refuse('preflight: size [5]', 400, 'bad_request', 'size', (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', json: { name: 'p.txt', parent: { id: f.folderId }, size: [5] } })),
  refuse('version preflight: name 5', 400, 'item_name_invalid', 'name', (f) => ({ method: 'OPTIONS', path: `/2.0/files/${f.fileId}/content`, json: { name: 5 } })),
  refuse('version session: folder_id []', 400, 'invalid_folder_id', 'folder_id', (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, json: { file_size: 5000, folder_id: [] } })),
  refuse('session: folder_id [id]', 400, 'invalid_folder_id', 'folder_id', (f) => ({ method: 'POST', path: SESSIONS, json: { folder_id: [f.folderId], file_size: 5000, file_name: 's.bin' } })),
  refuse('session: file_size "5000"', 400, 'invalid_file_size', 'file_size', (f) => ({ method: 'POST', path: SESSIONS, json: { folder_id: f.folderId, file_size: '5000', file_name: 's.bin' } })),
  refuse('log: event_type {}', 400, 'bad_request', 'event_type', (f) => ({ method: 'POST', path: `${SESSIONS}/${f.sessionId}/log`, json: { event_type: { x: 1 } } })),
  refuse('log: event_info 5', 400, 'bad_request', 'event_info', (f) => ({ method: 'POST', path: `${SESSIONS}/${f.sessionId}/log`, json: { event_type: 'x', event_info: 5 } })),
  refuse('log: body an array', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: `${SESSIONS}/${f.sessionId}/log`, json: ['x'] })),
  refuse('commit: sha1 [sha1] of the stored part', 400, 'bad_request', 'parts[0].sha1', commit((parts: any[]) => ({ parts: parts.map((p, i) => (i === 0 ? { ...p, sha1: [p.sha1] } : p)) }))),
  refuse('commit: part_id [part_id]', 400, 'bad_request', 'parts[1].part_id', commit((parts: any[]) => ({ parts: parts.map((p, i) => (i === 1 ? { ...p, part_id: [p.part_id] } : p)) }))),
  refuse('commit: offset "0"', 400, 'bad_request', 'parts[0].offset', commit((parts: any[]) => ({ parts: parts.map((p, i) => (i === 0 ? { ...p, offset: String(p.offset) } : p)) }))),
  refuse('commit: size 1024.5', 400, 'bad_request', 'parts[2].size', commit((parts: any[]) => ({ parts: parts.map((p, i) => (i === 2 ? { ...p, size: p.size + 0.5 } : p)) }))),
  refuse('commit: a part null', 400, 'bad_request', 'parts[0]', commit({ parts: [null] })),
  refuse('commit: a part without offset', 400, 'bad_request', 'parts[0].offset', commit({ parts: [{ part_id: 'ABCDEF12', size: 1 }] })),
  refuse('commit: attributes.description []', 400, 'bad_request', 'attributes.description', commit((parts: any[]) => ({ parts, attributes: { description: [] } }))),
  refuse('commit: attributes.content_created_at 0', 400, 'bad_request', 'attributes.content_created_at', commit((parts: any[]) => ({ parts, attributes: { content_created_at: 0 } }))),
];

const INVALID_UTF8: Case[] = [
  refuse('session: a stray 0xFF in file_name', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: SESSIONS, headers: JSON_TYPE, body: bytes(`{"folder_id":"${f.folderId}","file_size":5000,"file_name":"a@b.bin"}`, [0xff]) })),
  refuse('session: a truncated sequence in file_name', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: SESSIONS, headers: JSON_TYPE, body: bytes(`{"folder_id":"${f.folderId}","file_size":5000,"file_name":"euro@"}`, [0xe2, 0x82]) })),
  refuse('folder: an overlong "/" (C0 AF)', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: '/2.0/folders', headers: JSON_TYPE, body: bytes(`{"name":"a@b","parent":{"id":"${f.folderId}"}}`, [0xc0, 0xaf]) })),
  refuse('folder: a surrogate encoded in UTF-8 (ED A0 80)', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: '/2.0/folders', headers: JSON_TYPE, body: bytes(`{"name":"s@","parent":{"id":"${f.folderId}"}}`, [0xed, 0xa0, 0x80]) })),
  refuse('folder: Latin-1 "é" (E9)', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: '/2.0/folders', headers: JSON_TYPE, body: bytes(`{"name":"caf@","parent":{"id":"${f.folderId}"}}`, [0xe9]) })),
  refuse('version session: 0xFE in file_name', 400, 'bad_request', undefined, (f) => ({ method: 'POST', path: `/api/2.0/files/${f.fileId}/upload_sessions`, headers: JSON_TYPE, body: bytes('{"file_size":5000,"file_name":"v@"}', [0xfe]) })),
  refuse('preflight: 0xFF in name', 400, 'bad_request', undefined, (f) => ({ method: 'OPTIONS', path: '/2.0/files/content', headers: JSON_TYPE, body: bytes(`{"name":"p@","parent":{"id":"${f.folderId}"}}`, [0xff]) })),
  refuse('commit: 0xFF in attributes.name', 400, 'bad_request', undefined, (_f, c) => ({ method: 'POST', path: `${SESSIONS}/${c.id}/commit`, headers: { ...JSON_TYPE, Digest: shaDigest(c.data) }, body: bytes(`{"parts":${JSON.stringify(c.parts)},"attributes":{"name":"c@"}}`, [0xff]) })),
  refuse('simple upload: 0xFF in attributes.name', 400, 'bad_request', undefined, (f) => upload(bytes(`{"name":"u@.txt","parent":{"id":"${f.folderId}"}}`, [0xff]))),
  refuse('simple upload: attributes declared text/plain; charset=utf-8', 400, 'bad_request', undefined, (f) => upload(bytes(`{"name":"u@.txt","parent":{"id":"${f.folderId}"}}`, [0xc3, 0x28]), 'text/plain; charset=utf-8')),
  refuse('simple upload: attributes declared application/json', 400, 'bad_request', undefined, (f) => upload(bytes(`{"name":"u@.txt","parent":{"id":"${f.folderId}"}}`, [0xff]), 'application/json')),
  refuse('new version: 0xFF in attributes.name', 400, 'bad_request', undefined, (f) => upload(bytes('{"name":"n@.txt"}', [0xff]), undefined, `/api/2.0/files/${f.fileId}/content`)),
];

describe('wrongly typed and badly encoded bodies', () => {
  let server: TestServer;
  let f: Fixture;
  let complete: CompleteSession;
  let before_: unknown;

  before(async () => {
    server = await startHostileServer();
    f = await createFixture(server);
    const data = randomBytesSeeded(FILE_SIZE, 7);
    const created = await f.api.createSession({ folder_id: f.folderId, file_size: FILE_SIZE, file_name: 'complete.bin' });
    assertStatus(created, 201);
    for (let offset = 0; offset < FILE_SIZE; offset += PART) {
      assertStatus(await f.api.putPart(created.body.session_endpoints.upload_part, data, offset, Math.min(PART, FILE_SIZE - offset)), 200);
    }
    const listed = await f.api.get(created.body.session_endpoints.list_parts);
    complete = { id: created.body.id, parts: listed.body.entries, data };
    before_ = await snapshot(f);
  });
  after(async () => {
    await server?.dispose();
  });

  for (const [title, cases] of [['wrong JSON types', WRONG_TYPES], ['invalid UTF-8', INVALID_UTF8]] as const) {
    describe(title, () => {
      for (const c of cases) {
        test(c.name, async () => {
          const request = c.build(f, complete);
          const res = await f.api.request(request.method, request.path, { json: request.json, body: request.body, headers: request.headers, validate: false });
          assertBoxError(res, c.status, c.code, c.name);
          if (c.field !== undefined) {
            assert.ok(res.body.message.includes(c.field), `${c.name}: the message names ${c.field}: ${res.body.message}`);
            assert.equal(res.body.context_info?.errors?.[0]?.name, c.field, c.name);
          }
          if (title === 'invalid UTF-8') assert.match(res.body.message, /UTF-8/, c.name);
        });
      }
      test('afterwards the server answers, nothing stored has changed, and the complete session still commits', async () => {
        await assertAlive(server, f.api);
        assert.deepEqual(await snapshot(f), before_);
        const status = await f.api.get(`${SESSIONS}/${complete.id}`);
        assertStatus(status, 200);
      });
    });
  }

  test('the complete session commits with a well-typed body', async () => {
    const res = await f.api.post(`${SESSIONS}/${complete.id}/commit`, { parts: complete.parts }, { headers: { Digest: shaDigest(complete.data) } });
    assertStatus(res, 201);
  });
});

describe('what is accepted', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startHostileServer();
    api = new Api(server.origin, await server.token('bob'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('ids as JSON integers: a folder in 0, a folder in it, a session and a simple upload there', async () => {
    const top = await api.post('/2.0/folders', { name: 'numeric', parent: { id: 0 } });
    assertStatus(top, 201);
    const inner = await api.post('/2.0/folders', { name: 'inner', parent: { id: Number(top.body.id) } });
    assertStatus(inner, 201);
    assert.equal(inner.body.parent.id, top.body.id);
    const session = await api.createSession({ folder_id: Number(inner.body.id), file_size: 5000, file_name: 'n.bin' });
    assertStatus(session, 201);
    const simple = await api.simpleUpload({ name: 'n.txt', parent: { id: Number(inner.body.id) } }, 'numeric');
    assertStatus(simple, 201);
    assert.equal(simple.body.entries[0].parent.id, inner.body.id);
  });

  test('multi-byte UTF-8 names sent as raw bytes are stored byte for byte (JSON and multipart)', async () => {
    const name = 'Zürich – 名前 – \u{1F600} – \u2764\uFE0F – \u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const folderRes = await api.request('POST', '/2.0/folders', { headers: JSON_TYPE, body: Buffer.from(`{"name":"${name}","parent":{"id":"0"}}`, 'utf8') });
    assertStatus(folderRes, 201);
    assert.equal(folderRes.body.name, name);
    const { body, contentType } = multipart([
      { name: 'attributes', data: Buffer.from(`{"name":"${name}.txt","parent":{"id":"${folderRes.body.id}"}}`, 'utf8') },
      { name: 'file', filename: 'f.bin', contentType: 'application/octet-stream', data: 'payload' },
    ]);
    const simple = await api.request('POST', '/api/2.0/files/content', { body, headers: { 'Content-Type': contentType } });
    assertStatus(simple, 201);
    assert.equal(simple.body.entries[0].name, `${name}.txt`);
    const listing = await api.get(`/2.0/folders/${folderRes.body.id}/items`);
    assert.deepEqual(Buffer.from(listing.body.entries[0].name, 'utf8'), Buffer.from(`${name}.txt`, 'utf8'));
  });
});
