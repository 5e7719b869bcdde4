/**
 * The client against a misconfigured or malicious server: the bearer token goes only to the configured origins.
 * A real server started with a `--public-url` naming another port (what a server behind a proxy without
 * `--public-url` does: it hands out its own http://127.0.0.1:8080/...) hands out session endpoints there; a second
 * HTTP server listens on that port and records every request and whether it carried an Authorization header. The
 * client must send it nothing, say which URL it refused and how to fix the server, and leave no session behind.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stat } from 'node:fs/promises';
import { abortSession, fileResumeStore, uploadFile, UntrustedUrlError, type TransportRequest } from '@tranche/client';
import { assertTokenTarget, resolveConfig, resumeKey } from '@tranche/client/core';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertStatus } from './helpers/http.js';
import { randomFile, runCli, tempDir } from './helpers/client-fixtures.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** An HTTP server that records what reaches it and answers 404 to everything. */
async function recorder(): Promise<{ origin: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    request.resume();
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"type":"error","status":404,"code":"not_found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const FILE_SIZE = 5000;

describe('the token goes only to the configured origins', () => {
  let decoy: Awaited<ReturnType<typeof recorder>>;
  let server: TestServer;
  let token: string;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let file: string;

  before(async () => {
    decoy = await recorder();
    // The quota fits one session of FILE_SIZE: a refused upload that left its session open would block the next one.
    server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', '1024', '--user-quota', String(FILE_SIZE + 1000), '--public-url', decoy.origin, '--log-level', 'warn'] });
    token = await server.token('alice');
    work = await tempDir();
    file = path.join(work.dir, 'data.bin');
    await randomFile(file, FILE_SIZE);
  });
  after(async () => {
    await server?.dispose();
    await decoy?.close();
    await work?.dispose();
  });

  test('an upload whose session endpoints name another origin is refused before any part, naming the URL and the fix', async () => {
    const error = await uploadFile(file, { server: server.origin, token, minChunkedSize: 1000, resume: false }).then(
      () => assert.fail('the upload must be refused'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UntrustedUrlError, String(error));
    assert.equal(error.reason, 'origin');
    assert.ok(error.url.startsWith(`${decoy.origin}/api/2.0/files/upload_sessions/`), error.url);
    assert.match(error.message, new RegExp(`refusing to send the token to ${decoy.origin}/`));
    assert.match(error.message, /--public-url/);
    assert.ok(error.message.includes(server.origin), error.message);
    assert.deepEqual(decoy.seen, [], 'nothing reached the other origin');
  });

  test('the refused session was aborted: the quota is free for the next one', async () => {
    const api = new Api(server.origin, token);
    const created = await api.createSession({ folder_id: '0', file_size: FILE_SIZE, file_name: 'after.bin' });
    assertStatus(created, 201);
    assertStatus(await api.delete(`/api/2.0/files/upload_sessions/${created.body.id}`), 204);
  });

  test('the CLI says the same and exits 1', async () => {
    const result = await runCli(['upload', file, '--server', server.origin, '--min-chunked-size', '1000', '--json'], { TRANCHE_TOKEN: token, TRANCHE_STATE_DIR: path.join(work.dir, 'state') });
    assert.equal(result.code, 1, result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, new RegExp(`refusing to send the token to ${decoy.origin}/`));
    assert.match(output, /--public-url/);
    assert.deepEqual(decoy.seen, [], 'nothing reached the other origin');
  });

  test('a resume state naming another origin: the upload is refused, and `tranche abort` deletes the session by id', async () => {
    const api = new Api(server.origin, token);
    const created = await api.createSession({ folder_id: '0', file_size: FILE_SIZE, file_name: 'stale.bin' });
    assertStatus(created, 201);
    const session = created.body;
    assert.ok(session.session_endpoints.abort.startsWith(decoy.origin), 'the server hands out the other origin');
    const stateDir = path.join(work.dir, 'state-stale');
    const uploadUrl = `${server.origin}/api/2.0`;
    const destination = { folderId: '0' };
    const now = new Date().toISOString();
    const { size, mtimeMs } = await stat(file);
    // The key holds the target name (an upload with --name is its own upload).
    const key = resumeKey(uploadUrl, destination, file, 'stale.bin');
    await fileResumeStore(stateDir).set(key, {
      version: 1,
      key,
      sourceId: file,
      name: 'stale.bin',
      size,
      lastModified: Math.floor(mtimeMs),
      destination,
      uploadUrl,
      apiUrl: `${server.origin}/2.0`,
      session: { id: session.id, part_size: session.part_size, total_parts: session.total_parts, session_expires_at: session.session_expires_at, session_endpoints: session.session_endpoints },
      parts: [],
      createdAt: now,
      updatedAt: now,
    });
    const env = { TRANCHE_TOKEN: token, TRANCHE_STATE_DIR: stateDir };
    const upload = await runCli(['upload', file, '--server', server.origin, '--name', 'stale.bin', '--min-chunked-size', '1000', '--json'], env);
    assert.equal(upload.code, 1, upload.stdout + upload.stderr);
    assert.match(upload.stdout + upload.stderr, new RegExp(`refusing to send the token to ${decoy.origin}/`));
    const aborted = await runCli(['abort', session.id, '--server', server.origin, '--json'], env);
    assert.equal(aborted.code, 0, aborted.stderr);
    assertStatus(await api.get(`/api/2.0/files/upload_sessions/${session.id}`, { validate: false }), 404);
    assert.deepEqual(await fileResumeStore(stateDir).list(), []);
    assert.deepEqual(decoy.seen, [], 'nothing reached the other origin');
  });

  test('a URL given directly (abort by URL) on another origin is refused too', async () => {
    await assert.rejects(abortSession(`${decoy.origin}/api/2.0/files/upload_sessions/${'A'.repeat(32)}`, { server: server.origin, token }), UntrustedUrlError);
    assert.deepEqual(decoy.seen, []);
  });

  test('an origin added to trustedOrigins does get the token (the check is what kept it away)', async () => {
    await assert.rejects(uploadFile(file, { server: server.origin, token, minChunkedSize: 1000, resume: false, trustedOrigins: [decoy.origin] }));
    assert.ok(decoy.seen.length > 0, 'the part went to the trusted origin');
    assert.equal(decoy.seen[0]!.authorization, `Bearer ${token}`);
    decoy.seen.length = 0;
  });

  test('https configured, the same host over http: a downgrade, refused before connecting', async () => {
    const host = new URL(decoy.origin);
    const https = `https://127.0.0.1:${host.port}`;
    const error = await abortSession(`${decoy.origin}/api/2.0/files/upload_sessions/${'B'.repeat(32)}`, { server: https, token }).then(
      () => assert.fail('must be refused'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof UntrustedUrlError, String(error));
    assert.equal(error.reason, 'downgrade');
    assert.match(error.message, /downgrade/);
    assert.deepEqual(decoy.seen, []);
  });

  test('a transport is never asked to carry the token elsewhere, whatever the entry (core, fetch-like transport)', async () => {
    const requests: TransportRequest[] = [];
    const transport = async (request: TransportRequest) => {
      requests.push(request);
      throw new Error('not reached');
    };
    const options = { apiUrl: 'https://files.example.com/2.0', uploadUrl: 'https://upload.example.com/api/2.0', token, transport, retry: { retryDelays: [] } };
    for (const url of ['http://files.example.com/2.0/x', 'https://files.example.com:8443/x', 'https://evil.example.com/x', 'https://files.example.com.evil.test/x']) {
      await assert.rejects(abortSession(url, options), UntrustedUrlError, url);
    }
    assert.equal(requests.length, 0);
    await assert.rejects(abortSession('https://upload.example.com/api/2.0/files/upload_sessions/C', options), /not reached/);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.headers['authorization'], `Bearer ${token}`);
  });

  test('Box: its https hosts are trusted (it hands out nearer upload hosts), nothing else', () => {
    const { tokenOrigins } = resolveConfig({ token: 't' });
    for (const url of ['https://upload.box.com/api/2.0/files/upload_sessions/X', 'https://upload-las.app.box.com/api/2.0/files/content', 'https://api.box.com/2.0/files/1']) {
      assert.doesNotThrow(() => assertTokenTarget(tokenOrigins, url), url);
    }
    for (const url of ['http://upload.box.com/api/2.0/x', 'https://box.com.evil.test/x', 'https://evilbox.com/x', 'https://127.0.0.1:8080/x']) {
      assert.throws(() => assertTokenTarget(tokenOrigins, url), UntrustedUrlError, url);
    }
    // A Tranche server configured by origin trusts nothing of Box's.
    assert.throws(() => assertTokenTarget(resolveConfig({ server: 'https://tranche.example.org', token: 't' }).tokenOrigins, 'https://upload.box.com/x'), UntrustedUrlError);
  });
});
