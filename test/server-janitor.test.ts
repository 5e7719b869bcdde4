/** Expired and aborted sessions lose their bytes: abort at once, expiry through the janitor. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer({ args: ['--min-chunked-size', '10', '--part-size', '8', '--session-ttl', '2', '--janitor-interval', '1', '--log-level', 'warn'] });
  token = await server.token('janitor-user');
});
after(() => server.dispose());

async function createSession(name: string): Promise<string> {
  const response = await fetch(`${server.origin}/api/2.0/files/upload_sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ folder_id: '0', file_size: 20, file_name: name }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

const uploadFile = (id: string): string => path.join(server.dataDir, 'blobs', 'uploads', id);

test('abort releases the upload bytes at once', async () => {
  const id = await createSession('aborted.bin');
  assert.ok(existsSync(uploadFile(id)), 'the upload file exists while the session is active');
  const response = await fetch(`${server.origin}/api/2.0/files/upload_sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 204);
  assert.ok(!existsSync(uploadFile(id)), 'the upload file is gone after abort');
});

test('the janitor releases an expired session, which then answers 410', async () => {
  const id = await createSession('expiring.bin');
  assert.ok(existsSync(uploadFile(id)));
  const deadline = Date.now() + 10_000;
  while (existsSync(uploadFile(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(!existsSync(uploadFile(id)), 'the janitor removed the expired upload within 10 s');
  const status = await fetch(`${server.origin}/api/2.0/files/upload_sessions/${id}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(status.status, 410);
  assert.equal(((await status.json()) as { code: string }).code, 'session_expired');
});
