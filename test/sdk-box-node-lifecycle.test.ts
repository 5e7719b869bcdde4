/**
 * The file lifecycle through the generated SDKs' own managers (box-node-sdk@10 and box-typescript-sdk-gen, unmodified)
 * against a real Tranche server: update (rename, move), copy, delete to the trash, the trash, restore, purge, versions
 * (list, promote, delete) and users/me.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as nodeSdk from 'box-node-sdk';
import * as generatedSdk from 'box-typescript-sdk-gen';
import { startServer, type TestServer } from './helpers/server.js';
import { sha1Hex, uniqueName } from './helpers/http.js';

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

// Both SDKs are generated from one specification; their managers share names and shapes.
const SDKS = [
  { name: 'box-node-sdk@10', sdk: nodeSdk },
  { name: 'box-typescript-sdk-gen', sdk: generatedSdk as unknown as typeof nodeSdk },
];

for (const { name: sdkName, sdk } of SDKS) describe(`${sdkName}: the file lifecycle`, () => {
  const { BoxClient, BoxDeveloperTokenAuth } = sdk;
  let server: TestServer;
  let client: InstanceType<typeof BoxClient>;

  before(async () => {
    server = await startServer();
    const token = await server.token('alice');
    client = new BoxClient({ auth: new BoxDeveloperTokenAuth({ token }) }).withCustomBaseUrls({
      baseUrl: server.origin,
      uploadUrl: `${server.origin}/api`,
      oauth2Url: `${server.origin}/oauth2`,
    });
  });
  after(async () => {
    await server?.dispose();
  });

  async function upload(name: string, text: string, parent = '0') {
    const files = await client.uploads.uploadFile({ attributes: { name, parent: { id: parent } }, file: Readable.from([Buffer.from(text)]) });
    return files.entries![0]!;
  }

  test('update, copy, delete, trash, restore, purge; users/me follows', async () => {
    const me = await client.users.getUserMe();
    assert.equal(me.login, 'alice@tranche.local');
    const usedBefore = me.spaceUsed!;
    const folder = await client.folders.createFolder({ name: uniqueName('sdk-life', ''), parent: { id: '0' } });
    const file = await upload(uniqueName('life'), 'lifecycle');

    const renamed = await client.files.updateFileById(file.id, { requestBody: { name: `${file.name}.renamed`, parent: { id: folder.id } } });
    assert.equal(renamed.name, `${file.name}.renamed`);
    assert.equal(renamed.parent?.id, folder.id);

    const copy = await client.files.copyFile(file.id, { parent: { id: '0' }, name: uniqueName('life-copy') });
    assert.equal(copy.sha1, sha1Hex('lifecycle'));
    assert.equal((await client.users.getUserMe()).spaceUsed, usedBefore + 18);

    const folderRenamed = await client.folders.updateFolderById(folder.id, { requestBody: { name: `${folder.name}-2` } });
    assert.equal(folderRenamed.name, `${folder.name}-2`);
    const folderCopy = await client.folders.copyFolder(folder.id, { parent: { id: '0' }, name: `${folder.name}-copy` });
    const copied = await client.folders.getFolderItems(folderCopy.id);
    assert.equal(copied.totalCount, 1);

    await client.files.deleteFileById(copy.id);
    const trashed = await client.trashedFiles.getTrashedFileById(copy.id);
    assert.equal(trashed.itemStatus, 'trashed');
    const items = await client.trashedItems.getTrashedItems();
    assert.ok((items.entries ?? []).some((e: any) => e.id === copy.id));
    const restored = await client.trashedFiles.restoreFileFromTrash(copy.id);
    assert.equal(restored.itemStatus, 'active');
    await client.files.deleteFileById(copy.id);
    await client.trashedFiles.deleteTrashedFileById(copy.id);
    let status: unknown;
    try {
      await client.trashedFiles.getTrashedFileById(copy.id);
    } catch (error: any) {
      // box-node-sdk keeps the status in responseInfo; box-typescript-sdk-gen (1.19) only in the message ("404 …").
      status = error?.responseInfo?.statusCode ?? Number(/^(\d{3}) /.exec(String(error?.message))?.[1]);
    }
    assert.equal(status, 404);

    await client.folders.deleteFolderById(folderCopy.id, { queryParams: { recursive: true } });
    await client.trashedFolders.restoreFolderFromTrash(folderCopy.id);
    await client.folders.deleteFolderById(folderCopy.id, { queryParams: { recursive: true } });
    await client.trashedFolders.deleteTrashedFolderById(folderCopy.id);
    assert.equal((await client.users.getUserMe()).spaceUsed, usedBefore + 9);
  });

  test('versions: list, promote, delete; old versions download', async () => {
    const name = uniqueName('sdk-ver');
    const v1 = await upload(name, 'first');
    await client.uploads.uploadFileVersion(v1.id, { attributes: { name }, file: Readable.from([Buffer.from('second')]) });
    const versions = await client.fileVersions.getFileVersions(v1.id);
    assert.equal(versions.totalCount, 1);
    const old = versions.entries![0]!;
    assert.equal(old.sha1, sha1Hex('first'));
    const oldBytes = await client.downloads.downloadFile(v1.id, { queryParams: { version: old.id } });
    assert.equal(await readAll(oldBytes as AsyncIterable<Uint8Array>), 'first');

    const promoted = await client.fileVersions.promoteFileVersion(v1.id, { requestBody: { id: old.id, type: 'file_version' } });
    assert.equal(promoted.sha1, sha1Hex('first'));
    assert.equal(await readAll((await client.downloads.downloadFile(v1.id)) as AsyncIterable<Uint8Array>), 'first');
    const all = await client.fileVersions.getFileVersions(v1.id);
    assert.equal(all.totalCount, 2);
    const second = all.entries!.find((v) => v.sha1 === sha1Hex('second'))!;
    await client.fileVersions.deleteFileVersionById(v1.id, second.id);
    const gone = await client.fileVersions.getFileVersionById(v1.id, second.id);
    assert.ok(gone.trashedAt, 'the version is in the trash');
  });
});
