/**
 * docs/DEPLOY.md's reverse-proxy configurations, as written there, in front of a real `tranche serve` on loopback
 * (issue 15): nginx and Caddy from Debian (.ci/run installs them). Each carries the Box guide's curl workflow
 * (create, split, PUT every part with its Digest, commit, download) and a `tranche upload` / `tranche download`, and
 * forwards its own request id. Also: every metric the guide's dashboard and OPERATIONS.md name is exported.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventsOf, randomFile, runCli, sha1Of } from './helpers/client-fixtures.js';
import { scrape } from './helpers/metrics.js';
import { REPO_ROOT, startServer, type TestServer } from './helpers/server.js';

const execFileP = promisify(execFile);
const DEPLOY = path.join(REPO_ROOT, 'docs/DEPLOY.md');

/** The block between `<!-- test: NAME -->` and `<!-- end test -->` in DEPLOY.md. */
async function guideBlock(name: string): Promise<string> {
  const text = await readFile(DEPLOY, 'utf8');
  const match = new RegExp(`<!-- test: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n<!-- end test -->`).exec(text);
  assert.ok(match, `DEPLOY.md has a "${name}" block`);
  return match[1]!;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`proxy exited with ${proc.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`proxy not listening on ${port}:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Proxy {
  origin: string;
  stop(): Promise<void>;
}

async function startNginx(work: string, port: number, upstream: number): Promise<Proxy> {
  const block = (await guideBlock('nginx')).replace('listen 80;', `listen 127.0.0.1:${port};`).replace('server 127.0.0.1:8080;', `server 127.0.0.1:${upstream};`);
  const prefix = path.join(work, 'nginx');
  await mkdir(prefix, { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${prefix}/${t};`).join('\n');
  await writeFile(
    path.join(prefix, 'nginx.conf'),
    `daemon off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log warn;\nevents { worker_connections 256; }\nhttp {\n    access_log ${prefix}/access.log;\n${temp}\n${block}\n}\n`,
  );
  const proc = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (c: Buffer) => (log += c));
  proc.stderr!.on('data', (c: Buffer) => (log += c));
  await waitForPort(port, proc, () => log);
  return { origin: `http://127.0.0.1:${port}`, stop: () => stopProcess(proc) };
}

async function startCaddy(work: string, port: number, upstream: number): Promise<Proxy> {
  const block = (await guideBlock('caddy')).replace('files.example.com', `http://127.0.0.1:${port}`).replace('127.0.0.1:8080', `127.0.0.1:${upstream}`);
  const home = path.join(work, 'caddy');
  await mkdir(home, { recursive: true });
  const file = path.join(home, 'Caddyfile');
  await writeFile(file, `{\n\tadmin off\n\tauto_https off\n}\n\n${block}`);
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home };
  const proc = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (c: Buffer) => (log += c));
  proc.stderr!.on('data', (c: Buffer) => (log += c));
  await waitForPort(port, proc, () => log);
  return { origin: `http://127.0.0.1:${port}`, stop: () => stopProcess(proc) };
}

function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** The guide's workflow with curl, split and openssl; prints the downloaded file's SHA-1 and the ids seen. */
const CURL_WORKFLOW = String.raw`
SIZE=$(wc -c < "$FILE" | tr -d ' ')
curl -sS -f -X POST "$ORIGIN/api/2.0/files/upload_sessions" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  -d "{\"folder_id\": \"0\", \"file_size\": $SIZE, \"file_name\": \"$NAME\"}" -D create.headers -o session.json
PART_SIZE=$(node -e 'console.log(require("./session.json").part_size)')
UPLOAD_URL=$(node -e 'console.log(require("./session.json").session_endpoints.upload_part)')
COMMIT_URL=$(node -e 'console.log(require("./session.json").session_endpoints.commit)')
split -b "$PART_SIZE" -d -a 4 "$FILE" part.
OFFSET=0; PARTS=""
for p in part.*; do
  LEN=$(wc -c < "$p" | tr -d ' ')
  DIGEST=$(openssl sha1 -binary "$p" | base64)
  curl -sS -f -X PUT "$UPLOAD_URL" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" \
    -H "Digest: sha=$DIGEST" -H "Content-Range: bytes $OFFSET-$((OFFSET + LEN - 1))/$SIZE" --data-binary @"$p" -o put.json
  PARTS="$PARTS$(node -e 'process.stdout.write(JSON.stringify(require("./put.json").part))'),"
  OFFSET=$((OFFSET + LEN))
done
WHOLE=$(openssl sha1 -binary "$FILE" | base64)
STATUS=000
for try in 1 2 3 4 5 6 7 8 9 10; do
  STATUS=$(curl -sS -X POST "$COMMIT_URL" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Digest: sha=$WHOLE" \
    -d "{\"parts\": [$(printf '%s' "$PARTS" | sed 's/,$//')]}" -o commit.json -w '%{http_code}')
  [ "$STATUS" = 202 ] || break
  sleep 1
done
[ "$STATUS" = 201 ]
FILE_ID=$(node -e 'console.log(require("./commit.json").entries[0].id)')
curl -sS -f "$ORIGIN/2.0/files/$FILE_ID/content" -H "Authorization: Bearer $TOKEN" -o download.bin
echo "sha1=$(openssl sha1 -r download.bin | cut -d' ' -f1)"
echo "request_id=$(grep -i '^x-request-id:' create.headers | tr -d '\r' | cut -d' ' -f2)"
`;

for (const [name, start] of [
  ['nginx', startNginx],
  ['Caddy', startCaddy],
] as const) {
  describe(`DEPLOY.md: ${name} in front of tranche serve`, () => {
    let work: string;
    let server: TestServer;
    let proxy: Proxy;
    let token: string;

    before(async () => {
      work = await mkdtemp(path.join(tmpdir(), `tranche-${name.toLowerCase()}-`));
      const port = await freePort();
      server = await startServer({ args: ['--min-chunked-size', '100000', '--part-size', '65536', '--public-url', `http://127.0.0.1:${port}`, '--trust-proxy', '127.0.0.1'] });
      token = await server.token('proxied');
      proxy = await start(work, port, server.port);
    });
    after(async () => {
      await proxy?.stop();
      await server?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    test("the guide's curl workflow through the proxy: parts stream, commit, download; the proxy's request id is used", async () => {
      const file = path.join(work, 'video.mp4');
      const sha1 = await randomFile(file, 300_000);
      const { stdout } = await execFileP('bash', ['-c', `set -euo pipefail\n${CURL_WORKFLOW}`], {
        cwd: work,
        env: { ...process.env, ORIGIN: proxy.origin, TOKEN: token, FILE: file, NAME: `guide-${Date.now()}.mp4` },
        maxBuffer: 16 * 1024 * 1024,
      });
      assert.match(stdout, new RegExp(`^sha1=${sha1}$`, 'm'));
      const requestId = /^request_id=(\S+)$/m.exec(stdout)?.[1];
      // nginx's $request_id is 32 hex digits, Caddy's a UUID; Tranche's own ids are 16 hex digits.
      assert.match(requestId ?? '', name === 'nginx' ? /^[0-9a-f]{32}$/ : /^[0-9a-f-]{36}$/, `forwarded id, got ${requestId}`);
      assert.ok(server.output().includes(`"request_id":"${requestId}"`), 'the same id in the server log');
    });

    test('tranche upload and download through the proxy', async () => {
      const file = path.join(work, 'cli.bin');
      const sha1 = await randomFile(file, 400_000);
      const env = { TRANCHE_SERVER: proxy.origin, TRANCHE_TOKEN: token, TRANCHE_STATE_DIR: path.join(work, 'state') };
      const up = await runCli(['upload', file, '--json', '--min-chunked-size', '100000'], env);
      assert.equal(up.code, 0, up.stderr);
      const [committed] = eventsOf(up, 'committed');
      assert.equal(committed?.['sha1'], sha1);
      assert.ok(eventsOf(up, 'part').length >= 2, 'a chunked upload');
      const out = path.join(work, 'cli.out');
      const down = await runCli(['download', String(committed!['fileId']), '-o', out], env);
      assert.equal(down.code, 0, down.stderr);
      assert.equal(await sha1Of(out), sha1);
    });
  });
}

describe('the guide names only metrics that exist', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
  });

  test('every tranche_ name in DEPLOY.md, OPERATIONS.md and the dashboard is exported', async () => {
    // Every registered family has a TYPE line, samples or not.
    const exposition = await (await fetch(`${server.origin}/metrics`)).text();
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    assert.ok((await scrape(server.origin)).length > 0);
    const texts = await Promise.all(['docs/DEPLOY.md', 'docs/OPERATIONS.md', 'docs/grafana-dashboard.json'].map((f) => readFile(path.join(REPO_ROOT, f), 'utf8')));
    const named = new Set(texts.flatMap((t) => [...t.matchAll(/\btranche_[a-z_]+[a-z]\b/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    const missing = [...named].filter((n) => !exported.has(n) && !n.startsWith('tranche_process'));
    assert.deepEqual(missing, []);
    assert.ok(named.size >= 20);
  });
});
