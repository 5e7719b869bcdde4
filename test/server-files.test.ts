/**
 * Files and folders over real HTTP (spec §3.5–§3.7, §4.9, §5, §6, §7.9): the root folder, folder creation and
 * name rules, listings, simple uploads, new versions, downloads with ranges, preflight, name uniqueness and
 * isolation between users. Every JSON response is validated against the OpenAPI by the Api helper.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, multipart, randomBytesSeeded, sha1Hex, uniqueName, mkdirAs, uploadAs } from './helpers/http.js';

const DIGITS = /^\d+$/;

describe('files and folders', () => {
  let server: TestServer;
  let api: Api;
  let bob: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.origin, await server.token('alice'));
    bob = api.as(await server.token('bob'));
  });
  after(async () => {
    await server?.dispose();
  });

  const mkdir = (name: string, parent = '0', as = api): Promise<any> => mkdirAs(as, name, parent);
  const upload = (name: string, data: Uint8Array | string, parent = '0', as = api): Promise<any> => uploadAs(as, name, data, parent);

  test('root folder "0": All Files, etag and sequence_id null', async () => {
    const res = await api.get('/2.0/folders/0');
    assertStatus(res, 200);
    assert.equal(res.schema, 'Folder--Full');
    assert.equal(res.body.type, 'folder');
    assert.equal(res.body.id, '0');
    assert.equal(res.body.name, 'All Files');
    assert.equal(res.body.etag, null);
    assert.equal(res.body.sequence_id, null);
    assert.equal(res.body.parent ?? null, null);
    assert.ok(res.body.item_collection, 'item_collection missing');
    assert.deepEqual(res.body.path_collection, { total_count: 0, entries: [] });
  });

  describe('POST /folders', () => {
    test('201 Folder with parent, etag and path_collection; nested folders', async () => {
      const name = uniqueName('Docs', '');
      const docs = await mkdir(name);
      assert.equal(docs.type, 'folder');
      assert.match(docs.id, DIGITS);
      assert.equal(docs.name, name);
      assert.equal(docs.parent.id, '0');
      assert.equal(typeof docs.etag, 'string');
      assert.deepEqual(docs.path_collection.entries.map((e: any) => [e.id, e.name]), [['0', 'All Files']]);
      const sub = await mkdir('Sub', docs.id);
      assert.equal(sub.parent.id, docs.id);
      assert.deepEqual(sub.path_collection.entries.map((e: any) => e.id), ['0', docs.id]);
      const got = await api.get(`/2.0/folders/${sub.id}`);
      assertStatus(got, 200);
      assert.equal(got.schema, 'Folder--Full');
      assert.equal(got.body.id, sub.id);
      assert.equal(got.body.name, 'Sub');
      assert.deepEqual(got.body.path_collection.entries.map((e: any) => e.id), ['0', docs.id]);
      const cached = await api.get(`/2.0/folders/${sub.id}`, { headers: { 'If-None-Match': got.body.etag } });
      assertStatus(cached, 304);
      assert.equal(cached.raw.length, 0);
    });

    test('same name (case-insensitive) → 409 item_name_in_use with context_info.conflicts as an array', async () => {
      const name = uniqueName('Conflict', '');
      const first = await mkdir(name);
      const res = await api.post('/2.0/folders', { name: name.toLowerCase(), parent: { id: '0' } });
      assertError(res, 409, 'item_name_in_use');
      const conflicts = res.body.context_info?.conflicts;
      assert.ok(Array.isArray(conflicts), `conflicts must be an array for folders: ${res.text}`);
      assert.equal(conflicts[0].id, first.id);
      assert.equal(conflicts[0].type, 'folder');
    });

    const invalid: Array<[string, string, string | string[]]> = [
      ['empty', '', ['item_name_invalid', 'bad_request']],
      ['256 characters', 'f'.repeat(256), 'item_name_too_long'],
      ['a slash', 'a/b', 'item_name_invalid'],
      ['a backslash', 'a\\b', 'item_name_invalid'],
      ['"."', '.', 'item_name_invalid'],
      ['".."', '..', 'item_name_invalid'],
      ['a control character', 'bell\u0007', 'item_name_invalid'],
      ['a newline', 'line\nbreak', 'item_name_invalid'],
      ['DEL', 'del\u007f', 'item_name_invalid'],
      ['a trailing space', 'trailing ', 'item_name_invalid'],
    ];
    for (const [label, name, code] of invalid) {
      test(`name with ${label} → 400 ${code}`, async () => {
        assertError(await api.post('/2.0/folders', { name, parent: { id: '0' } }), 400, code);
      });
    }

    test('255 characters and unicode are fine', async () => {
      await mkdir(`${'g'.repeat(250)}${String(process.pid % 100000).padStart(5, '0')}`);
      await mkdir(uniqueName('Ünïcødé 文件', ''));
    });

    test('missing name or parent → 400; unknown parent → 404 not_found', async () => {
      assertError(await api.post('/2.0/folders', { parent: { id: '0' } }), 400);
      assertError(await api.post('/2.0/folders', { name: uniqueName('np', '') }), 400);
      assertError(await api.post('/2.0/folders', { name: uniqueName('np', ''), parent: { id: '987654321' } }), 404, 'not_found');
    });

    test('GET unknown folder → 404 not_found', async () => {
      assertError(await api.get('/2.0/folders/987654321'), 404, 'not_found');
      assertError(await api.get('/2.0/folders/987654321/items'), 404, 'not_found');
    });
  });

  test('GET /folders/{id}/items: folders before files, offset/limit paging, mini entries', async () => {
    const parent = await mkdir(uniqueName('Listing', ''));
    const files: any[] = [];
    for (const n of ['b.txt', 'a.txt', 'c.txt']) files.push(await upload(n, `content of ${n}`, parent.id));
    const folders = [await mkdir('zeta', parent.id), await mkdir('alpha', parent.id)];

    const all = await api.get(`/2.0/folders/${parent.id}/items`);
    assertStatus(all, 200);
    assert.equal(all.schema, 'Items');
    assert.equal(all.body.total_count, 5);
    assert.equal(all.body.offset, 0);
    const types = all.body.entries.map((e: any) => e.type);
    assert.deepEqual(types, ['folder', 'folder', 'file', 'file', 'file']);
    assert.deepEqual(new Set(all.body.entries.slice(0, 2).map((e: any) => e.id)), new Set(folders.map((f) => f.id)));
    assert.deepEqual(new Set(all.body.entries.slice(2).map((e: any) => e.id)), new Set(files.map((f) => f.id)));
    for (const e of all.body.entries.filter((x: any) => x.type === 'file')) {
      const file: any = files.find((f: any) => f.id === e.id);
      assert.equal(e.sha1, file.sha1);
      assert.equal(e.file_version?.id, file.file_version.id);
    }

    const paged: any[] = [];
    for (let offset = 0; offset < 5; offset += 2) {
      const page = await api.get(`/2.0/folders/${parent.id}/items?offset=${offset}&limit=2`);
      assertStatus(page, 200);
      assert.equal(page.body.offset, offset);
      assert.equal(page.body.limit, 2);
      assert.equal(page.body.total_count, 5);
      assert.equal(page.body.entries.length, Math.min(2, 5 - offset));
      paged.push(...page.body.entries);
    }
    assert.deepEqual(paged.map((e) => e.id), all.body.entries.map((e: any) => e.id));
    const past = await api.get(`/2.0/folders/${parent.id}/items?offset=10`);
    assertStatus(past, 200);
    assert.deepEqual(past.body.entries, []);

    const clamped = await api.get(`/2.0/folders/${parent.id}/items?limit=5000`);
    assertStatus(clamped, 200);
    assert.ok(clamped.body.limit <= 1000, `limit must be clamped to 1000, got ${clamped.body.limit}`);
    assertError(await api.get(`/2.0/folders/${parent.id}/items?offset=abc`), 400, ['invalid_offset', 'bad_request']);
    assertError(await api.get(`/2.0/folders/${parent.id}/items?limit=abc`), 400, ['invalid_limit', 'bad_request']);

    const folder = await api.get(`/2.0/folders/${parent.id}`);
    assertStatus(folder, 200);
    assert.equal(folder.body.item_collection.total_count, 5);
    assert.deepEqual(folder.body.item_collection.entries.map((e: any) => e.id), all.body.entries.map((e: any) => e.id));
  });

  describe('simple upload POST /files/content', () => {
    test('201 Files with the right sha1 and size; content-md5 carrying the hex sha1 is checked', async () => {
      const data = randomBytesSeeded(5000, 1);
      const name = uniqueName('simple');
      const res = await api.simpleUpload({ name, parent: { id: '0' }, content_modified_at: '2021-02-03T04:05:06Z' }, data, {
        headers: { 'content-md5': sha1Hex(data) },
      });
      assertStatus(res, 201);
      assert.equal(res.schema, 'Files');
      assert.equal(res.body.total_count, 1);
      const file = res.body.entries[0];
      assert.equal(file.name, name);
      assert.equal(file.size, 5000);
      assert.equal(file.sha1, sha1Hex(data));
      assert.equal(file.parent.id, '0');
      assert.equal(Date.parse(file.content_modified_at), Date.parse('2021-02-03T04:05:06Z'));
    });

    test('wrong content-md5 → 400 bad_digest and no file', async () => {
      const name = uniqueName('baddigest');
      const res = await api.simpleUpload({ name, parent: { id: '0' } }, 'hello', { headers: { 'content-md5': sha1Hex('other') } });
      assertError(res, 400, 'bad_digest');
      const again = await api.simpleUpload({ name, parent: { id: '0' } }, 'hello');
      assertStatus(again, 201);
    });

    test('attributes after the file → 400 metadata_after_file_contents', async () => {
      const res = await api.simpleUpload({ name: uniqueName('order'), parent: { id: '0' } }, 'x', { fileFirst: true });
      assertError(res, 400, 'metadata_after_file_contents');
    });

    test('name taken → 409 item_name_in_use with conflicts as the file', async () => {
      const name = uniqueName('dupe');
      const file = await upload(name, 'first');
      const res = await api.simpleUpload({ name: name.toUpperCase(), parent: { id: '0' } }, 'second');
      assertError(res, 409, 'item_name_in_use');
      const conflicts = res.body.context_info?.conflicts;
      assert.ok(conflicts && !Array.isArray(conflicts), `conflicts must be one object: ${res.text}`);
      assert.equal(conflicts.id, file.id);
      assert.equal(conflicts.sha1, sha1Hex('first'));
    });

    test('bad names, missing attributes, unknown parent', async () => {
      assertError(await api.simpleUpload({ name: 'a/b', parent: { id: '0' } }, 'x'), 400, 'item_name_invalid');
      assertError(await api.simpleUpload({ name: 'n'.repeat(256), parent: { id: '0' } }, 'x'), 400, 'item_name_too_long');
      assertError(await api.simpleUpload({ name: uniqueName('np'), parent: { id: '987654321' } }, 'x'), 404);
      const { body, contentType } = multipart([{ name: 'file', filename: 'x.bin', data: 'x' }]);
      assertError(await api.post('/api/2.0/files/content', undefined, { body, headers: { 'Content-Type': contentType } }), 400);
    });

    test('empty file is allowed', async () => {
      const file = await upload(uniqueName('empty'), '');
      assert.equal(file.size, 0);
      assert.equal(file.sha1, sha1Hex(''));
      const body = await api.download(file.id);
      assertStatus(body, 200);
      assert.equal(body.raw.length, 0);
    });
  });

  describe('files', () => {
    const data = randomBytesSeeded(100_000, 2);
    let file: any;
    before(async () => {
      file = await upload(uniqueName('dl'), data);
    });

    test('GET /files/{id} → 200 File; If-None-Match with the etag → 304; unknown → 404', async () => {
      const res = await api.get(`/2.0/files/${file.id}`);
      assertStatus(res, 200);
      assert.equal(res.schema, 'File--Full');
      assert.equal(res.body.id, file.id);
      assert.equal(res.body.sha1, sha1Hex(data));
      assert.equal(res.body.size, data.length);
      assert.equal(res.body.file_version.id, file.file_version.id);
      const cached = await api.get(`/2.0/files/${file.id}`, { headers: { 'If-None-Match': res.body.etag } });
      assertStatus(cached, 304);
      assert.equal(cached.raw.length, 0);
      assertError(await api.get('/2.0/files/987654321'), 404, 'not_found');
    });

    test('GET /files/{id}/content → the bytes (200, or 302 followed)', async () => {
      const first = await api.get(`/2.0/files/${file.id}/content`);
      assertStatus(first, [200, 302]);
      if (first.status === 302) assert.match(first.headers.get('location') ?? '', /^https?:\/\/|^\//);
      const res = await api.download(file.id);
      assertStatus(res, 200);
      assert.equal(res.raw.length, data.length);
      assert.equal(sha1Hex(res.raw), sha1Hex(data));
      assertError(await api.get('/2.0/files/987654321/content'), 404);
    });

    test('Range → 206 with Content-Range and the right bytes', async () => {
      for (const [range, start, end] of [
        ['bytes=10-19', 10, 19],
        ['bytes=99990-', 99990, 99999],
        ['bytes=-5', 99995, 99999],
        ['bytes=50000-200000', 50000, 99999],
      ] as const) {
        const res = await api.download(file.id, { Range: range });
        assertStatus(res, 206);
        assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${data.length}`, range);
        assert.ok(res.raw.equals(data.subarray(start, end + 1)), `bytes of ${range}`);
      }
      const bad = await api.download(file.id, { Range: 'bytes=200000-300000' });
      assert.equal(bad.status, 416, `unsatisfiable range → 416, got ${bad.status}`);
    });

    test('new version POST /files/{id}/content → 200 Files; If-Match wrong → 412; right → 200', async () => {
      const own = await upload(uniqueName('ver'), 'version one');
      const wrong = await api.simpleUpload({}, 'version two', { fileId: own.id, headers: { 'If-Match': 'no-such-etag' } });
      assertError(wrong, 412, 'precondition_failed');
      const res = await api.simpleUpload({ name: own.name }, 'version two', { fileId: own.id, headers: { 'If-Match': own.etag } });
      assertStatus(res, 200);
      assert.equal(res.schema, 'Files');
      const v2 = res.body.entries[0];
      assert.equal(v2.id, own.id);
      assert.equal(v2.sha1, sha1Hex('version two'));
      assert.notEqual(v2.file_version.id, own.file_version.id);
      assert.equal((await api.download(own.id)).text, 'version two');
      const renamed = uniqueName('renamed');
      const v3 = await api.simpleUpload({ name: renamed }, 'version three', { fileId: own.id });
      assertStatus(v3, 200);
      assert.equal(v3.body.entries[0].name, renamed);
      assertError(await api.simpleUpload({}, 'x', { fileId: '987654321' }), 404);
      assertError(await api.simpleUpload({}, 'x', { fileId: '987654321', headers: { 'If-Match': '1' } }), [412, 404]);
    });
  });

  describe('preflight OPTIONS /files/content', () => {
    test('200 UploadUrl with an absolute upload_url that accepts the upload', async () => {
      const name = uniqueName('pre');
      const res = await api.options('/2.0/files/content', { name, size: 11, parent: { id: '0' } });
      assertStatus(res, 200);
      assert.equal(res.schema, 'UploadUrl');
      assert.match(res.body.upload_url, /^https?:\/\//);
      assert.ok(res.body.upload_url.startsWith(server.origin), `upload_url ${res.body.upload_url} must point at this server`);
      assert.equal(typeof res.body.upload_token, 'string');
      const up = await api.simpleUpload({ name, parent: { id: '0' }, size: 11 }, 'hello world', { url: res.body.upload_url });
      assertStatus(up, 201);
      assert.equal(up.body.entries[0].sha1, sha1Hex('hello world'));
    });

    test('name taken → 409 item_name_in_use with conflicts including the sha1', async () => {
      const name = uniqueName('preconf');
      const file = await upload(name, 'existing content');
      const res = await api.options('/2.0/files/content', { name: name.toUpperCase(), size: 5, parent: { id: '0' } });
      assertError(res, 409, 'item_name_in_use');
      assert.equal(res.schema, 'ConflictError');
      const conflicts = res.body.context_info?.conflicts;
      const entry = Array.isArray(conflicts) ? conflicts[0] : conflicts;
      assert.equal(entry?.id, file.id);
      assert.equal(entry?.sha1, sha1Hex('existing content'));
    });

    test('bad name → 400; unknown parent → 404; no token → 401', async () => {
      assertError(await api.options('/2.0/files/content', { name: 'x/y', size: 5, parent: { id: '0' } }), 400, 'item_name_invalid');
      assertError(await api.options('/2.0/files/content', { name: uniqueName('p'), size: 5, parent: { id: '987654321' } }), 404);
      assertError(await api.options('/2.0/files/content', { name: uniqueName('p'), size: 5, parent: { id: '0' } }, { token: null }), 401);
    });
  });

  test('name uniqueness is case-insensitive across files and folders', async () => {
    const base = uniqueName('Mixed', '');
    const folder = await mkdir(base);
    const asFile = await api.simpleUpload({ name: base.toLowerCase(), parent: { id: '0' } }, 'x');
    assertError(asFile, 409, 'item_name_in_use');
    assert.equal(asFile.body.context_info?.conflicts?.id, folder.id);
    const pre = await api.options('/2.0/files/content', { name: base.toUpperCase(), size: 1, parent: { id: '0' } });
    assertError(pre, 409, 'item_name_in_use');
    const session = await api.createSession({ folder_id: '0', file_size: 20_000_000, file_name: base.toUpperCase() });
    assertError(session, 409, 'item_name_in_use');

    const fileName = uniqueName('Report', '.TXT');
    const file = await upload(fileName, 'r');
    const asFolder = await api.post('/2.0/folders', { name: fileName.toLowerCase(), parent: { id: '0' } });
    assertError(asFolder, 409, 'item_name_in_use');
    assert.equal(asFolder.body.context_info?.conflicts?.[0]?.id, file.id);
  });

  test('users are isolated on every endpoint', async () => {
    const folder = await mkdir(uniqueName('Private', ''));
    const fileName = uniqueName('secret');
    const file = await upload(fileName, 'alice only', folder.id);
    const rootFile = await upload(uniqueName('rootsecret'), 'alice root');

    const denied = [
      await bob.get(`/2.0/folders/${folder.id}`),
      await bob.get(`/2.0/folders/${folder.id}/items`),
      await bob.get(`/2.0/files/${file.id}`),
      await bob.get(`/2.0/files/${file.id}/content`),
      await bob.post('/2.0/folders', { name: 'intruder', parent: { id: folder.id } }),
      await bob.simpleUpload({ name: 'intruder.txt', parent: { id: folder.id } }, 'x'),
      await bob.simpleUpload({}, 'overwrite', { fileId: file.id }),
      await bob.options('/2.0/files/content', { name: 'intruder.txt', size: 1, parent: { id: folder.id } }),
      await bob.createSession({ folder_id: folder.id, file_size: 20_000_000, file_name: 'intruder.bin' }),
      await bob.post(`/api/2.0/files/${file.id}/upload_sessions`, { file_size: 20_000_000 }),
    ];
    for (const res of denied) {
      assertError(res, [403, 404]);
      assert.ok(!res.text.includes('alice only') && !res.text.includes(fileName), `${res.request} leaked data: ${res.text.slice(0, 300)}`);
    }

    // bob's root is his own: none of alice's items, and he may reuse her names
    const bobRoot = await bob.get('/2.0/folders/0/items?limit=1000');
    assertStatus(bobRoot, 200);
    const aliceIds = new Set([folder.id, file.id, rootFile.id]);
    assert.ok(!bobRoot.body.entries.some((e: any) => aliceIds.has(e.id)), "bob sees alice's items");
    const bobsFile = await upload(rootFile.name, 'bob content', '0', bob);
    assert.notEqual(bobsFile.id, rootFile.id);
    assert.equal((await api.download(rootFile.id)).text, 'alice root');
    assert.equal((await bob.download(bobsFile.id)).text, 'bob content');
    assertError(await api.get(`/2.0/files/${bobsFile.id}`), [403, 404]);
    assert.equal((await api.download(file.id)).text, 'alice only');
  });

  test('no token → 401, bad token → 401', async () => {
    for (const token of [null, 'definitely-not-a-token']) {
      const anon = api.as(token);
      assertError(await anon.get('/2.0/folders/0'), 401);
      assertError(await anon.get('/2.0/folders/0/items'), 401);
      assertError(await anon.post('/2.0/folders', { name: uniqueName('anon', ''), parent: { id: '0' } }), 401);
      assertError(await anon.simpleUpload({ name: uniqueName('anon'), parent: { id: '0' } }, 'x'), 401);
      assertError(await anon.get('/2.0/files/1'), 401);
    }
  });
});
