/**
 * Issue 11: one user must not degrade another. User B lists its root folder (GET /2.0/folders/0, 20 folders) over
 * one kept-alive connection while user A abuses the server, in short alternating phases (A idle, A abusing) of the
 * same run; the figures are B's p50 and p99 in each phase and their ratios. A (on its own thread,
 * test/helpers/fairness-abuser.ts, built into build/suite) sends 4 MiB commit bodies of 10,000 listed parts on 3
 * connections without pause, holds 300 connections with half a request head, and creates sessions: at its request
 * budget (16 a second, 1,000 a minute), and in a second run as fast as they are answered.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { CLI_BIN, REPO_ROOT } from '../lib/paths.mjs';
import { row } from '../lib/rows.mjs';
import { startTranche } from '../lib/tranche.mjs';
import { round } from '../lib/units.mjs';

const execFileP = promisify(execFile);
const PART = 1024;

async function run(ctx, label, sessionsPerSecond) {
  const { measureFairness, percentile } = await import(pathToFileURL(path.join(REPO_ROOT, 'build/suite/helpers/fairness.js')).href);
  const dataDir = await ctx.freshDir(`fairness-${label}`);
  // B's many samples would pass the default 1,000 requests a minute; A's pace is set by the abuser itself.
  const server = await startTranche({ dataDir, serveArgs: ['--part-size', String(PART), '--min-chunked-size', '1000', '--rate-limit', '0', '--max-connections-per-address', '0'] });
  try {
    const { stdout } = await execFileP(process.execPath, [CLI_BIN, 'token', 'create', '--user', 'bystander', '--data-dir', dataDir]);
    const tokenB = stdout.trim().split('\n').at(-1).trim();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.origin}/2.0/folders`, { method: 'POST', headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `folder-${i}`, parent: { id: '0' } }) });
      if (res.status !== 201) throw new Error(`folder for B: ${res.status} ${await res.text()}`);
    }
    const { rounds, samples } = ctx.sizes.fairness;
    const result = await measureFairness({ origin: server.origin, tokenA: server.token, tokenB, partSize: PART, commitLoops: 3, sessionLoops: 2, sessionsPerSecond, idleConnections: 300, rounds, samples });
    const f = (values, p) => percentile(values, p);
    return { idle50: f(result.idle, 50), idle99: f(result.idle, 99), abused50: f(result.abused, 50), abused99: f(result.abused, 99), abuse: result.abuse, n: result.idle.length };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function rows(label, r) {
  const note = `${r.n} samples per phase; A's requests ${JSON.stringify(r.abuse)}`;
  return [
    row('11 fairness', `B's listing p50, A idle / A abusing (${label})`, `${round(r.idle50, 2)} / ${round(r.abused50, 2)}`, 'ms', { note }),
    row('11 fairness', `p50 ratio (${label})`, round(r.abused50 / r.idle50, 2), '×', { target: '≤ 2', met: r.abused50 <= 2 * r.idle50 }),
    row('11 fairness', `B's listing p99, A idle / A abusing (${label})`, `${round(r.idle99, 2)} / ${round(r.abused99, 2)}`, 'ms'),
    row('11 fairness', `p99 ratio (${label})`, round(r.abused99 / r.idle99, 2), '×', { target: '≤ 2', met: r.abused99 <= 2 * r.idle99 }),
  ];
}

export default {
  name: 'fairness',
  title: 'Fairness: one user abusing, another listing',
  async run(ctx) {
    ctx.log('fairness: A creates sessions at its request budget');
    const budget = await run(ctx, 'budget', 16);
    ctx.log('fairness: A creates sessions without pause');
    const burst = await run(ctx, 'burst', 0);
    const { rounds, samples } = ctx.sizes.fairness;
    ctx.setting('fairness', `B: sequential GET /2.0/folders/0 (20 folders), ${rounds} rounds of ${samples} with A idle then ${samples} with A abusing; A: 3 connections of 4 MiB commit bodies (10,000 parts), 300 half-open connections, 2 connections creating sessions (16/s, then without pause); 1 KiB fixed part size`);
    return [...rows('sessions at 16/s', budget), ...rows('sessions without pause', burst)];
  },
};
