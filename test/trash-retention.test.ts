/**
 * The trash's retention and the freeing of shared bytes, in process over real SQLite and disk with a clock the test
 * moves: the janitor purges what has been in the trash longer than the retention (30 days by default), a blob that
 * a copy still names stays, and a blob left recorded as garbage (a crash between the purge's transaction and the
 * delete of the bytes) is deleted by the next janitor pass.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { UserRecord } from '@tranche/server';
import { inProcessDomain, type InProcessDomain } from './helpers/in-process-domain.js';

const DAY = 24 * 3600 * 1000;

let env: InProcessDomain;
let user: UserRecord;

before(async () => {
  env = await inProcessDomain({ partSize: 1024, sessionTtlMs: 3600_000 });
  user = await env.store.ensureUser('alice');
});
after(() => env?.close());

async function upload(name: string, text: string) {
  const files = await env.domain.files.uploadNew(user, {
    attributes: { name, parent: { id: '0' } },
    file: (async function* () {
      yield Buffer.from(text);
    })(),
    contentSha1: undefined,
  });
  return files.entries[0]!;
}

async function blobExists(fileId: string): Promise<boolean> {
  const file = await env.store.getFile(user.id, fileId);
  assert.ok(file, `file ${fileId} has a record`);
  return access(path.join((env.blobs as unknown as { root: string }).root, file.version.blobKey)).then(
    () => true,
    () => false,
  );
}

async function blobKeyExists(key: string): Promise<boolean> {
  return access(path.join((env.blobs as unknown as { root: string }).root, key)).then(
    () => true,
    () => false,
  );
}

test('the janitor purges trash past the retention; shared bytes go with the last version naming them', async () => {
  const original = await upload('a.txt', 'shared bytes');
  const copy = await env.domain.copies.copyFile(user, original.id, { parent: { id: '0' }, name: 'b.txt' });
  const key = (await env.store.getFile(user.id, original.id))!.version.blobKey;
  assert.equal((await env.store.getFile(user.id, copy.id!))!.version.blobKey, key, 'the copy names the same blob');
  assert.equal(await env.store.storageUsed(user.id), 24);

  await env.domain.trash.delete(user, 'file', original.id, {});
  env.clock.now += 20 * DAY;
  await env.domain.trash.delete(user, 'file', copy.id!, {});
  await env.domain.janitor.sweep();
  assert.ok(await env.store.getItem(user.id, original.id), 'kept: 20 days in the trash');

  env.clock.now += 11 * DAY;
  await env.domain.janitor.sweep();
  assert.equal(await env.store.getItem(user.id, original.id), undefined, 'purged after 31 days');
  assert.ok(await blobExists(copy.id!), 'the copy, still in the trash, keeps the bytes');
  assert.equal(await env.store.storageUsed(user.id), 12);

  env.clock.now += 20 * DAY;
  await env.domain.janitor.sweep();
  assert.equal(await env.store.getItem(user.id, copy.id!), undefined);
  assert.equal(await blobKeyExists(key), false, 'the last purge freed the bytes');
  assert.equal(await env.store.storageUsed(user.id), 0);
});

test('a purge whose bytes were not deleted yet (a crash after its transaction) is finished by the janitor', async () => {
  const file = await upload('c.txt', 'left behind');
  const key = (await env.store.getFile(user.id, file.id))!.version.blobKey;
  await env.domain.trash.delete(user, 'file', file.id, {});
  // The store's transaction alone, as if the process died before deleting the bytes.
  const purged = await env.store.purgeItem(user.id, file.id);
  assert.ok(purged.ok);
  assert.deepEqual(purged.value.blobKeys, [key]);
  assert.equal(await blobKeyExists(key), true);
  assert.deepEqual(await env.store.garbageBlobs(10), [key]);
  await env.domain.janitor.sweep();
  assert.equal(await blobKeyExists(key), false);
  assert.deepEqual(await env.store.garbageBlobs(10), []);
});

test('a version trashed on its own is purged after the retention; the file and its current bytes stay', async () => {
  const v1 = await upload('d.txt', 'one');
  const v2 = await env.domain.files.uploadVersion(user, v1.id, {
    attributes: {},
    file: (async function* () {
      yield Buffer.from('two!');
    })(),
    contentSha1: undefined,
  });
  const oldKey = (await env.store.getVersion(v1.id, v1.file_version.id))!.blobKey;
  await env.domain.versions.trash(user, v1.id, v1.file_version.id);
  env.clock.now += 31 * DAY;
  await env.domain.janitor.sweep();
  assert.equal(await env.store.getVersion(v1.id, v1.file_version.id), undefined);
  assert.equal(await blobKeyExists(oldKey), false);
  assert.ok(await blobExists(v2.entries[0]!.id));
  assert.equal(await env.store.storageUsed(user.id), 4);
});
