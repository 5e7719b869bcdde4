/**
 * A load balancer on loopback in front of several Tranche instances, as nginx would be: every request goes to a
 * backend picked at random (no stickiness), bodies stream through both ways. A backend that refuses the
 * connection answers 502, like nginx with no retry for non-idempotent requests; the client retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { prng } from './fault-proxy.js';

export interface Balancer {
  origin: string;
  /** Backend origins, replaced freely (e.g. to follow a restarted instance). */
  backends: string[];
  /** Requests sent to each backend origin, and 502s answered because one was down. */
  stats: { sent: Map<string, number>; refused: number };
  close(): Promise<void>;
}

export async function startBalancer(seed = 7): Promise<Balancer> {
  const random = prng(seed);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const balancer: Balancer = { origin: '', backends: [], stats: { sent: new Map(), refused: 0 }, close: async () => {} };

  const server = http.createServer((req, res) => {
    const backend = balancer.backends[Math.floor(random() * balancer.backends.length)];
    if (!backend) {
      res.writeHead(503).end();
      return;
    }
    balancer.stats.sent.set(backend, (balancer.stats.sent.get(backend) ?? 0) + 1);
    const upstream = http.request(`${backend}${req.url}`, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      balancer.stats.refused++;
      req.resume();
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end('bad gateway');
      else res.destroy();
    });
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
  // Like nginx's keepalive_timeout: idle client connections outlive the pauses of a test.
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  balancer.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  balancer.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    agent.destroy();
  };
  return balancer;
}
