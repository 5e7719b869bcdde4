/**
 * Upload blobs without a session. A crash between creating a session's upload blob and recording the session
 * leaves a blob that no session names; the janitor removes it once it is older than --orphan-age, and leaves alone
 * every blob a session or a file still names, however long untouched (docs/RELIABILITY.md).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Api, assertStatus, randomBytesSeeded, sleep } from './helpers/http.js';
import { ServerProcess } from './helpers/server-process.js';

const PART = 1024;
/** Long enough for the janitor's first pass after a launch and two more (it runs every second). */
const THREE_PASSES_MS = 2_500;

let server: ServerProcess;
let token: string;

before(async () => {
  server = await ServerProcess.create(['--min-chunked-size', '1', '--part-size', String(PART), '--janitor-interval', '1']);
  token = await server.token('orphans');
});
after(() => server?.dispose());

interface OpenUpload {
  session: { id: string; session_endpoints: Record<string, string> };
  data: Buffer;
  parts: unknown[];
}

test('the janitor removes an upload blob left by a crash before its session was recorded, and no other blob', { timeout: 60_000 }, async () => {
  await server.launch();
  let api = new Api(server.origin, token);
  const keptData = randomBytesSeeded(2 * PART + 5, 1);
  const kept = await api.chunkedUpload('kept.bin', keptData);
  const idle = await openWithFirstPart(api, 'idle.bin', randomBytesSeeded(2 * PART, 2));
  await server.terminate();

  await server.launch({ TRANCHE_CRASH_POINT: 'session-blob-created' });
  const blobsBefore = new Set(await server.uploadBlobIds());
  await new Api(server.origin, token).createSession({ folder_id: '0', file_size: 10, file_name: 'never.bin' }).catch(() => undefined);
  assert.equal((await server.exited()).crashPoint, 'session-blob-created hit 1');
  const left = (await server.uploadBlobIds()).filter((id) => !blobsBefore.has(id));
  assert.equal(left.length, 1, 'the crash left one upload blob');
  const orphan = left[0]!;

  // The default age (1 h) spares a young orphan: to the janitor it looks like a session being created.
  await server.launch();
  api = new Api(server.origin, token);
  assertStatus(await api.get(`/api/2.0/files/upload_sessions/${orphan}`), 404);
  const fresh = await openWithFirstPart(api, 'fresh.bin', randomBytesSeeded(2 * PART, 3));
  await sleep(THREE_PASSES_MS);
  assert.ok(existsSync(server.uploadBlobPath(orphan)), 'an orphan younger than the default age stays');
  await server.terminate();

  for (const { session } of [idle, fresh]) {
    assert.ok(statSync(server.uploadBlobPath(session.id)).mtimeMs < Date.now() - 1_000, `session ${session.id} was untouched for longer than the orphan age`);
  }
  // No session is created while the age is this short: creating one takes two fsyncs, which a loaded disk can
  // stretch past a second.
  await server.launch({}, ['--orphan-age', '1']);
  api = new Api(server.origin, token);
  const deadline = Date.now() + 10_000;
  while (existsSync(server.uploadBlobPath(orphan)) && Date.now() < deadline) await sleep(100);
  assert.ok(!existsSync(server.uploadBlobPath(orphan)), 'the orphan blob is removed within 10 s');
  // The pass logs its count once it has gone through every blob, a moment after this one went.
  const logged = /"removed":1,[^\n]*janitor removed upload blobs without a session/;
  while (!logged.test(server.output()) && Date.now() < deadline + 2_000) await sleep(50);
  assert.match(server.output(), logged);

  await sleep(THREE_PASSES_MS); // more passes over blobs all older than the orphan age
  // On local disk a committed file's bytes are its session's upload blob: listed by the store, kept by its record.
  for (const id of [kept.session.id, idle.session.id, fresh.session.id]) assert.ok(existsSync(server.uploadBlobPath(id)), `the blob of ${id} stays`);
  for (const upload of [idle, fresh]) {
    const last = await api.putPart(upload.session.session_endpoints.upload_part!, upload.data, PART, PART);
    assertStatus(last, 200);
    const committed = await api.commit(upload.session.session_endpoints.commit!, [...upload.parts, last.body.part], upload.data);
    assertStatus(committed, 201);
    const content = await api.download(committed.body.entries[0].id);
    assert.ok(content.raw.equals(upload.data), `${upload.session.id}: the committed file has the uploaded bytes`);
  }
  const content = await api.download(kept.file.id);
  assert.ok(content.raw.equals(keptData), 'the file committed before the crash keeps its bytes');
  await server.terminate();
});

/** A session of two parts with the first one stored. */
async function openWithFirstPart(api: Api, name: string, data: Buffer): Promise<OpenUpload> {
  const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: name });
  assertStatus(created, 201);
  const first = await api.putPart(created.body.session_endpoints.upload_part, data, 0, PART);
  assertStatus(first, 200);
  return { session: created.body, data, parts: [first.body.part] };
}
