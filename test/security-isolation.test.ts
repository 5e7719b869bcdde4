/**
 * Per-user isolation on every endpoint. Bob, holding a valid token of his own, tries each endpoint on Alice's
 * sessions (active and committed), parts, files, versions, content and folders. Every attempt answers 404 not_found,
 * exactly as for an id that does not exist, so nothing reveals that Alice's items exist (README: another user's
 * session answers as one that does not exist). No answer carries Alice's data, and her state is unchanged afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, uniqueName, type ApiResponse } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';

const PART = 1024;

describe('user isolation on every endpoint', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;
  let bobToken: string;
  /** Alice's items, and every string of hers that must not appear in an answer to Bob. */
  const a: Record<string, any> = {};
  let secrets: string[] = [];

  async function aliceState(): Promise<unknown> {
    const get = async (path: string) => {
      const res = await alice.get(path);
      assertStatus(res, 200);
      return res.body;
    };
    const active = await get(a.active.session_endpoints.status);
    return {
      active: [active.num_parts_processed, (await get(a.active.session_endpoints.list_parts)).entries],
      committed: (await get(a.committed.session_endpoints.list_parts)).entries,
      root: (await get('/2.0/folders/0/items')).entries,
      folder: (await get(`/2.0/folders/${a.folder.id}/items`)).entries,
      file: await get(`/2.0/files/${a.file.id}`),
      content: (await alice.download(a.file.id)).text,
      old: (await alice.get(`/2.0/files/${a.file.id}/content?version=${a.v1}`, { follow: true })).text,
    };
  }

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'warn'] });
    alice = new Api(server.origin, await server.token('alice'));
    bobToken = await server.token('bob');
    bob = alice.as(bobToken);

    const folder = await alice.post('/2.0/folders', { name: 'alice-private', parent: { id: '0' } });
    assertStatus(folder, 201);
    a.folder = folder.body;
    const v1 = await alice.simpleUpload({ name: 'alice-secret.txt', parent: { id: a.folder.id } }, 'alice version one');
    assertStatus(v1, 201);
    a.v1 = v1.body.entries[0].file_version.id;
    const v2 = await alice.simpleUpload({}, 'alice version two', { fileId: v1.body.entries[0].id });
    assertStatus(v2, 200);
    a.file = v2.body.entries[0];
    a.data = randomBytesSeeded(3 * PART, 9);
    const active = await alice.createSession({ folder_id: a.folder.id, file_size: a.data.length, file_name: 'alice-pending.bin' });
    assertStatus(active, 201);
    a.active = active.body;
    assertStatus(await alice.putPart(a.active.session_endpoints.upload_part, a.data, 0, PART), 200);
    const done = await alice.chunkedUpload(uniqueName('alice-done'), randomBytesSeeded(2 * PART, 10), a.folder.id);
    a.committed = done.session;
    a.committedFile = done.file;
    secrets = [a.folder.name, a.file.name, a.file.sha1, a.committedFile.name, a.committedFile.sha1, 'alice-pending.bin', 'alice version'];
    a.before = await aliceState();
  });
  after(async () => {
    await server?.dispose();
  });

  /** Bob's answer: the expected Box error, carrying none of Alice's data. */
  function refused(res: ApiResponse, status: number, code: string, what: string): void {
    assertBoxError(res, status, code, `Bob: ${what}`);
    for (const secret of secrets) assert.ok(!res.text.includes(secret), `Bob: ${what} → the answer mentions ${JSON.stringify(secret)}`);
  }

  const sessionCases: Array<[string, (s: any) => Promise<ApiResponse>]> = [
    ['status', (s) => bob.get(s.session_endpoints.status)],
    ['list parts', (s) => bob.get(s.session_endpoints.list_parts)],
    ['upload a part', (s) => bob.putPart(s.session_endpoints.upload_part, a.data, PART, PART)],
    ['upload an overlapping part', (s) => bob.putPart(s.session_endpoints.upload_part, a.data, 0, PART)],
    ['commit', (s) => bob.commit(s.session_endpoints.commit, [], a.data)],
    ['abort', (s) => bob.delete(s.session_endpoints.abort)],
    ['log an event', (s) => bob.post(s.session_endpoints.log_event, { event_type: 'x' })],
  ];
  for (const [what, attempt] of sessionCases) {
    test(`Alice's active session: ${what} → 404 not_found`, async () => refused(await attempt(a.active), 404, 'not_found', `active session ${what}`));
    test(`Alice's committed session: ${what} → 404 not_found`, async () => refused(await attempt(a.committed), 404, 'not_found', `committed session ${what}`));
  }

  const itemCases: Array<[string, () => Promise<ApiResponse>]> = [
    ['get the file', () => bob.get(`/2.0/files/${a.file.id}`)],
    ['get the committed file', () => bob.get(`/2.0/files/${a.committedFile.id}`)],
    ['download the file', () => bob.get(`/2.0/files/${a.file.id}/content`)],
    ['download a range', () => bob.get(`/2.0/files/${a.file.id}/content`, { headers: { Range: 'bytes=0-3' } })],
    ['download the old version', () => bob.get(`/2.0/files/${a.file.id}/content?version=${a.v1}`)],
    ['download with his token in the query', () => bob.as(null).get(`/2.0/files/${a.file.id}/content?access_token=${bobToken}`)],
    ['upload a new version', () => bob.simpleUpload({}, 'bob was here', { fileId: a.file.id })],
    ['preflight a new version', () => bob.options(`/2.0/files/${a.file.id}/content`, { name: 'x', size: 1 })],
    ['open a version session', () => bob.post(`/api/2.0/files/${a.file.id}/upload_sessions`, { file_size: 5000 })],
    ['get the folder', () => bob.get(`/2.0/folders/${a.folder.id}`)],
    ['list the folder', () => bob.get(`/2.0/folders/${a.folder.id}/items`)],
    ['create a folder inside', () => bob.post('/2.0/folders', { name: 'bob', parent: { id: a.folder.id } })],
    ['open a session inside', () => bob.createSession({ folder_id: a.folder.id, file_size: 5000, file_name: 'bob.bin' })],
    ['upload a file inside', () => bob.simpleUpload({ name: 'bob.txt', parent: { id: a.folder.id } }, 'bob')],
    ['preflight a file inside', () => bob.options('/2.0/files/content', { name: 'bob.txt', parent: { id: a.folder.id }, size: 3 })],
  ];
  for (const [what, attempt] of itemCases) {
    test(`Alice's items: ${what} → 404 not_found`, async () => refused(await attempt(), 404, 'not_found', what));
  }

  test("Alice's file: a new version with If-Match → 412, as for a file that does not exist", async () => {
    const upload = (id: string) => bob.simpleUpload({}, 'bob was here', { fileId: id, headers: { 'If-Match': a.file.etag } });
    refused(await upload(a.file.id), 412, 'precondition_failed', 'new version with If-Match');
    refused(await upload('987654321'), 412, 'precondition_failed', 'new version of nothing with If-Match');
  });

  test("ids that do not exist answer exactly like Alice's (no existence oracle)", async () => {
    const unknownSession = await bob.get(`${server.origin}/api/2.0/files/upload_sessions/${'F'.repeat(32)}`);
    const herSession = await bob.get(a.active.session_endpoints.status);
    assert.deepEqual([herSession.status, herSession.body.code, herSession.body.message], [unknownSession.status, unknownSession.body.code, unknownSession.body.message]);
    const unknown = await bob.get('/2.0/files/987654321');
    const hers = await bob.get(`/2.0/files/${a.file.id}`);
    assert.equal(hers.status, unknown.status);
    assert.equal(hers.body.code, unknown.body.code);
    assert.equal(hers.body.message, unknown.body.message);
    const unknownFolder = await bob.get('/2.0/folders/987654321/items');
    const herFolder = await bob.get(`/2.0/folders/${a.folder.id}/items`);
    assert.deepEqual([herFolder.status, herFolder.body.code, herFolder.body.message], [unknownFolder.status, unknownFolder.body.code, unknownFolder.body.message]);
  });

  test("Bob's root lists none of Alice's items, and her names are free for him", async () => {
    const root = await bob.get('/2.0/folders/0/items?limit=1000');
    assertStatus(root, 200);
    for (const secret of secrets) assert.ok(!root.text.includes(secret), `Bob's root mentions ${secret}`);
    const same = await bob.post('/2.0/folders', { name: a.folder.name, parent: { id: '0' } });
    assertStatus(same, 201);
    const file = await bob.simpleUpload({ name: a.file.name, parent: { id: same.body.id } }, 'bob');
    assertStatus(file, 201);
  });

  test("a token in the query cannot reach another user's session either", async () => {
    // Not even as a credential: outside downloads the query token is refused before any lookup.
    const res = await bob.as(null).get(`${a.active.session_endpoints.status}?access_token=${bobToken}`);
    refused(res, 401, 'unauthorized', 'status with a query token');
  });

  test("afterwards Alice's sessions, parts, files, versions and folders are exactly as before", async () => {
    assert.deepEqual(await aliceState(), a.before);
    // Her active session still takes its next part from her.
    assertStatus(await alice.putPart(a.active.session_endpoints.upload_part, a.data, PART, PART), 200);
    const parts = await alice.get(a.active.session_endpoints.list_parts);
    assert.equal(parts.body.entries.length, 2);
  });
});
