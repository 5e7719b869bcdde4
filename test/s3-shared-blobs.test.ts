/**
 * Copies share bytes on S3 too (issue 12): a server on a real S3-compatible store (fauxqs), simple and chunked
 * uploads copied, originals purged (the objects stay while a copy names them), copies purged (the objects go).
 */
import { after, before, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, sha1Hex } from './helpers/http.js';
import { startS3, type TestS3 } from './helpers/s3.js';

let s3: TestS3;
let server: TestServer;
let api: Api;

before(async () => {
  s3 = await startS3();
  server = await startServer({ args: ['--blob', s3.blobUrl, '--min-chunked-size', '1', '--part-size', String(5 * 1024 * 1024), '--log-level', 'warn'], env: s3.env });
  api = new Api(server.origin, await server.token('alice'));
});
after(async () => {
  await server?.dispose();
  await s3?.stop();
});

/** Keys in the bucket, listed with a signed ListObjectsV2 (a real store refuses anonymous requests). */
async function keys(): Promise<string[]> {
  const res = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, MaxKeys: 1000 }));
  assert.equal(res.IsTruncated ?? false, false);
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

test('copies name the same S3 objects; the last purge deletes them', async () => {
  const small = randomBytesSeeded(4000, 1);
  const big = randomBytesSeeded(6 * 1024 * 1024 + 17, 2);
  const before = await keys();
  const simple = await api.simpleUpload({ name: 'small.bin', parent: { id: '0' } }, small);
  assertStatus(simple, 201);
  const { file: chunked } = await api.chunkedUpload('big.bin', big);
  const stored = await keys();
  assert.equal(stored.length, before.length + 2);

  const copies = [];
  for (const [file, name] of [[simple.body.entries[0], 'small-copy.bin'], [chunked, 'big-copy.bin']] as const) {
    const copy = await api.post(`/2.0/files/${file.id}/copy`, { parent: { id: '0' }, name });
    assertStatus(copy, 201);
    copies.push(copy.body);
    assertStatus(await api.delete(`/2.0/files/${file.id}`), 204);
    assertStatus(await api.delete(`/2.0/files/${file.id}/trash`), 204);
  }
  assert.deepEqual(await keys(), stored, 'no object copied, none deleted while a copy names it');
  assert.equal(sha1Hex((await api.download(copies[0].id)).raw), sha1Hex(small));
  assert.equal(sha1Hex((await api.download(copies[1].id)).raw), sha1Hex(big));

  for (const copy of copies) {
    assertStatus(await api.delete(`/2.0/files/${copy.id}`), 204);
    assertStatus(await api.delete(`/2.0/files/${copy.id}/trash`), 204);
  }
  assert.deepEqual(await keys(), before, 'the last purge deleted both objects');
});
