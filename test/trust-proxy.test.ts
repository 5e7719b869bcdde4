/**
 * Behind a proxy every client arrives from the proxy's address. `--trust-proxy` names the proxies whose
 * `X-Forwarded-For` tells the client: per-address budgets and the request log then count the real client, and the
 * proxy's own connections are not held to the per-address cap. From any other peer the header is ignored, so a
 * client cannot buy itself fresh budgets by making one up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { flood, requestFrom } from './helpers/connection-flood.js';
import { CLI_BIN, startServer, type TestServer } from './helpers/server.js';


const PROXY = '127.0.0.1';
const OTHER = '127.0.0.2';
const BUDGET = 3;
const PER_ADDRESS = 4;

describe(`--trust-proxy ${PROXY} --anonymous-rate-limit ${BUDGET} --max-connections-per-address ${PER_ADDRESS}`, () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ args: ['--trust-proxy', PROXY, '--anonymous-rate-limit', String(BUDGET), '--max-connections-per-address', String(PER_ADDRESS)] });
  });
  after(async () => {
    await server?.dispose();
  });

  const anonymous = (from: string, forwardedFor?: string) =>
    requestFrom(from, server.port, '/2.0/folders/0', { token: 'not-a-token', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

  test('through the trusted proxy, each forwarded client has a budget of its own', async () => {
    for (let i = 0; i < BUDGET; i++) assert.equal((await anonymous(PROXY, '198.51.100.1')).status, 401);
    assert.equal((await anonymous(PROXY, '198.51.100.1')).status, 429, 'the forwarded client spent its budget');
    // Another client behind the same proxy, and a chain where the proxy appended the real client last.
    assert.equal((await anonymous(PROXY, '198.51.100.2')).status, 401);
    assert.equal((await anonymous(PROXY, '10.9.9.9, 198.51.100.3')).status, 401);
  });

  test('from an untrusted peer the header is ignored: a made-up X-Forwarded-For buys no fresh budget', async () => {
    const statuses = [];
    for (let i = 0; i <= BUDGET; i++) statuses.push((await anonymous(OTHER, `203.0.113.${i}`)).status);
    assert.deepEqual(statuses, [...new Array(BUDGET).fill(401), 429]);
  });

  test('the log line names the forwarded client through the proxy, the peer otherwise', async () => {
    const viaProxy = await anonymous(PROXY, '198.51.100.9');
    const direct = await anonymous('127.0.0.3', '198.51.100.10');
    const clientOf = async (id: string): Promise<string | undefined> => {
      for (let waited = 0; waited < 10_000; waited += 50) {
        const line = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { request_id?: string; msg?: string; client?: string }).find((l) => l.msg === 'request' && l.request_id === id);
        if (line) return line.client;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    };
    assert.equal(await clientOf(String(viaProxy.headers['x-request-id'])), '198.51.100.9');
    assert.equal(await clientOf(String(direct.headers['x-request-id'])), '127.0.0.3');
  });

  test("the proxy's connections are not capped per address; any other peer's are", async () => {
    const proxy = await flood(server.port, { from: PROXY, count: 3 * PER_ADDRESS });
    const other = await flood(server.port, { from: '127.0.0.4', count: 3 * PER_ADDRESS });
    try {
      await other.closedAtLeast(2 * PER_ADDRESS);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(proxy.closedByServer, 0, 'every connection of the trusted proxy is held');
      assert.equal(other.held(), PER_ADDRESS);
    } finally {
      proxy.destroy();
      other.destroy();
    }
  });
});

test('--trust-proxy refuses what is not an address or a range, naming it', () => {
  const run = spawnSync(process.execPath, [CLI_BIN, 'serve', '--trust-proxy', '10.0.0.0/8,proxy.example', '--print-config'], { encoding: 'utf8' });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /proxy\.example/);
});
