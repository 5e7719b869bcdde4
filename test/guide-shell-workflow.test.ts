/**
 * Box's chunked-upload guide, done with real shell tools against a real server: curl creates the session,
 * `split -b <part_size>` cuts the file, `openssl sha1 -binary | base64` makes each Digest, curl PUTs every part
 * with Content-Range, curl commits with the whole-file Digest, and curl downloads the result.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, type TestServer } from './helpers/server.js';
import { randomBytesSeeded, sha1Hex, uniqueName } from './helpers/http.js';
import { validateResponse } from './helpers/openapi.js';

const execFileP = promisify(execFile);
const TOOLS: Array<[string, string]> = [
  ['curl', 'curl'],
  ['openssl', 'openssl'],
  ['split', 'coreutils'],
  ['base64', 'coreutils'],
  ['wc', 'coreutils'],
];

async function sh(script: string, env: Record<string, string>, cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileP('bash', ['-c', `set -euo pipefail\n${script}`], { env: { ...process.env, ...env }, cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error: any) {
    throw new Error(`shell step failed (${error.code}):\n${script}\nstdout: ${error.stdout}\nstderr: ${error.stderr}`);
  }
}

describe("Box guide's shell workflow (curl, split, openssl)", () => {
  let server: TestServer;
  let token: string;
  let work: string;

  before(async () => {
    const missing: string[] = [];
    for (const [tool, pkg] of TOOLS) {
      try {
        await execFileP('bash', ['-c', `command -v ${tool}`]);
      } catch {
        missing.push(`${tool} (Debian package: ${pkg})`);
      }
    }
    if (missing.length) throw new Error(`required tools missing: ${missing.join(', ')}; install with apt-get install ${[...new Set(missing.map((m) => m.replace(/.*package: (\w+)\)/, '$1')))].join(' ')}`);
    server = await startServer({ args: ['--min-chunked-size', '100000', '--part-size', '65536'] });
    token = await server.token('alice');
    work = await mkdtemp(path.join(tmpdir(), 'tranche-guide-'));
  });
  after(async () => {
    await server?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('create with curl, split, PUT each part with curl, commit with curl, download and verify the sha1', async () => {
    const data = randomBytesSeeded(300_000, 42); // 5 parts of 65536, the last 37856
    const file = path.join(work, 'video.mp4');
    await writeFile(file, data);
    const name = uniqueName('guide', '.mp4');
    const env = { TOKEN: token, ORIGIN: server.origin, FILE: file, NAME: name };

    // 1. create the session
    const createStatus = await sh(
      `SIZE=$(wc -c < "$FILE" | tr -d ' ')
curl -sS -X POST "$ORIGIN/api/2.0/files/upload_sessions" \\
  -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  -d "{\\"folder_id\\": \\"0\\", \\"file_size\\": $SIZE, \\"file_name\\": \\"$NAME\\"}" \\
  -o session.json -w '%{http_code}'`,
      env,
      work,
    );
    const session = JSON.parse(await readFile(path.join(work, 'session.json'), 'utf8'));
    assert.equal(createStatus, '201', `create: ${JSON.stringify(session)}`);
    validateResponse('POST', '/files/upload_sessions', 201, session);
    assert.equal(session.part_size, 65536);
    assert.equal(session.total_parts, 5);

    // 2. split and upload every part
    const statuses = await sh(
      `split -b "$PART_SIZE" -d -a 4 "$FILE" part_
SIZE=$(wc -c < "$FILE" | tr -d ' ')
OFFSET=0
for PART in part_*; do
  LEN=$(wc -c < "$PART" | tr -d ' ')
  LAST=$((OFFSET + LEN - 1))
  DIGEST=$(openssl sha1 -binary "$PART" | base64)
  CODE=$(curl -sS -X PUT "$UPLOAD_URL" \\
    -H "Authorization: Bearer $TOKEN" \\
    -H "Digest: sha=$DIGEST" \\
    -H "Content-Type: application/octet-stream" \\
    -H "Content-Range: bytes $OFFSET-$LAST/$SIZE" \\
    --data-binary @"$PART" -o "response_$PART.json" -w '%{http_code}')
  echo "$PART $CODE"
  OFFSET=$((LAST + 1))
done`,
      { ...env, PART_SIZE: String(session.part_size), UPLOAD_URL: session.session_endpoints.upload_part },
      work,
    );
    const lines = statuses.split('\n');
    assert.equal(lines.length, 5, `expected 5 parts from split: ${statuses}`);
    const responses = (await readdir(work)).filter((f) => f.startsWith('response_part_')).sort();
    assert.equal(responses.length, 5);
    const parts = [];
    for (const [index, line] of lines.entries()) {
      const [partFile, code] = line.split(' ');
      const body = JSON.parse(await readFile(path.join(work, `response_${partFile}.json`), 'utf8'));
      assert.equal(code, '200', `PUT ${partFile}: ${JSON.stringify(body)}`);
      validateResponse('PUT', '/files/upload_sessions/{upload_session_id}', 200, body);
      const offset = index * 65536;
      const size = Math.min(65536, data.length - offset);
      assert.equal(body.part.offset, offset);
      assert.equal(body.part.size, size);
      assert.equal(body.part.sha1, sha1Hex(data.subarray(offset, offset + size)));
      parts.push(body.part);
    }

    // 3. list the parts with curl
    const listed = JSON.parse(await sh(`curl -sS "$LIST_URL" -H "Authorization: Bearer $TOKEN"`, { ...env, LIST_URL: session.session_endpoints.list_parts }, work));
    validateResponse('GET', '/files/upload_sessions/{upload_session_id}/parts', 200, listed);
    assert.deepEqual(listed.entries, parts);

    // 4. commit with the whole-file digest
    await writeFile(path.join(work, 'commit.json'), JSON.stringify({ parts }));
    const commitStatus = await sh(
      `DIGEST=$(openssl sha1 -binary "$FILE" | base64)
curl -sS -X POST "$COMMIT_URL" \\
  -H "Authorization: Bearer $TOKEN" \\
  -H "Digest: sha=$DIGEST" \\
  -H "Content-Type: application/json" \\
  --data-binary @commit.json -o committed.json -w '%{http_code}'`,
      { ...env, COMMIT_URL: session.session_endpoints.commit },
      work,
    );
    const committed = JSON.parse(await readFile(path.join(work, 'committed.json'), 'utf8'));
    assert.equal(commitStatus, '201', `commit: ${JSON.stringify(committed)}`);
    validateResponse('POST', '/files/upload_sessions/{upload_session_id}/commit', 201, committed);
    const fileId = committed.entries[0].id;
    assert.equal(committed.entries[0].sha1, sha1Hex(data));
    assert.equal(committed.entries[0].name, name);

    // 5. download with curl (following a redirect if any) and compare with openssl
    const downloaded = await sh(
      `CODE=$(curl -sS -L "$ORIGIN/2.0/files/$FILE_ID/content" -H "Authorization: Bearer $TOKEN" -o downloaded.bin -w '%{http_code}')
echo "$CODE $(openssl sha1 downloaded.bin | awk '{print $NF}') $(openssl sha1 "$FILE" | awk '{print $NF}')"`,
      { ...env, FILE_ID: fileId },
      work,
    );
    const [code, got, expected] = downloaded.split(' ');
    assert.equal(code, '200');
    assert.equal(expected, sha1Hex(data));
    assert.equal(got, expected, 'downloaded sha1 differs');
  });
});
