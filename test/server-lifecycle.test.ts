/**
 * The file lifecycle over real HTTP (issue 12): `fields`, offset and marker paging, rename and move, delete to the
 * trash, restore, purge, copies sharing bytes, versions, /users/me and space_used. Every JSON answer is validated
 * against box-openapi-extended.json by the Api helper.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sha1Hex, uniqueName, mkdirAs, uploadAs } from './helpers/http.js';

const RCLONE_FIELDS = 'type,id,sequence_id,etag,sha1,name,size,created_at,modified_at,content_created_at,content_modified_at,item_status,shared_link,owned_by';

describe('file lifecycle', () => {
  let server: TestServer;
  let api: Api;
  let bob: Api;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024'] });
    api = new Api(server.origin, await server.token('alice'));
    bob = api.as(await server.token('bob'));
  });
  after(async () => {
    await server?.dispose();
  });

  const mkdir = (name: string, parent = '0', as = api): Promise<any> => mkdirAs(as, name, parent);
  const upload = (name: string, data: Uint8Array | string, parent = '0', as = api): Promise<any> => uploadAs(as, name, data, parent);
  async function used(as = api): Promise<number> {
    const res = await as.get('/2.0/users/me');
    assertStatus(res, 200);
    return res.body.space_used;
  }
  async function objectFiles(): Promise<number> {
    return (await readdir(path.join(server.dataDir, 'blobs', 'objects')).catch(() => [])).length;
  }

  describe('fields', () => {
    test('items carry exactly the fields asked for, plus type, id and etag, at full strength', async () => {
      const dir = await mkdir(uniqueName('fields', ''));
      const sub = await mkdir('sub', dir.id);
      const file = await upload('a.txt', 'hello', dir.id);
      const res = await api.get(`/2.0/folders/${dir.id}/items?fields=${RCLONE_FIELDS}&limit=1000&usemarker=true`);
      assertStatus(res, 200);
      const [folderEntry, fileEntry] = res.body.entries;
      assert.equal(folderEntry.id, sub.id);
      assert.equal(folderEntry.item_status, 'active');
      assert.equal(fileEntry.id, file.id);
      assert.equal(fileEntry.item_status, 'active');
      assert.equal(fileEntry.size, 5);
      assert.equal(fileEntry.sha1, sha1Hex('hello'));
      assert.equal(fileEntry.shared_link, null);
      assert.equal(fileEntry.owned_by.login, 'alice@tranche.local');
      assert.match(fileEntry.content_modified_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      assert.deepEqual(Object.keys(fileEntry).sort(), RCLONE_FIELDS.split(',').sort());
      assert.equal(res.body.next_marker, null);

      const one = await api.get(`/2.0/files/${file.id}?fields=name,size`);
      assertStatus(one, 200);
      assert.deepEqual(one.body, { type: 'file', id: file.id, etag: file.etag, name: 'a.txt', size: 5 });
      const folder = await api.get(`/2.0/folders/${dir.id}?fields=name,item_status,path_collection`);
      assert.deepEqual(Object.keys(folder.body).sort(), ['etag', 'id', 'item_status', 'name', 'path_collection', 'type']);
      assert.equal(folder.body.path_collection.entries[0].id, '0');
    });

    test('without fields: Box default sets (full File, mini entries)', async () => {
      const file = await upload(uniqueName('default'), 'x');
      const res = await api.get(`/2.0/files/${file.id}`);
      for (const key of ['item_status', 'size', 'path_collection', 'owned_by', 'parent', 'content_modified_at', 'sha1', 'file_version']) assert.ok(key in res.body, key);
      const list = await api.get('/2.0/folders/0/items?limit=1000');
      const entry = list.body.entries.find((e: any) => e.id === file.id);
      assert.deepEqual(Object.keys(entry).sort(), ['etag', 'file_version', 'id', 'name', 'sequence_id', 'sha1', 'type']);
    });

    test('uploads, updates and copies honour fields', async () => {
      const name = uniqueName('upf');
      const res = await api.simpleUpload({ name, parent: { id: '0' } }, 'abc', { url: '/api/2.0/files/content?fields=name,sha1' });
      assertStatus(res, 201);
      assert.deepEqual(Object.keys(res.body.entries[0]).sort(), ['etag', 'id', 'name', 'sha1', 'type']);
      const put = await api.put(`/2.0/files/${res.body.entries[0].id}?fields=name`, { json: { name: `${name}.renamed` } });
      assertStatus(put, 200);
      assert.deepEqual(Object.keys(put.body).sort(), ['etag', 'id', 'name', 'type']);
    });
  });

  describe('paging', () => {
    test('offset and marker paging agree, folders first, by name; markers survive concurrent inserts', async () => {
      const dir = await mkdir(uniqueName('paging', ''));
      const names: string[] = [];
      for (let i = 0; i < 12; i++) names.push(`f${String(i).padStart(2, '0')}`);
      for (const name of names.slice(0, 9)) await upload(name, name, dir.id);
      await mkdir('zz-dir', dir.id);
      await mkdir('aa-dir', dir.id);

      const offsetNames: string[] = [];
      for (let offset = 0; ; offset += 4) {
        const res = await api.get(`/2.0/folders/${dir.id}/items?offset=${offset}&limit=4`);
        assertStatus(res, 200);
        assert.equal(res.body.total_count, 11);
        offsetNames.push(...res.body.entries.map((e: any) => e.name));
        if (res.body.entries.length < 4) break;
      }
      assert.deepEqual(offsetNames, ['aa-dir', 'zz-dir', ...names.slice(0, 9)]);

      const markerNames: string[] = [];
      let marker: string | null = null;
      let pages = 0;
      do {
        const res: any = await api.get(`/2.0/folders/${dir.id}/items?usemarker=true&limit=3${marker ? `&marker=${marker}` : ''}`);
        assertStatus(res, 200);
        assert.equal(res.body.total_count, undefined);
        markerNames.push(...res.body.entries.map((e: any) => e.name));
        marker = res.body.next_marker;
        // Inserted behind and ahead of the marker while paging: the one ahead shows, nothing repeats or goes missing.
        if (pages++ === 1) {
          await upload('a-behind', 'b', dir.id);
          await upload('zz-ahead', 'a', dir.id);
        }
      } while (marker);
      assert.deepEqual(markerNames, ['aa-dir', 'zz-dir', ...names.slice(0, 9), 'zz-ahead']);
      assertError(await api.get(`/2.0/folders/${dir.id}/items?usemarker=true&marker=garbage`), 400, 'bad_request');
    });
  });

  describe('PUT', () => {
    test('rename, move, description, content_modified_at; If-Match; conflicts; cycles', async () => {
      const a = await mkdir(uniqueName('A', ''));
      const b = await mkdir('B', a.id);
      const c = await mkdir('C', b.id);
      const file = await upload('doc.txt', 'doc', a.id);
      await upload('taken.txt', 't', b.id);

      const renamed = await api.put(`/2.0/files/${file.id}`, { json: { name: 'doc2.txt', description: 'hi', content_modified_at: '2020-01-02T03:04:05Z' } });
      assertStatus(renamed, 200);
      assert.equal(renamed.schema, 'File--Full');
      assert.equal(renamed.body.name, 'doc2.txt');
      assert.equal(renamed.body.description, 'hi');
      assert.equal(renamed.body.content_modified_at, '2020-01-02T03:04:05+00:00');
      assert.notEqual(renamed.body.etag, file.etag);

      assertError(await api.put(`/2.0/files/${file.id}`, { json: { name: 'x' }, headers: { 'If-Match': file.etag } }), 412, 'precondition_failed');
      const clash = await api.put(`/2.0/files/${file.id}`, { json: { name: 'TAKEN.txt', parent: { id: b.id } } });
      assertError(clash, 409, 'item_name_in_use');
      assert.equal(clash.body.context_info.conflicts.name, 'taken.txt');

      const moved = await api.put(`/2.0/files/${file.id}`, { json: { parent: { id: b.id } }, headers: { 'If-Match': renamed.body.etag } });
      assertStatus(moved, 200);
      assert.equal(moved.body.parent.id, b.id);
      assert.deepEqual(moved.body.path_collection.entries.map((e: any) => e.id), ['0', a.id, b.id]);

      assertError(await api.put(`/2.0/folders/${a.id}`, { json: { parent: { id: c.id } } }), 400, 'bad_request');
      assertError(await api.put(`/2.0/folders/${a.id}`, { json: { parent: { id: a.id } } }), 400, 'bad_request');
      const folderMoved = await api.put(`/2.0/folders/${c.id}`, { json: { parent: { id: a.id }, name: 'C2' } });
      assertStatus(folderMoved, 200);
      assert.equal(folderMoved.schema, 'Folder--Full');
      assert.equal(folderMoved.body.name, 'C2');
      assertError(await bob.put(`/2.0/files/${file.id}`, { json: { name: 'mine' } }), 404, 'not_found');
    });

    test('POST /folders on an existing name: 409 with the folder in conflicts (an array)', async () => {
      const name = uniqueName('exists', '');
      const first = await mkdir(name);
      const again = await api.post('/2.0/folders', { name: name.toUpperCase(), parent: { id: '0' } });
      assertError(again, 409, 'item_name_in_use');
      assert.equal(again.body.context_info.conflicts[0].id, first.id);
      assert.equal(again.body.context_info.conflicts[0].type, 'folder');
    });
  });

  describe('trash', () => {
    test('delete → trash → restore → delete → purge; folder_not_empty; the trash lists and pages', async () => {
      const dir = await mkdir(uniqueName('trash', ''));
      const sub = await mkdir('sub', dir.id);
      const file = await upload('f.txt', 'content', sub.id);
      assertError(await api.delete(`/2.0/folders/${dir.id}?recursive=false`), 400, 'folder_not_empty');
      assertStatus(await api.delete(`/2.0/folders/${dir.id}?recursive=true`), 204);
      assertError(await api.get(`/2.0/files/${file.id}`), 404, 'trashed');
      assertError(await api.get(`/2.0/folders/${dir.id}/items`), 404, 'trashed');
      // The name is free again.
      const reuse = await mkdir(dir.name);

      const trashed = await api.get(`/2.0/folders/${dir.id}/trash`);
      assertStatus(trashed, 200);
      assert.equal(trashed.schema, 'TrashFolder');
      assert.equal(trashed.body.item_status, 'trashed');
      const trashedFile = await api.get(`/2.0/files/${file.id}/trash`);
      assertStatus(trashedFile, 200);
      assert.equal(trashedFile.body.item_status, 'trashed');

      const list = await api.get(`/2.0/folders/trash/items?fields=${RCLONE_FIELDS}&usemarker=true&limit=1000`);
      assertStatus(list, 200);
      const ids = list.body.entries.map((e: any) => e.id);
      assert.ok(ids.includes(dir.id));
      assert.ok(!ids.includes(file.id), 'only what a delete was asked for is listed');
      assert.equal(list.body.entries.find((e: any) => e.id === dir.id).item_status, 'trashed');

      // Restoring into the old name clashes with the new folder: 409; under another name it works.
      assertError(await api.post(`/2.0/folders/${dir.id}`, {}), 409, 'item_name_in_use');
      assertError(await api.post(`/2.0/files/${file.id}`, {}), 404, 'not_found');
      const restored = await api.post(`/2.0/folders/${dir.id}`, { name: `${dir.name}-back` });
      assertStatus(restored, 201);
      assert.equal(restored.schema, 'TrashFolderRestored');
      assert.equal(restored.body.item_status, 'active');
      const back = await api.get(`/2.0/files/${file.id}?fields=item_status,path_collection`);
      assertStatus(back, 200);
      assert.equal(back.body.item_status, 'active');

      const before = await used();
      assertStatus(await api.delete(`/2.0/files/${file.id}`), 204);
      assert.equal(await used(), before, 'the trash still counts');
      assertStatus(await api.delete(`/2.0/files/${file.id}/trash`), 204);
      assert.equal(await used(), before - 7);
      assertError(await api.get(`/2.0/files/${file.id}/trash`), 404, 'not_found');
      assertError(await api.delete(`/2.0/folders/${reuse.id}/trash`), 404, 'not_found');
      assertError(await api.delete('/2.0/folders/0?recursive=true'), 403);
    });

    test('purge frees the bytes on disk; restore into a given parent; another user sees nothing', async () => {
      const blobsBefore = await objectFiles();
      const file = await upload(uniqueName('gone'), randomBytesSeeded(1000, 3));
      assert.equal(await objectFiles(), blobsBefore + 1);
      assertStatus(await api.delete(`/2.0/files/${file.id}`), 204);
      assertError(await bob.get(`/2.0/files/${file.id}/trash`), 404);
      assertError(await bob.delete(`/2.0/files/${file.id}/trash`), 404);
      const target = await mkdir(uniqueName('target', ''));
      const restored = await api.post(`/2.0/files/${file.id}`, { parent: { id: target.id } });
      assertStatus(restored, 201);
      assert.equal(restored.body.parent.id, target.id);
      assertStatus(await api.delete(`/2.0/files/${file.id}`), 204);
      assertStatus(await api.delete(`/2.0/files/${file.id}/trash`), 204);
      assert.equal(await objectFiles(), blobsBefore);
    });
  });

  describe('copy and versions', () => {
    test('a copy shares bytes: purging the original keeps the copy readable; the last purge frees the blob', async () => {
      const data = randomBytesSeeded(3000, 7);
      const blobsBefore = await objectFiles();
      const usedBefore = await used();
      const original = await upload(uniqueName('orig'), data);
      const copy = await api.post(`/2.0/files/${original.id}/copy?fields=${RCLONE_FIELDS}`, { parent: { id: '0' }, name: uniqueName('copy') });
      assertStatus(copy, 201);
      assert.equal(copy.body.sha1, sha1Hex(data));
      assert.equal(await objectFiles(), blobsBefore + 1, 'no byte copied');
      assert.equal(await used(), usedBefore + 6000, 'a copy counts in space_used');
      assertError(await api.post(`/2.0/files/${original.id}/copy`, { parent: { id: '0' } }), 409, 'item_name_in_use');

      assertStatus(await api.delete(`/2.0/files/${original.id}`), 204);
      assertStatus(await api.delete(`/2.0/files/${original.id}/trash`), 204);
      assert.equal(await objectFiles(), blobsBefore + 1, 'the copy still names the blob');
      const body = await api.download(copy.body.id);
      assert.equal(sha1Hex(body.raw), sha1Hex(data));
      assertStatus(await api.delete(`/2.0/files/${copy.body.id}`), 204);
      assertStatus(await api.delete(`/2.0/files/${copy.body.id}/trash`), 204);
      assert.equal(await objectFiles(), blobsBefore);
      assert.equal(await used(), usedBefore);
    });

    test('folder copy is recursive; copying a folder into itself → 400', async () => {
      const dir = await mkdir(uniqueName('tree', ''));
      const sub = await mkdir('sub', dir.id);
      await upload('one', '1', dir.id);
      await upload('two', '22', sub.id);
      const copy = await api.post(`/2.0/folders/${dir.id}/copy`, { parent: { id: '0' }, name: `${dir.name}-copy` });
      assertStatus(copy, 201);
      assert.equal(copy.schema, 'Folder--Full');
      const items = await api.get(`/2.0/folders/${copy.body.id}/items`);
      assert.deepEqual(items.body.entries.map((e: any) => e.name), ['sub', 'one']);
      const subCopy = items.body.entries[0];
      const deep = await api.get(`/2.0/folders/${subCopy.id}/items`);
      assert.deepEqual(deep.body.entries.map((e: any) => e.name), ['two']);
      assertError(await api.post(`/2.0/folders/${dir.id}/copy`, { parent: { id: sub.id } }), 400, 'bad_request');
    });

    test('versions: list past ones, download them, promote one, trash one', async () => {
      const name = uniqueName('ver');
      const v1 = await upload(name, 'version one');
      const v2 = await api.simpleUpload({ name }, 'version two!', { fileId: v1.id });
      assertStatus(v2, 200);
      const list = await api.get(`/2.0/files/${v1.id}/versions`);
      assertStatus(list, 200);
      assert.equal(list.schema, 'FileVersions');
      assert.equal(list.body.total_count, 1);
      const old = list.body.entries[0];
      assert.equal(old.id, v1.file_version.id);
      assert.equal(old.sha1, sha1Hex('version one'));
      assert.equal(old.version_number, '1');
      const oldBytes = await api.get(`/2.0/files/${v1.id}/content?version=${old.id}`);
      assert.equal(oldBytes.text, 'version one');

      const promoted = await api.post(`/2.0/files/${v1.id}/versions/current`, { type: 'file_version', id: old.id });
      assertStatus(promoted, 201);
      assert.equal(promoted.schema, 'FileVersion--Full');
      assert.equal(promoted.body.sha1, sha1Hex('version one'));
      assert.equal(promoted.body.version_number, '3');
      assert.equal((await api.download(v1.id)).text, 'version one');

      const after = await api.get(`/2.0/files/${v1.id}/versions`);
      assert.equal(after.body.total_count, 2);
      const v2Id = v2.body.entries[0].file_version.id;
      assertStatus(await api.delete(`/2.0/files/${v1.id}/versions/${v2Id}`), 204);
      const trashedVersion = await api.get(`/2.0/files/${v1.id}/versions/${v2Id}`);
      assert.ok(trashedVersion.body.trashed_at);
      assertError(await api.delete(`/2.0/files/${v1.id}/versions/${promoted.body.id}`), 400, 'bad_request');
      assertError(await bob.get(`/2.0/files/${v1.id}/versions`), 404);
    });
  });

  test('GET /users/me: space figures, exact through uploads, versions and purges', async () => {
    const me = await bob.get('/2.0/users/me');
    assertStatus(me, 200);
    assert.equal(me.schema, 'User--Full');
    assert.equal(me.body.login, 'bob@tranche.local');
    assert.equal(me.body.space_amount, 999_999_999_999_999);
    assert.equal(me.body.max_upload_size, 150_000_000_000);
    const start = me.body.space_used;
    const f = await upload(uniqueName('me'), 'abcd', '0', bob);
    assert.equal(await used(bob), start + 4);
    assertStatus(await bob.simpleUpload({ name: f.name }, 'abcdefgh', { fileId: f.id }), 200);
    assert.equal(await used(bob), start + 12);
    assertStatus(await bob.delete(`/2.0/files/${f.id}`), 204);
    assertStatus(await bob.delete(`/2.0/files/${f.id}/trash`), 204);
    assert.equal(await used(bob), start);
  });
});
