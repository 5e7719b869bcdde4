/**
 * Upload sessions over real HTTP: create (new file and new version), every create error of spec §4.1,
 * status, session_endpoints, expiry (§7.4, §7.7) and the log_event endpoint. Spec: shared/spec/box-chunked-spec.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus, randomBytesSeeded, sleep, uniqueName } from './helpers/http.js';

const SMALL = ['--min-chunked-size', '1000', '--part-size', '1024'];
const SESSION_ID = /^[0-9A-F]{32}$/;
const UTC_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MiB = 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;

function assertEndpoints(session: any, origin: string): void {
  const base = `${origin}/api/2.0/files/upload_sessions/${session.id}`;
  assert.deepEqual(session.session_endpoints, {
    upload_part: base,
    commit: `${base}/commit`,
    abort: base,
    list_parts: `${base}/parts`,
    status: base,
    log_event: `${base}/log`,
  });
}

describe('upload sessions (small limits)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: SMALL });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('create a session for a new file: 201 UploadSession with absolute endpoints and a 7-day Z expiry', async () => {
    const before = Date.now();
    const res = await api.createSession({ folder_id: '0', file_size: 3000, file_name: uniqueName('new') });
    assertStatus(res, 201);
    assert.equal(res.schema, 'UploadSession');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const s = res.body;
    assert.equal(s.type, 'upload_session');
    assert.match(s.id, SESSION_ID);
    assert.equal(s.part_size, 1024);
    assert.equal(s.total_parts, 3);
    assert.equal(s.num_parts_processed, 0);
    assert.match(s.session_expires_at, UTC_Z);
    const expires = Date.parse(s.session_expires_at);
    const sevenDays = 7 * 24 * 3600 * 1000;
    assert.ok(Math.abs(expires - (before + sevenDays)) < 120_000, `session_expires_at ${s.session_expires_at} is not 7 days from now`);
    assertEndpoints(s, server.origin);
  });

  test('sessions can be created and read on both prefixes (/api/2.0 and /2.0)', async () => {
    const res = await api.post('/2.0/files/upload_sessions', { folder_id: '0', file_size: 2048, file_name: uniqueName('prefix') });
    assertStatus(res, 201);
    assert.equal(res.body.total_parts, 2);
    // session_endpoints always point at the upload host prefix, absolute.
    assertEndpoints(res.body, server.origin);
    for (const prefix of ['/api/2.0', '/2.0']) {
      const got = await api.get(`${prefix}/files/upload_sessions/${res.body.id}`);
      assertStatus(got, 200);
      assert.equal(got.body.id, res.body.id);
    }
  });

  test('status GET reflects num_parts_processed', async () => {
    const data = randomBytesSeeded(2500, 7);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('status') });
    assertStatus(created, 201);
    const s = created.body;
    const put = await api.putPart(s.session_endpoints.upload_part, data, 1024, 1024);
    assertStatus(put, 200);
    const status = await api.get(s.session_endpoints.status);
    assertStatus(status, 200);
    assert.equal(status.schema, 'UploadSession');
    assert.equal(status.body.id, s.id);
    assert.equal(status.body.part_size, 1024);
    assert.equal(status.body.total_parts, 3);
    assert.equal(status.body.num_parts_processed, 1);
    assert.equal(status.body.session_expires_at, s.session_expires_at);
    assertEndpoints(status.body, server.origin);
  });

  test('GET of an unknown session → 404 not_found; of a malformed id → 400 invalid_upload_session_id', async () => {
    assertError(await api.get('/api/2.0/files/upload_sessions/0123456789ABCDEF0123456789ABCDEF'), 404, 'not_found');
    assertError(await api.get('/api/2.0/files/upload_sessions/not-a-session'), 400, 'invalid_upload_session_id');
  });

  test('create a session for a new version via /files/{id}/upload_sessions', async () => {
    const name = uniqueName('versioned');
    const { file } = await api.chunkedUpload(name, randomBytesSeeded(1500, 3));
    const res = await api.post(`/api/2.0/files/${file.id}/upload_sessions`, { file_size: 2100 });
    assertStatus(res, 201);
    assert.equal(res.schema, 'UploadSession');
    assert.equal(res.body.total_parts, 3);
    assert.equal(res.body.num_parts_processed, 0);
    assertEndpoints(res.body, server.origin);
    // also on the /2.0 prefix, with a file_name (rename) that is free
    const res2 = await api.post(`/2.0/files/${file.id}/upload_sessions`, { file_size: 1024, file_name: uniqueName('renamed') });
    assertStatus(res2, 201);
    assert.equal(res2.body.total_parts, 1);
  });

  test('version session errors: unknown file → 404 not_found; new name taken → 409 item_name_in_use', async () => {
    assertError(await api.post('/api/2.0/files/987654321/upload_sessions', { file_size: 2000 }), 404, 'not_found');
    const a = await api.chunkedUpload(uniqueName('verA'), randomBytesSeeded(1200, 4));
    const bName = uniqueName('verB');
    const b = await api.chunkedUpload(bName, randomBytesSeeded(1200, 5));
    const res = await api.post(`/api/2.0/files/${a.file.id}/upload_sessions`, { file_size: 2000, file_name: bName.toUpperCase() });
    assertError(res, 409, 'item_name_in_use');
    assert.equal(res.body.context_info?.conflicts?.id, b.file.id);
    assertError(await api.post(`/api/2.0/files/${a.file.id}/upload_sessions`, {}), 400, 'missing_file_size');
    assertError(await api.post(`/api/2.0/files/${a.file.id}/upload_sessions`, { file_size: 10 }), 400, 'file_size_too_small');
  });

  describe('create errors (§4.1)', () => {
    const ok = { folder_id: '0', file_size: 3000, file_name: 'x.bin' };
    const cases: Array<[string, Record<string, unknown>, number | number[], string | string[]]> = [
      ['missing folder_id', { file_size: 3000, file_name: 'a.bin' }, 400, 'missing_destination'],
      ['folder_id not an id', { ...ok, folder_id: 'abc' }, 400, 'invalid_folder_id'],
      ['folder_id empty', { ...ok, folder_id: '' }, 400, ['invalid_folder_id', 'missing_destination']],
      ['file_name with /', { ...ok, file_name: 'a/b.bin' }, 400, 'item_name_invalid'],
      ['file_name with \\', { ...ok, file_name: 'a\\b.bin' }, 400, 'item_name_invalid'],
      ['file_name "."', { ...ok, file_name: '.' }, 400, 'item_name_invalid'],
      ['file_name ".."', { ...ok, file_name: '..' }, 400, 'item_name_invalid'],
      ['file_name with a control character', { ...ok, file_name: 'a\u0007b.bin' }, 400, 'item_name_invalid'],
      ['file_name with a trailing space', { ...ok, file_name: 'trailing.bin ' }, 400, 'item_name_invalid'],
      ['file_name empty', { ...ok, file_name: '' }, 400, ['item_name_invalid', 'missing_file_name']],
      ['file_name of 256 characters', { ...ok, file_name: 'n'.repeat(256) }, 400, 'item_name_too_long'],
      ['missing file_size', { folder_id: '0', file_name: 'a.bin' }, 400, 'missing_file_size'],
      ['file_size a string', { ...ok, file_size: 'abc' }, 400, 'invalid_file_size'],
      ['file_size fractional', { ...ok, file_size: 3000.5 }, 400, 'invalid_file_size'],
      ['file_size negative', { ...ok, file_size: -5 }, 400, ['invalid_file_size', 'file_size_too_small']],
      ['file_size under the minimum', { ...ok, file_size: 999 }, 400, 'file_size_too_small'],
      ['missing file_name', { folder_id: '0', file_size: 3000 }, 400, 'missing_file_name'],
      ['folder does not exist', { ...ok, folder_id: '987654321' }, 404, ['invalid_parameter', 'not_found']],
    ];
    for (const [label, body, status, code] of cases) {
      test(`${label} → ${status} ${code}`, async () => {
        const res = await api.createSession(body);
        assertError(res, status, code);
        assert.equal(res.schema, 'ClientError');
      });
    }

    test('a 255-character name is accepted', async () => {
      const name = `${'n'.repeat(251)}.bin`;
      assert.equal(name.length, 255);
      assertStatus(await api.createSession({ ...ok, file_name: name }), 201);
    });

    test('body that is not JSON → 400', async () => {
      const res = await api.post('/api/2.0/files/upload_sessions', undefined, { body: '{nope', headers: { 'Content-Type': 'application/json' } });
      assertError(res, 400);
    });

    test('existing file (case-insensitive) → 409 item_name_in_use with context_info.conflicts as the file object', async () => {
      const name = uniqueName('Taken');
      const data = randomBytesSeeded(1100, 9);
      const { file } = await api.chunkedUpload(name, data);
      const res = await api.createSession({ folder_id: '0', file_size: 5000, file_name: name.toLowerCase() });
      assertError(res, 409, 'item_name_in_use');
      const conflicts = res.body.context_info?.conflicts;
      assert.ok(conflicts && typeof conflicts === 'object' && !Array.isArray(conflicts), `conflicts must be one object: ${res.text}`);
      assert.equal(conflicts.type, 'file');
      assert.equal(conflicts.id, file.id);
      assert.equal(conflicts.name, name);
      assert.equal(conflicts.sha1, file.sha1);
      assert.equal(conflicts.file_version?.id, file.file_version.id);
    });

    test('existing folder with the same name (case-insensitive) → 409 item_name_in_use', async () => {
      const name = uniqueName('Dir', '');
      const folder = await api.post('/2.0/folders', { name, parent: { id: '0' } });
      assertStatus(folder, 201);
      const res = await api.createSession({ folder_id: '0', file_size: 5000, file_name: name.toUpperCase() });
      assertError(res, 409, 'item_name_in_use');
      assert.equal(res.body.context_info?.conflicts?.id, folder.body.id);
      assert.equal(res.body.context_info?.conflicts?.type, 'folder');
    });

    test('a session into a sub-folder works; the name is only taken within that folder', async () => {
      const folder = await api.post('/2.0/folders', { name: uniqueName('sub', ''), parent: { id: '0' } });
      assertStatus(folder, 201);
      const name = uniqueName('same');
      await api.chunkedUpload(name, randomBytesSeeded(1100, 11));
      const res = await api.createSession({ folder_id: folder.body.id, file_size: 3000, file_name: name });
      assertStatus(res, 201);
    });
  });

  test('log_event accepts client telemetry with 2xx', async () => {
    const created = await api.createSession({ folder_id: '0', file_size: 3000, file_name: uniqueName('log') });
    assertStatus(created, 201);
    const res = await api.post(created.body.session_endpoints.log_event, { event_type: 'part_failure', event_info: '{"part":1}' });
    assert.ok(res.status >= 200 && res.status < 300, `${res.request} → ${res.status}: ${res.text}`);
    // the session is unaffected
    assertStatus(await api.get(created.body.session_endpoints.status), 200);
  });

  test('no token → 401; bad token → 401', async () => {
    const body = { folder_id: '0', file_size: 3000, file_name: uniqueName('auth') };
    assertError(await api.createSession(body, { token: null }), 401);
    assertError(await api.createSession(body, { token: 'not-a-real-token' }), 401);
  });
});

describe('session expiry (--session-ttl 1)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer({ args: [...SMALL, '--session-ttl', '1'] });
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('after expiry: GET/PUT/list/commit → 410 session_expired, DELETE → 204', async () => {
    const data = randomBytesSeeded(2048, 21);
    const created = await api.createSession({ folder_id: '0', file_size: data.length, file_name: uniqueName('expiring') });
    assertStatus(created, 201);
    const s = created.body;
    assert.match(s.session_expires_at, UTC_Z);
    const expires = Date.parse(s.session_expires_at);
    assert.ok(Math.abs(expires - Date.now()) < 5_000, `session_expires_at ${s.session_expires_at} should be ~1 s from now`);
    await sleep(Math.max(0, expires - Date.now()) + 1_500);

    assertError(await api.get(s.session_endpoints.status), 410, 'session_expired');
    assertError(await api.putPart(s.session_endpoints.upload_part, data, 0, 1024), 410, 'session_expired');
    assertError(await api.get(s.session_endpoints.list_parts), 410, 'session_expired');
    assertError(await api.commit(s.session_endpoints.commit, [], data), 410, 'session_expired');
    const del = await api.delete(s.session_endpoints.abort);
    assertStatus(del, 204);
    assert.equal(del.raw.length, 0, 'DELETE 204 must have an empty body');
    assertStatus(await api.delete(s.session_endpoints.abort), 204);
  });
});

describe('part size policy with default settings (§7.1, §7.2)', () => {
  let server: TestServer;
  let api: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.origin, await server.token('alice'));
  });
  after(async () => {
    await server?.dispose();
  });

  test('the chunked minimum is 20,000,000 bytes', async () => {
    assertError(await api.createSession({ folder_id: '0', file_size: 19_999_999, file_name: uniqueName('min') }), 400, 'file_size_too_small');
    const res = await api.createSession({ folder_id: '0', file_size: 20_000_000, file_name: uniqueName('min') });
    assertStatus(res, 201);
    assert.equal(res.body.part_size, 8 * MiB);
    assert.equal(res.body.total_parts, 3);
    assertStatus(await api.delete(res.body.session_endpoints.abort), 204);
  });

  test('~100 MB gets 8 MiB parts; bigger files double the part size; total_parts ≤ 10000; part_size ≤ int32', async (t) => {
    const required = [20_971_520, 104_857_600, 209_715_200, 445_856_194];
    // Big sizes may be refused by a per-account size cap or disk-space check; those are allowed to fail with a limit error.
    const optional = [1_073_741_824, 5_000_000_000, 83_886_080_000, 83_886_080_001, 200_000_000_000, 1_000_000_000_000, 10_000_000_000_000];
    const checked: string[] = [];
    for (const size of [...required, ...optional]) {
      const res = await api.createSession({ folder_id: '0', file_size: size, file_name: uniqueName('policy') });
      if (!required.includes(size) && [403, 413, 507].includes(res.status)) {
        checked.push(`${size}: ${res.status} ${res.body?.code}`);
        continue;
      }
      assertStatus(res, 201);
      const { part_size: partSize, total_parts: totalParts } = res.body;
      checked.push(`${size}: ${partSize} × ${totalParts}`);
      assert.ok(Number.isInteger(partSize) && partSize <= INT32_MAX, `part_size ${partSize} must fit in int32`);
      assert.ok(partSize >= 8 * MiB && (partSize & (partSize - 1)) === 0, `part_size ${partSize} for ${size} must be a power of two ≥ 8 MiB`);
      assert.equal(totalParts, Math.ceil(size / partSize));
      assert.ok(totalParts <= 10_000, `total_parts ${totalParts} for ${size} exceeds 10000`);
      assert.ok(partSize * totalParts >= size);
      // doubling policy: the smallest power of two from 8 MiB that keeps total_parts ≤ 10000
      if (partSize > 8 * MiB) assert.ok(Math.ceil(size / (partSize / 2)) > 10_000, `part_size ${partSize} for ${size} is larger than needed`);
      if (size <= 104_857_600) assert.equal(partSize, 8 * MiB, `~100 MB must get 8 MiB parts, got ${partSize}`);
      assertStatus(await api.delete(res.body.session_endpoints.abort), 204);
    }
    // Doubling is only reachable above 8 MiB × 10000 ≈ 83.9 GB; a server capping file size below that never doubles.
    t.diagnostic(`part sizes: ${checked.join('; ')}`);
  });
});
