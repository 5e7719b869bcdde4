/**
 * Commit and abort over real HTTP (spec §4.6, §4.7, §7.7): the created file, idempotent replay, parts and digest
 * checks, attributes, racing commits, the session state machine, name conflicts and new versions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, shaDigest, sleep, uniqueName } from './helpers/http.js';

const SMALL = ['--min-chunked-size', '1000', '--part-size', '1024'];
const DIGITS = /^\d+$/;
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

describe('commit', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: SMALL });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  async function itemsNamed(folderId: string, name: string): Promise<any[]> {
    const res = await api.get(`/2.0/folders/${folderId}/items?limit=1000`);
    assertStatus(res, 200);
    return res.body.entries.filter((e: any) => e.name.toLowerCase() === name.toLowerCase());
  }

  test('commit → 201 Files with the new file; GET and download agree', async () => {
    const name = uniqueName('commit');
    const data = randomBytesSeeded(3000, 1);
    const { session, parts } = await api.uploadParts(name, data);
    const res = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(res, 201);
    assert.equal(res.schema, 'Files');
    assert.equal(res.body.total_count, 1);
    assert.equal(res.body.entries.length, 1);
    const file = res.body.entries[0];
    assert.equal(file.type, 'file');
    assert.match(file.id, DIGITS);
    assert.equal(file.name, name);
    assert.equal(file.size, 3000);
    assert.equal(file.sha1, sha1Hex(data));
    assert.equal(file.file_version.type, 'file_version');
    assert.match(file.file_version.id, DIGITS);
    assert.equal(file.file_version.sha1, sha1Hex(data));
    assert.equal(file.parent.id, '0');
    assert.equal(file.item_status, 'active');
    assert.deepEqual(file.path_collection.entries.map((e: any) => e.id), ['0']);
    assert.equal(typeof file.etag, 'string');
    assert.equal(typeof file.sequence_id, 'string');
    for (const field of ['created_at', 'modified_at', 'content_created_at', 'content_modified_at']) {
      assert.match(file[field], RFC3339_SECONDS, `${field} must be RFC 3339 with whole seconds: ${file[field]}`);
    }
    for (const field of ['created_by', 'modified_by', 'owned_by']) assert.equal(file[field]?.type, 'user', field);

    const got = await api.get(`/2.0/files/${file.id}`);
    assertStatus(got, 200);
    assert.equal(got.body.sha1, sha1Hex(data));
    assert.equal(got.body.size, 3000);
    const body = await api.download(file.id);
    assertStatus(body, 200);
    assert.equal(sha1Hex(body.raw), sha1Hex(data));
    assert.equal((await itemsNamed('0', name)).length, 1);
  });

  test('replaying a successful commit → 201 with the same file', async () => {
    const name = uniqueName('replay');
    const data = randomBytesSeeded(2500, 2);
    const { session, parts } = await api.uploadParts(name, data);
    const first = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(first, 201);
    const second = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(second, 201);
    assert.equal(second.body.entries[0].id, first.body.entries[0].id);
    assert.equal(second.body.entries[0].file_version.id, first.body.entries[0].file_version.id);
    assert.equal((await itemsNamed('0', name)).length, 1);
  });

  test('parts_mismatch: unknown part, missing part, wrong size, wrong sha1, duplicate; then a good commit works', async () => {
    const data = randomBytesSeeded(3000, 3);
    const { session, parts } = await api.uploadParts(uniqueName('mismatch'), data);
    const [p0, p1, p2] = parts as [any, any, any];
    const bad: Array<[string, any[]]> = [
      ['unknown part_id', [p0, p1, { ...p2, part_id: p2.part_id === 'DEADBEEF' ? 'FEEDFACE' : 'DEADBEEF' }]],
      ['missing part', [p0, p1]],
      ['wrong size', [p0, p1, { ...p2, size: p2.size - 1 }]],
      ['wrong offset', [p0, p1, { ...p2, offset: p2.offset + 1 }]],
      ['wrong sha1', [p0, p1, { ...p2, sha1: sha1Hex('nope') }]],
      ['duplicate part', [p0, p1, p1, p2]],
      ['no parts', []],
    ];
    for (const [label, list] of bad) {
      const res = await api.commit(session.session_endpoints.commit, list, data);
      assert.equal(res.status, 400, `${label}: expected 400 parts_mismatch, got ${res.status} ${res.text}`);
      assertError(res, 400, 'parts_mismatch');
    }
    const good = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(good, 201);
    assert.equal(good.body.entries[0].sha1, sha1Hex(data));
  });

  test('parts without sha1 (legacy Java) or with sha1 null, and an empty attributes object, are accepted', async () => {
    const data = randomBytesSeeded(3000, 4);
    const { session, parts } = await api.uploadParts(uniqueName('nosha'), data);
    const list = parts.map((p: any, i: number) => (i === 0 ? { ...p, sha1: null } : { part_id: p.part_id, offset: p.offset, size: p.size }));
    const res = await api.commit(session.session_endpoints.commit, list, data, { attributes: {} });
    assertStatus(res, 201);
    assert.equal(res.body.entries[0].sha1, sha1Hex(data));
  });

  test('wrong whole-file Digest → 400 digest_mismatch, nothing created; the right one then succeeds', async () => {
    const name = uniqueName('digest');
    const data = randomBytesSeeded(3000, 5);
    const { session, parts } = await api.uploadParts(name, data);
    const res = await api.commit(session.session_endpoints.commit, parts, { digest: shaDigest('something else') });
    assertError(res, 400, 'digest_mismatch');
    assert.equal((await itemsNamed('0', name)).length, 0);
    const upper = await api.commit(session.session_endpoints.commit, parts, { digest: shaDigest(data).replace('sha=', 'SHA=') });
    assertStatus(upper, 201);
  });

  test('missing or malformed Digest on commit → 400', async () => {
    const data = randomBytesSeeded(3000, 6);
    const { session, parts } = await api.uploadParts(uniqueName('nodigest'), data);
    assertError(await api.post(session.session_endpoints.commit, { parts }), 400);
    assertError(await api.commit(session.session_endpoints.commit, parts, { digest: 'sha=xyz' }), 400);
    assertError(await api.post(session.session_endpoints.commit, undefined, { body: '{not json', headers: { Digest: shaDigest(data), 'Content-Type': 'application/json' } }), 400);
    assertError(await api.commit(session.session_endpoints.commit, undefined as any, data), 400);
    assertStatus(await api.commit(session.session_endpoints.commit, parts, data), 201);
  });

  test('attributes content_modified_at, content_created_at and description are applied', async () => {
    const data = randomBytesSeeded(2000, 7);
    const { session, parts } = await api.uploadParts(uniqueName('attrs'), data);
    const attributes = { content_modified_at: '2020-01-02T03:04:05Z', content_created_at: '2019-05-06T07:08:09-07:00', description: 'from the commit' };
    // UI Elements also sends X-Box-Client-Event-Info, which must be ignored
    const res = await api.commit(session.session_endpoints.commit, parts, data, { attributes }, { 'X-Box-Client-Event-Info': '{"retries":0}' });
    assertStatus(res, 201);
    const file = res.body.entries[0];
    assert.equal(Date.parse(file.content_modified_at), Date.parse(attributes.content_modified_at), `content_modified_at ${file.content_modified_at}`);
    assert.equal(Date.parse(file.content_created_at), Date.parse(attributes.content_created_at), `content_created_at ${file.content_created_at}`);
    assert.equal(file.description, 'from the commit');
    const got = await api.get(`/2.0/files/${file.id}`);
    assert.equal(got.body.description, 'from the commit');
    assert.equal(Date.parse(got.body.content_modified_at), Date.parse(attributes.content_modified_at));
  });

  test('commit with a ?fields= query (Box Android) → 201', async () => {
    const data = randomBytesSeeded(2000, 18);
    const { session, parts } = await api.uploadParts(uniqueName('fields'), data);
    const res = await api.commit(`${session.session_endpoints.commit}?fields=name,sha1,size`, parts, data);
    assertStatus(res, 201);
    assert.match(res.body.entries[0].id, DIGITS);
    const got = await api.get(`/2.0/files/${res.body.entries[0].id}`);
    assert.equal(got.body.sha1, sha1Hex(data));
  });

  test('racing commits of one session → one file', async () => {
    const name = uniqueName('race');
    const data = randomBytesSeeded(3000, 8);
    const { session, parts } = await api.uploadParts(name, data);
    const results = await Promise.all([1, 2, 3].map(() => api.commit(session.session_endpoints.commit, parts, data)));
    const created = results.filter((r) => r.status === 201);
    assert.ok(created.length >= 1, `one commit must win: ${results.map((r) => `${r.status} ${r.text.slice(0, 100)}`).join(' | ')}`);
    for (const r of results) {
      if (r.status === 202) assert.ok(r.headers.get('retry-after'), '202 needs Retry-After');
      else if (r.status !== 201) assertError(r, 409);
    }
    assert.equal(new Set(created.map((r) => r.body.entries[0].id)).size, 1, 'every 201 must name the same file');
    const items = await itemsNamed('0', name);
    assert.equal(items.length, 1);
    assert.equal(items[0].sha1, sha1Hex(data));
    // a retry after the race gets the same file
    const replay = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(replay, 201);
    assert.equal(replay.body.entries[0].id, created[0]!.body.entries[0].id);
  });

  test('name taken meanwhile (by a folder, case-insensitive) → 409 item_name_in_use at commit', async () => {
    const name = uniqueName('Taken');
    const data = randomBytesSeeded(2000, 9);
    const { session, parts } = await api.uploadParts(name, data);
    const folder = await api.post('/2.0/folders', { name: name.toUpperCase(), parent: { id: '0' } });
    assertStatus(folder, 201);
    const res = await api.commit(session.session_endpoints.commit, parts, data);
    assertError(res, 409, 'item_name_in_use');
    assert.equal(res.body.context_info?.conflicts?.id, folder.body.id);
  });

  test('name taken meanwhile by a simple upload → 409 item_name_in_use with the file as conflicts', async () => {
    const name = uniqueName('taken2');
    const data = randomBytesSeeded(2000, 10);
    const { session, parts } = await api.uploadParts(name, data);
    const other = await api.simpleUpload({ name, parent: { id: '0' } }, 'other bytes');
    assertStatus(other, 201);
    const res = await api.commit(session.session_endpoints.commit, parts, data);
    assertError(res, 409, 'item_name_in_use');
    const conflicts = res.body.context_info?.conflicts;
    assert.ok(conflicts && !Array.isArray(conflicts), `conflicts must be one object: ${res.text}`);
    assert.equal(conflicts.id, other.body.entries[0].id);
    assert.equal(conflicts.sha1, sha1Hex('other bytes'));
  });

  test('new-version session: commit → 201 with the same file id, a new file_version and the new content', async () => {
    const name = uniqueName('version');
    const v1 = randomBytesSeeded(1500, 11);
    const { file } = await api.chunkedUpload(name, v1);
    const v2 = randomBytesSeeded(2600, 12);
    const created = await api.post(`/api/2.0/files/${file.id}/upload_sessions`, { file_size: v2.length });
    assertStatus(created, 201);
    const s = created.body;
    const parts = [];
    for (let offset = 0; offset < v2.length; offset += s.part_size) {
      const res = await api.putPart(s.session_endpoints.upload_part, v2, offset, Math.min(s.part_size, v2.length - offset));
      assertStatus(res, 200);
      parts.push(res.body.part);
    }
    assertError(await api.commit(s.session_endpoints.commit, parts, v2, {}, { 'If-Match': 'not-the-etag' }), 412, 'precondition_failed');
    const res = await api.commit(s.session_endpoints.commit, parts, v2, {}, { 'If-Match': file.etag });
    assertStatus(res, 201);
    const updated = res.body.entries[0];
    assert.equal(updated.id, file.id);
    assert.notEqual(updated.file_version.id, file.file_version.id);
    assert.equal(updated.sha1, sha1Hex(v2));
    assert.equal(updated.file_version.sha1, sha1Hex(v2));
    assert.equal(updated.size, v2.length);
    assert.equal(updated.name, name);
    assert.notEqual(updated.etag, file.etag, 'etag must change with a new version');
    const body = await api.download(file.id);
    assert.equal(sha1Hex(body.raw), sha1Hex(v2));
    assert.equal((await itemsNamed('0', name)).length, 1);
  });

  describe('abort', () => {
    test('abort → 204 empty; then GET/PUT/list/commit → 404; repeated abort → 204', async () => {
      const data = randomBytesSeeded(3000, 13);
      const { session, parts } = await api.uploadParts(uniqueName('abort'), data);
      const del = await api.delete(session.session_endpoints.abort);
      assertStatus(del, 204);
      assert.equal(del.raw.length, 0);
      assertError(await api.get(session.session_endpoints.status), 404);
      assertError(await api.putPart(session.session_endpoints.upload_part, data, 0, 1024), 404);
      assertError(await api.get(session.session_endpoints.list_parts), 404);
      assertError(await api.commit(session.session_endpoints.commit, parts, data), 404);
      assertStatus(await api.delete(session.session_endpoints.abort), 204);
      assertStatus(await api.delete(session.session_endpoints.abort), 204);
    });

    test('abort after commit → 2xx and the file is kept', async () => {
      const name = uniqueName('keep');
      const data = randomBytesSeeded(3000, 14);
      const { session, file } = await api.chunkedUpload(name, data);
      const del = await api.delete(session.session_endpoints.abort);
      assert.ok(del.status >= 200 && del.status < 300, `${del.request} → ${del.status} ${del.text}`);
      const got = await api.get(`/2.0/files/${file.id}`);
      assertStatus(got, 200);
      const body = await api.download(file.id);
      assert.equal(sha1Hex(body.raw), sha1Hex(data));
      assertStatus(await api.delete(session.session_endpoints.abort), [200, 204]);
    });

    test('abort of an unknown session id → 204 or 404', async () => {
      const res = await api.delete('/api/2.0/files/upload_sessions/00000000000000000000000000000001');
      assertStatus(res, [204, 404]);
    });
  });

  test('state machine §7.7 — committed: GET 200/404, PUT 4xx, list 200/404, commit 201 same file, DELETE 204', async () => {
    const data = randomBytesSeeded(3000, 15);
    const { session, parts, file } = await api.chunkedUpload(uniqueName('committed'), data);
    const get = await api.get(session.session_endpoints.status);
    if (get.status === 200) assert.equal(get.body.num_parts_processed, get.body.total_parts);
    else assertError(get, 404);
    const put = await api.putPart(session.session_endpoints.upload_part, data, 0, 1024);
    assert.ok(put.status >= 400 && put.status < 500, `PUT after commit must be 4xx: ${put.status} ${put.text}`);
    const list = await api.get(session.session_endpoints.list_parts);
    assertStatus(list, [200, 404]);
    if (list.status === 200) assert.equal(list.body.entries.length, 3);
    const replay = await api.commit(session.session_endpoints.commit, parts, data);
    assertStatus(replay, 201);
    assert.equal(replay.body.entries[0].id, file.id);
    assertStatus(await api.delete(session.session_endpoints.abort), 204);
  });
});

describe('commit after expiry (--session-ttl 3)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: [...SMALL, '--session-ttl', '3'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('state machine §7.7 — expired: every part uploaded in time, then GET/PUT/list/commit → 410 session_expired, DELETE 204; nothing created', async () => {
    const name = uniqueName('late');
    const data = randomBytesSeeded(3000, 16);
    const { session, parts } = await api.uploadParts(name, data);
    const expires = Date.parse(session.session_expires_at);
    await sleep(Math.max(0, expires - Date.now()) + 1_500);
    assertError(await api.get(session.session_endpoints.status), 410, 'session_expired');
    assertError(await api.putPart(session.session_endpoints.upload_part, data, 0, 1024), 410, 'session_expired');
    assertError(await api.get(session.session_endpoints.list_parts), 410, 'session_expired');
    assertError(await api.commit(session.session_endpoints.commit, parts, data), 410, 'session_expired');
    assertStatus(await api.delete(session.session_endpoints.abort), 204);
    const items = await api.get('/2.0/folders/0/items');
    assert.ok(!items.body.entries.some((e: any) => e.name === name), 'an expired session must not create a file');
  });

  test('a session committed before expiry keeps its file after expiry', async () => {
    const name = uniqueName('early');
    const data = randomBytesSeeded(2000, 17);
    const { session, file } = await api.chunkedUpload(name, data);
    await sleep(Math.max(0, Date.parse(session.session_expires_at) - Date.now()) + 1_200);
    const got = await api.get(`/2.0/files/${file.id}`);
    assertStatus(got, 200);
    assert.equal(got.body.sha1, sha1Hex(data));
  });
});
