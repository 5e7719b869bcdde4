/**
 * Crash safety: kill -9 the server while a part is mid-upload, restart on the same data directory, and check that
 * every acknowledged part survived with its sha1, the interrupted one left no trace, and the upload completes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, randomBytesSeeded, rawRequest, sha1Hex, shaDigest, sleep, uniqueName } from './helpers/http.js';

const PART = 1024 * 1024;

describe('restart safety', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART)] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('kill -9 during a streaming PUT: acknowledged parts survive, the interrupted one is absent, the upload completes', { timeout: 40_000 }, async (t) => {
    const data = randomBytesSeeded(4 * PART + 12_345, 99); // 5 parts
    const name = uniqueName('crash');
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: name });
    assertStatus(created, 201);
    const s = created.body;
    assert.equal(s.total_parts, 5);

    const acknowledged = [];
    for (const index of [0, 3]) {
      const res = await api.putPart(s.session_endpoints.upload_part, data, index * PART, PART);
      assertStatus(res, 200);
      acknowledged.push(res.body.part);
    }

    // A slow streaming PUT of part 1: send half the bytes, then kill the server mid-request.
    const part1 = data.subarray(PART, 2 * PART);
    let killed = false;
    const inFlight = rawRequest(
      s.session_endpoints.upload_part,
      'PUT',
      {
        Authorization: `Bearer ${api.token}`,
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${PART}-${2 * PART - 1}/${data.length}`,
        'Content-Length': PART,
        Digest: shaDigest(part1),
      },
      (req) => {
        req.write(part1.subarray(0, PART / 2));
        const trickle = setInterval(() => {
          if (killed) {
            clearInterval(trickle);
            req.destroy();
          }
        }, 50);
      },
    ).then(
      (res) => `response ${res.status}`,
      (error: Error) => `error ${error.message}`,
    );
    await sleep(400);
    await server.kill();
    killed = true;
    const outcome = await inFlight;
    assert.ok(!outcome.startsWith('response 2'), `the interrupted PUT must not be acknowledged: ${outcome}`);
    t.diagnostic(`interrupted PUT ended with: ${outcome}`);

    await server.restart();
    const token = await server.token('alice');
    api = new Api(server.origin, token);

    const status = await api.get(s.session_endpoints.status);
    assertStatus(status, 200);
    assert.equal(status.body.num_parts_processed, 2);
    const listed = await api.get(s.session_endpoints.list_parts);
    assertStatus(listed, 200);
    assert.deepEqual(listed.body.entries, acknowledged, 'exactly the acknowledged parts, with their ids and sha1s');
    assert.deepEqual(
      listed.body.entries.map((p: any) => p.sha1),
      [0, 3].map((i) => sha1Hex(data.subarray(i * PART, (i + 1) * PART))),
    );

    // upload the rest (including the interrupted part), commit, verify
    const parts = [...acknowledged];
    for (const index of [1, 2, 4]) {
      const offset = index * PART;
      const res = await api.putPart(s.session_endpoints.upload_part, data, offset, Math.min(PART, data.length - offset));
      assertStatus(res, 200);
      parts.push(res.body.part);
    }
    parts.sort((a, b) => a.offset - b.offset);
    const commit = await api.commit(s.session_endpoints.commit, parts, data);
    assertStatus(commit, 201);
    assert.equal(commit.body.entries[0].sha1, sha1Hex(data));
    const body = await api.download(commit.body.entries[0].id);
    assertStatus(body, 200);
    assert.equal(body.raw.length, data.length);
    assert.ok(body.raw.equals(data), 'downloaded bytes differ');
  });

  test('a committed file and an old token survive a kill -9 and restart', { timeout: 30_000 }, async () => {
    const token = await server.token('carol');
    const carol = new Api(server.origin, token);
    const data = randomBytesSeeded(2 * PART + 5, 7);
    const { file } = await carol.chunkedUpload(uniqueName('durable'), data);
    await server.kill();
    await server.restart();
    const again = new Api(server.origin, token);
    const got = await again.get(`/2.0/files/${file.id}`);
    assertStatus(got, 200);
    assert.equal(got.body.sha1, sha1Hex(data));
    const body = await again.download(file.id);
    assert.ok(body.raw.equals(data));
  });
});
