/** The range hasher's two ways of folding the whole-file SHA-1 over a real upload file: live and resumable agree. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { digestOfState, FsBlobStore, InlineRangeHasher, LiveHashGapError } from '@tranche/server';

const data = randomBytes(3 * 1024 * 1024 + 12_345);
const cuts = [0, 700_001, 2_500_000, data.length];
let dir: string;
let hasher: InlineRangeHasher;
const source = { kind: 'upload', target: { key: 'uploads/live-test', uploadId: null } } as const;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tranche-live-hash-'));
  const blobs = await FsBlobStore.open({ root: dir });
  const target = await blobs.createUpload(source.target.key, data.length);
  await blobs.writePart(target, { partNumber: 1, offset: 0, size: data.length }, [data] as unknown as AsyncIterable<Uint8Array>);
  hasher = new InlineRangeHasher(blobs);
});
after(() => rm(dir, { recursive: true, force: true }));

const expected = createHash('sha1').update(data).digest('hex');

test('live folds in uneven pieces give the file SHA-1, stored as the 20-byte digest', async () => {
  for (let i = 0; i + 1 < cuts.length; i++) await hasher.foldLive('a', source, cuts[i]!, cuts[i + 1]!);
  const digest = await hasher.finishLive('a');
  assert.equal(digest.length, 20);
  assert.equal(await digestOfState(digest), expected);
  await assert.rejects(hasher.finishLive('a'), LiveHashGapError, 'a finished live hash is forgotten');
});

test('resumable folds over the same pieces agree with the live hash', async () => {
  let state: Uint8Array | null = null;
  for (let i = 0; i + 1 < cuts.length; i++) state = await hasher.fold(source, state, cuts[i]!, cuts[i + 1]!);
  assert.ok(state!.length > 20, 'a resumable state is longer than a digest');
  assert.equal(await digestOfState(state!), expected);
});

test('a live hash continues only from where it reached', async () => {
  await assert.rejects(hasher.foldLive('b', source, 100, 200), LiveHashGapError, 'nothing to continue');
  await hasher.foldLive('b', source, 0, 1000);
  await assert.rejects(hasher.foldLive('b', source, 500, 2000), LiveHashGapError, 'a gap or an overlap');
  await hasher.foldLive('b', source, 1000, data.length);
  assert.equal(await digestOfState(await hasher.finishLive('b')), expected);
});

test('a fold that fails forgets the live hash, which then starts again from 0', async () => {
  await hasher.foldLive('c', source, 0, 1000);
  await assert.rejects(hasher.foldLive('c', source, 1000, data.length + 10), /ends at/);
  await assert.rejects(hasher.foldLive('c', source, 1000, data.length), LiveHashGapError);
  await hasher.foldLive('c', source, 0, data.length);
  assert.equal(await digestOfState(await hasher.finishLive('c')), expected);
  await hasher.forgetLive('c');
});
