/**
 * One user must not degrade another (issue 11): user B's GET /2.0/folders/0 while user A sends 4 MiB commit bodies
 * (10,000 listed parts each) on 3 connections without pause, creates sessions at its whole request budget (1,000 a
 * minute, the default rate limit) and holds 300 connections with half a request head, against B's figures with A
 * idle, in alternating rounds of the same run. Bounds: p50 within 2×; p99 within 5× (the tail on a shared 2-core
 * machine moves with whatever else runs). Method, figures and what is not covered: docs/RELIABILITY.md, "Fairness".
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measureFairness, percentile } from './helpers/fairness.js';
import { Api, assertStatus } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const PART = 1024;
let server: TestServer;
let tokenA: string;
let tokenB: string;

before(async () => {
  // A and B share 127.0.0.1 here: the per-address connection cap (an outsider's limit, tested in
  // hostile-connection-flood) would refuse A's extra connections and B's alike; this measures users with tokens.
  server = await startServer({ args: ['--min-chunked-size', '1000', '--part-size', String(PART), '--log-level', 'warn', '--max-connections-per-address', '0'] });
  tokenA = await server.token('abuser');
  tokenB = await server.token('bystander');
  const b = new Api(server.origin, tokenB);
  for (let i = 0; i < 20; i++) assertStatus(await b.post('/2.0/folders', { name: `folder-${i}`, parent: { id: '0' } }), 201);
});
after(async () => {
  await server?.dispose();
});

test('B\'s folder listing while A abuses stays within 2× (p50) and 5× (p99) of B\'s figures with A idle', { timeout: 180_000 }, async () => {
  // B's 50 + 20 × 2 × 20 listings (and 20 folders) stay within its own budget of 1,000 a minute.
  const result = await measureFairness({ origin: server.origin, tokenA, tokenB, partSize: PART, commitLoops: 3, sessionLoops: 2, sessionsPerSecond: 16, idleConnections: 300, rounds: 20, samples: 20 });
  const figures = {
    idle: { p50: percentile(result.idle, 50), p99: percentile(result.idle, 99) },
    abused: { p50: percentile(result.abused, 50), p99: percentile(result.abused, 99) },
  };
  const line = `idle p50 ${figures.idle.p50.toFixed(2)} ms p99 ${figures.idle.p99.toFixed(2)} ms; abused p50 ${figures.abused.p50.toFixed(2)} ms p99 ${figures.abused.p99.toFixed(2)} ms; A's requests ${JSON.stringify(result.abuse)}`;
  console.log(`fairness: ${line}`);
  // The abuse really happened: huge commit bodies parsed and refused, sessions created.
  assert.ok((result.abuse['commit 400'] ?? 0) >= 4, `A's 4 MiB commits were parsed and refused: ${line}`);
  assert.ok((result.abuse['session 201'] ?? 0) >= 10, `A created sessions: ${line}`);
  assert.ok(figures.abused.p50 <= 2 * figures.idle.p50, `p50 within 2×: ${line}`);
  assert.ok(figures.abused.p99 <= 5 * Math.max(figures.idle.p99, 2), `p99 within 5×: ${line}`);
});
