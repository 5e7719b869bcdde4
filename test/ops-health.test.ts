/**
 * GET /livez and /readyz over real HTTP (issue 15): ready when the stores answer and there is room; 503 when the
 * blob directory cannot be written (replaced by a file: chmod does not stop root, which the tests run as), when
 * PostgreSQL cannot be reached (a TCP relay in front of it is stopped), when free space is below the threshold, and
 * while draining on SIGTERM. Also the operations listener of its own (--metrics-port).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createThrowawayDatabase, ADMIN_URL, type ThrowawayDatabase } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';
import { Api, assertError, assertStatus } from './helpers/http.js';

interface Readyz {
  status: number;
  body: { status: string; checks?: Array<{ name: string; ok: boolean; detail: string }> };
}

async function readyz(origin: string): Promise<Readyz> {
  const res = await fetch(`${origin}/readyz?verbose`);
  return { status: res.status, body: (await res.json()) as Readyz['body'] };
}

/** Asks until the status is `status` (the report is cached for a second), bounded. */
async function readyzUntil(origin: string, status: number, timeoutMs = 15_000): Promise<Readyz> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await readyz(origin);
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const failed = (r: Readyz): string[] => (r.body.checks ?? []).filter((c) => !c.ok).map((c) => c.name);

describe('health on SQLite + local disk', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.dispose();
  });

  test('/livez answers 200 without a token; /readyz 200 with every check listed under ?verbose', async () => {
    const live = await fetch(`${server.origin}/livez`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'ok' });
    const ready = await readyz(server.origin);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    const names = ready.body.checks!.map((c) => c.name);
    assert.ok(names.includes('metadata') && names.includes('blobs') && names.includes('shutdown'), names.join());
    assert.ok(names.some((n) => n.startsWith('disk:')));
    const terse = await fetch(`${server.origin}/readyz`);
    assert.deepEqual(await terse.json(), { status: 'ready' });
  });

  test('/readyz goes 503 while the blob directory cannot be written, and 200 again once it can', async () => {
    const blobs = path.join(server.dataDir, 'blobs');
    await rename(blobs, `${blobs}.away`);
    await writeFile(blobs, 'not a directory');
    try {
      const broken = await readyzUntil(server.origin, 503);
      assert.equal(broken.status, 503);
      assert.equal(broken.body.status, 'not ready');
      assert.deepEqual(failed(broken), ['blobs']);
      // The API itself is unaffected for reads; liveness too.
      assert.equal((await fetch(`${server.origin}/livez`)).status, 200);
    } finally {
      await rm(blobs);
      await rename(`${blobs}.away`, blobs);
    }
    assert.equal((await readyzUntil(server.origin, 200)).status, 200);
  });
});

describe('health thresholds, draining and the operations listener', () => {
  test('free space below --min-free-disk → 503 naming the disk check', async () => {
    const server = await startServer({ args: ['--min-free-disk', String(2 ** 52)] });
    try {
      const res = await readyz(server.origin);
      assert.equal(res.status, 503);
      assert.ok(failed(res).length >= 1 && failed(res).every((n) => n.startsWith('disk:')), failed(res).join());
    } finally {
      await server.dispose();
    }
  });

  test('SIGTERM with --drain-delay: /readyz 503 while the API still serves, then the process exits', async () => {
    const server = await startServer({ args: ['--drain-delay', '3'] });
    try {
      const api = new Api(server.origin, await server.token('dana'));
      assert.equal((await readyz(server.origin)).status, 200);
      server.process.kill('SIGTERM');
      const draining = await readyzUntil(server.origin, 503, 2_500);
      assert.equal(draining.status, 503);
      assert.deepEqual(failed(draining), ['shutdown']);
      assertStatus(await api.get('/2.0/folders/0'), 200);
      const exit = await new Promise<number | null>((resolve) => server.process.once('exit', resolve));
      assert.equal(exit, 0);
    } finally {
      await server.dispose();
    }
  });

  test('--metrics-port moves /livez, /readyz and /metrics to their own listener', async () => {
    const server = await startServer({ args: ['--metrics-port', '0'] });
    try {
      // The line follows the "listening on" line that startServer waits for: it may arrive a moment later.
      const pattern = /Operations: +(http:\/\/127\.0\.0\.1:\d+)\/metrics/;
      for (let i = 0; i < 100 && !pattern.test(server.output()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const match = pattern.exec(server.output());
      assert.ok(match, server.output());
      const ops = match[1]!;
      assert.equal((await fetch(`${ops}/livez`)).status, 200);
      assert.equal((await fetch(`${ops}/readyz`)).status, 200);
      const metrics = await fetch(`${ops}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^# HELP tranche_/m);
      const api = new Api(server.origin, await server.token('fred'));
      assertError(await api.get('/metrics'), 404, 'not_found');
      assertError(await api.get('/readyz'), 404, 'not_found');
    } finally {
      await server.dispose();
    }
  });
});

describe('health on PostgreSQL', () => {
  let db: ThrowawayDatabase;
  let relay: TcpRelay;
  let server: TestServer;

  before(async () => {
    db = await createThrowawayDatabase();
    const target = new URL(ADMIN_URL);
    relay = await TcpRelay.start(target.hostname, Number(target.port || 5432));
    const url = new URL(db.url);
    url.port = String(relay.port);
    server = await startServer({ args: ['--database', url.href] });
  });
  after(async () => {
    await server?.dispose();
    await relay?.stop();
    await db?.drop();
  });

  test('/readyz goes 503 while the database cannot be reached, and 200 again once it can', async () => {
    assert.equal((await readyz(server.origin)).status, 200);
    await relay.stop();
    const down = await readyzUntil(server.origin, 503, 45_000);
    assert.equal(down.status, 503);
    assert.deepEqual(failed(down), ['metadata']);
    await relay.listen();
    assert.equal((await readyzUntil(server.origin, 200, 45_000)).status, 200);
  });
});

/** A TCP relay on a fixed loopback port that can be stopped (every connection cut) and started again. */
class TcpRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  static async start(host: string, port: number): Promise<TcpRelay> {
    const relay = new TcpRelay(host, port);
    await relay.listen();
    return relay;
  }

  async listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
