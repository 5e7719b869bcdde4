/**
 * One user's JSON must not cost the server more than its request is worth (issue 11): a commit body is read only
 * once its session is found to be the caller's (a body sent to a session that does not exist or is another user's
 * is never parsed: 404, not the 400 its JSON would get), holds at most the values a commit of its session can need,
 * and a simple upload's form has exactly one `attributes` field of bounded size. The telemetry endpoint logs what it
 * is sent only in bounded pieces. Real server over HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus, multipart, randomBytesSeeded, shaDigest, uniqueName } from './helpers/http.js';
import { assertBoxError } from './helpers/hostile.js';

const SMALL = ['--min-chunked-size', '1000', '--part-size', '1024', '--rate-limit', '0'];
const SESSION_ID = 'ABCDEF0123456789ABCDEF0123456789';

describe('bounded JSON', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;

  before(async () => {
    server = await startServer({ args: SMALL });
    alice = new Api(server.origin, await server.token('alice'));
    bob = new Api(server.origin, await server.token('bob'));
  });
  after(async () => {
    await server?.dispose();
  });

  const rawCommit = (api: Api, sessionId: string, body: string | Buffer) =>
    api.post(`/api/2.0/files/upload_sessions/${sessionId}/commit`, undefined, { body, headers: { 'Content-Type': 'application/json', Digest: shaDigest('x') } });

  test('a commit body for a session that is not the caller\'s is never parsed: 404 whatever the body', async () => {
    const data = randomBytesSeeded(2000, 1);
    const { session } = await alice.uploadParts(uniqueName('mine'), data);
    const bodies = ['{"parts":[', '[' + '1,'.repeat(100_000) + '1]', `{"parts":${'['.repeat(100)}${']'.repeat(100)}}`, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])];
    for (const body of bodies) {
      assertBoxError(await rawCommit(bob, session.id, body), 404, 'not_found', `another user's session, body ${String(body).slice(0, 20)}`);
      assertBoxError(await rawCommit(alice, SESSION_ID, body), 404, 'not_found', `a session that does not exist, body ${String(body).slice(0, 20)}`);
    }
    // Its owner gets the body's own answer.
    assertBoxError(await rawCommit(alice, session.id, '{"parts":['), 400, 'bad_request', 'the owner, invalid JSON');
  });

  test('a commit body holding more values than its session\'s parts need is refused before it is parsed', async () => {
    const data = randomBytesSeeded(3000, 2);
    const name = uniqueName('values');
    const { session, parts } = await alice.uploadParts(name, data);
    const padded = JSON.stringify({ parts, extra: Array.from({ length: 5_000 }, () => 1) });
    const res = await alice.post(session.session_endpoints.commit, undefined, { body: padded, headers: { 'Content-Type': 'application/json', Digest: shaDigest(data) } });
    assertBoxError(res, 400, 'bad_request', '5,000 extra values on a 3-part session');
    assert.match(res.body.message, /more than \d+ values/);
    // The same commit without the padding goes through.
    assertStatus(await alice.commit(session.session_endpoints.commit, parts, data), 201);
  });

  test('a large commit body with few values is parsed (off the event loop) and answered like a small one', async () => {
    const data = randomBytesSeeded(2000, 3);
    const { session, parts } = await alice.uploadParts(uniqueName('large'), data);
    const res = await alice.commit(session.session_endpoints.commit, parts, data, { attributes: { description: 'd' }, pad: 'x'.repeat(2 * 1024 * 1024) });
    assertStatus(res, 201);
    assert.equal(res.body.entries[0].description, 'd');
  });

  const upload = (fields: { name: string; data: string }[], fileName = uniqueName('s')) => {
    const { body, contentType } = multipart([...fields, { name: 'file', filename: fileName, contentType: 'application/octet-stream', data: 'content' }]);
    return alice.post('/api/2.0/files/content', undefined, { body, headers: { 'Content-Type': contentType } });
  };

  test('a simple upload takes exactly one attributes field', async () => {
    const first = uniqueName('one');
    const second = uniqueName('two');
    const attributes = (name: string) => ({ name: 'attributes', data: JSON.stringify({ name, parent: { id: '0' } }) });
    assertBoxError(await upload([attributes(first), attributes(second)]), 400, 'bad_request', 'two attributes fields');
    const names = (await alice.get('/2.0/folders/0/items?limit=1000')).body.entries.map((e: any) => e.name);
    assert.ok(!names.includes(first) && !names.includes(second), 'nothing stored');
    // Other fields are ignored.
    assertStatus(await upload([{ name: 'note', data: 'x' }, attributes(first)]), 201);
  });

  test('a simple upload\'s attributes field is bounded in size and in values', async () => {
    const big = JSON.stringify({ name: uniqueName('big'), parent: { id: '0' }, pad: 'x'.repeat(70 * 1024) });
    assertBoxError(await upload([{ name: 'attributes', data: big }]), 413, 'request_entity_too_large', 'attributes over 64 KiB');
    const many = JSON.stringify({ name: uniqueName('many'), parent: { id: '0' }, pad: Array.from({ length: 5_000 }, () => 1) });
    assertBoxError(await upload([{ name: 'attributes', data: many }]), 400, 'bad_request', 'attributes of 5,000 values');
  });

  test('other JSON bodies are bounded in values too', async () => {
    const res = await alice.post('/2.0/folders', { name: uniqueName('f', ''), parent: { id: '0' }, pad: Array.from({ length: 5_000 }, () => 1) });
    assertBoxError(res, 400, 'bad_request', 'a folder body of 5,000 values');
  });

  test('the log endpoint logs client strings bounded', async () => {
    const data = randomBytesSeeded(2000, 4);
    const { session } = await alice.uploadParts(uniqueName('log'), data);
    const marker = `M${Date.now()}`;
    const res = await alice.post(`/api/2.0/files/upload_sessions/${session.id}/log`, { event_type: marker + 'e'.repeat(30_000), event_info: marker + 'i'.repeat(30_000) });
    assertStatus(res, 204);
    const deadline = Date.now() + 5_000;
    let line: string | undefined;
    while (!(line = server.output().split('\n').find((l) => l.includes(marker))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(line, 'the event is logged');
    assert.ok(line.length < 1_500, `the logged line is bounded: ${line.length} characters`);
  });
});
