/**
 * The official Box Node SDK (box-node-sdk@10, unmodified) against a real Tranche server with default settings:
 * a 20 MiB chunked upload with uploadBigFile (the SDK's own live test size), simple upload, folders, listing,
 * and download, all byte-verified. See shared/spec/box-sdk-notes.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BoxClient, BoxDeveloperTokenAuth } from 'box-node-sdk';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, sha1Hex, uniqueName } from './helpers/http.js';

const BIG = 20_971_520; // 20 MiB, above the 20,000,000-byte chunked minimum

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('box-node-sdk@10 against Tranche', () => {
  let server: TestServer;
  let client: BoxClient;
  let api: Api;

  before(async () => {
    server = await startServer();
    const token = await server.token('alice');
    api = new Api(server.origin, token);
    client = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token }) }).withCustomBaseUrls({
      baseUrl: server.origin,
      uploadUrl: `${server.origin}/api`,
      oauth2Url: `${server.origin}/oauth2`,
    });
  });
  after(async () => {
    await server?.dispose();
  });

  test('chunkedUploads.uploadBigFile of 20 MiB, then download and compare SHA-1', { timeout: 45_000 }, async () => {
    const data = randomBytes(BIG);
    const name = uniqueName('sdk-big');
    const file = await client.chunkedUploads.uploadBigFile(Readable.from([data]), name, BIG, '0');
    assert.equal(file.type, 'file');
    assert.equal(file.name, name);
    assert.equal(file.size, BIG);
    assert.equal(file.sha1, sha1Hex(data));
    assert.equal(file.parent?.id, '0');

    const stream = await client.downloads.downloadFile(file.id);
    assert.ok(stream, 'downloadFile returned nothing');
    const downloaded = await readAll(stream as AsyncIterable<Uint8Array>);
    assert.equal(downloaded.length, BIG);
    assert.equal(sha1Hex(downloaded), sha1Hex(data));

    // and over plain HTTP, for good measure
    const plain = await api.download(file.id);
    assertStatus(plain, 200);
    assert.equal(sha1Hex(plain.raw), sha1Hex(data));
  });

  test('uploads.uploadFile (simple upload) and files.getFileById', async () => {
    const data = randomBytes(123_457);
    const name = uniqueName('sdk-small');
    const files = await client.uploads.uploadFile({
      attributes: { name, parent: { id: '0' } },
      file: Readable.from([data]),
    });
    assert.equal(files.totalCount, 1);
    const file = files.entries?.[0];
    assert.ok(file);
    assert.equal(file.name, name);
    assert.equal(file.size, data.length);
    assert.equal(file.sha1, sha1Hex(data));
    const got = await client.files.getFileById(file.id);
    assert.equal(got.sha1, sha1Hex(data));
    const stream = await client.downloads.downloadFile(file.id);
    assert.equal(sha1Hex(await readAll(stream as AsyncIterable<Uint8Array>)), sha1Hex(data));
  });

  test('folders.createFolder and getFolderItems', async () => {
    const folderName = uniqueName('sdk-folder', '');
    const folder = await client.folders.createFolder({ name: folderName, parent: { id: '0' } });
    assert.equal(folder.type, 'folder');
    assert.equal(folder.name, folderName);
    assert.equal(folder.parent?.id, '0');

    const inside = uniqueName('inside', '.txt');
    const uploaded = await client.uploads.uploadFile({ attributes: { name: inside, parent: { id: folder.id } }, file: Readable.from([Buffer.from('inside')]) });
    const sub = await client.folders.createFolder({ name: 'child', parent: { id: folder.id } });

    const items = await client.folders.getFolderItems(folder.id);
    assert.equal(items.totalCount, 2);
    const entries = (items.entries ?? []) as Array<{ type: string; id: string; name?: string }>;
    assert.deepEqual(entries.map((e) => [e.type, e.id]), [
      ['folder', sub.id],
      ['file', uploaded.entries![0]!.id],
    ]);

    const root = await client.folders.getFolderItems('0', { queryParams: { limit: 1000 } });
    assert.ok((root.entries ?? []).some((e: any) => e.id === folder.id), 'the new folder is listed in the root');

    const rootFolder = await client.folders.getFolderById('0');
    assert.equal(rootFolder.name, 'All Files');
  });

  test('createFolder with a taken name surfaces a 409 item_name_in_use BoxApiError', async () => {
    const name = uniqueName('sdk-dupe', '');
    await client.folders.createFolder({ name, parent: { id: '0' } });
    await assert.rejects(client.folders.createFolder({ name, parent: { id: '0' } }), (error: any) => {
      assert.equal(error.responseInfo?.statusCode, 409, String(error));
      // the SDK keeps the parsed body; its responseInfo.code is JSON-encoded ('"item_name_in_use"')
      assert.equal(error.responseInfo?.body?.code, 'item_name_in_use');
      return true;
    });
  });
});
