/**
 * The file lifecycle through the legacy box-node-sdk@3 (unmodified; installed as box-node-sdk-v3) against a real
 * Tranche server, through its own managers: update, copy, delete, the trash, restore, purge, versions and users/me.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { startServer, type TestServer } from './helpers/server.js';
import { sha1Hex, uniqueName } from './helpers/http.js';

const require = createRequire(import.meta.url);
// The legacy SDK is CommonJS without types; it is driven as its README shows.
const BoxSDK = require('box-node-sdk-v3');

describe('box-node-sdk@3: the file lifecycle', () => {
  let server: TestServer;
  let client: any;

  before(async () => {
    server = await startServer();
    const token = await server.token('alice');
    // Plain HTTP on loopback: the SDK's default agent class is https.Agent, which its config lets one replace.
    const sdk = new BoxSDK({
      clientID: 'tranche',
      clientSecret: 'tranche',
      apiRootURL: server.origin,
      uploadAPIRootURL: `${server.origin}/api`,
      numMaxRetries: 1,
      request: { agentClass: http.Agent, agentOptions: { keepAlive: true } },
    });
    client = sdk.getBasicClient(token);
  });
  after(async () => {
    await server?.dispose();
  });

  test('update, copy, delete, trash, restore, purge, versions, users/me', async () => {
    const me = await client.users.get(client.CURRENT_USER_ID);
    assert.equal(me.login, 'alice@tranche.local');
    const used = me.space_used;
    const name = uniqueName('v3');
    const uploaded = await client.files.uploadFile('0', name, Readable.from([Buffer.from('legacy one')]));
    const file = uploaded.entries[0];

    const renamed = await client.files.update(file.id, { name: `${name}.renamed` });
    assert.equal(renamed.name, `${name}.renamed`);
    const copy = await client.files.copy(file.id, '0', { name: `${name}.copy` });
    assert.equal(copy.sha1, sha1Hex('legacy one'));
    assert.equal((await client.users.get(client.CURRENT_USER_ID)).space_used, used + 20);

    await client.files.delete(copy.id);
    const trashed = await client.files.getTrashedFile(copy.id);
    assert.equal(trashed.item_status, 'trashed');
    const restored = await client.files.restoreFromTrash(copy.id);
    assert.equal(restored.item_status, 'active');
    await client.files.delete(copy.id);
    await client.files.deletePermanently(copy.id);
    assert.equal((await client.users.get(client.CURRENT_USER_ID)).space_used, used + 10);

    await client.files.uploadNewFileVersion(file.id, Readable.from([Buffer.from('legacy two!')]));
    const versions = await client.files.getVersions(file.id);
    assert.equal(versions.total_count, 1);
    assert.equal(versions.entries[0].sha1, sha1Hex('legacy one'));
    const promoted = await client.files.promoteVersion(file.id, versions.entries[0].id);
    assert.equal(promoted.sha1, sha1Hex('legacy one'));
    // (The legacy SDK downloads only through a 302 to a download host; Tranche answers downloads with 200 directly.)
    assert.equal((await client.files.get(file.id)).sha1, sha1Hex('legacy one'));
    const all = await client.files.getVersions(file.id);
    const second = all.entries.find((v: any) => v.sha1 === sha1Hex('legacy two!'));
    await client.files.deleteVersion(file.id, second.id);
    assert.equal((await client.files.getVersions(file.id)).entries.find((v: any) => v.id === second.id).trashed_at !== null, true);

    const folder = await client.folders.create('0', uniqueName('v3-dir', ''));
    const moved = await client.files.move(file.id, folder.id);
    assert.equal(moved.parent.id, folder.id);
    const folderCopy = await client.folders.copy(folder.id, '0', { name: `${folder.name}-copy` });
    assert.equal((await client.folders.getItems(folderCopy.id)).total_count, 1);
    await client.folders.delete(folderCopy.id, { recursive: true });
    await client.folders.restoreFromTrash(folderCopy.id, {});
    await client.folders.delete(folderCopy.id, { recursive: true });
    await client.folders.deletePermanently(folderCopy.id);
  });
});
