/**
 * The scale-out setup of issue 4 on loopback: one throwaway PostgreSQL database, one S3-compatible server
 * (fauxqs, or Ceph RGW with BENCH_S3=rgw: lib/s3.mjs) with a fresh bucket, N `tranche serve` processes over both (each with its own data dir, for its
 * spool), and a balancer in front that sends every request to a random instance. Every piece is its own process.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startBalancer } from './balancer.mjs';
import { CLI_BIN } from './paths.mjs';
import { backendCpuSpent, createThrowawayDatabase } from './postgres.mjs';
import { cpuSeconds, memory } from './proc-stats.mjs';
import { startService } from './processes.mjs';
import { startS3 } from './s3.mjs';

const execFileP = promisify(execFile);

/** `serverNodeArgs`: flags for node itself in every instance (e.g. --cpu-prof). */
export async function startCluster(ctx, { instances = 3, serverNodeArgs = [] } = {}) {
  const dir = await ctx.freshDir('cluster');
  const cluster = { dir, servers: [], stop: async () => {} };
  const stops = [];
  cluster.stop = async () => {
    // Everything that started, in reverse order; one failure does not keep the rest running.
    const failures = [];
    for (const stop of stops.reverse()) await stop().catch((error) => failures.push(error));
    await rm(dir, { recursive: true, force: true });
    if (failures.length) throw failures[0];
  };
  try {
    cluster.db = await createThrowawayDatabase();
    stops.push(() => cluster.db.drop());
    cluster.s3 = await startS3();
    stops.push(() => cluster.s3.stop());
    cluster.balancer = await startBalancer();
    stops.push(() => cluster.balancer.stop());
    // One after another: the first applies the migrations, the others find them applied.
    for (let i = 0; i < instances; i++) {
      const dataDir = path.join(dir, `instance-${i + 1}`);
      const args = [...serverNodeArgs, CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--database', cluster.db.url, '--blob', cluster.s3.blobUrl, '--public-url', cluster.balancer.origin];
      const server = await startService(args, { ready: /Tranche listening on (http:\/\/127\.0\.0\.1:\d+)/, env: cluster.s3.env });
      stops.push(() => server.stop());
      cluster.servers.push({ ...server, origin: server.match[1], dataDir });
    }
    await cluster.balancer.setBackends(cluster.servers.map((s) => s.origin));
    const { stdout } = await execFileP(process.execPath, [CLI_BIN, 'token', 'create', '--user', 'bench', '--database', cluster.db.url], { env: { ...process.env, ...cluster.s3.env } });
    cluster.token = stdout.trim().split('\n').at(-1).trim();
    cluster.origin = cluster.balancer.origin;
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw error;
  }
  return cluster;
}

/** CPU seconds of every process of the cluster, read now; `cpuSpent` subtracts two readings. */
export async function clusterCpu(cluster) {
  return {
    servers: await Promise.all(cluster.servers.map((s) => cpuSeconds(s.pid))),
    balancer: await cpuSeconds(cluster.balancer.pid),
    s3: await cluster.s3.cpuSeconds(),
    postgres: await cluster.db.backendCpu(),
  };
}

export function cpuSpent(before, after) {
  const servers = after.servers.map((seconds, i) => seconds - before.servers[i]);
  return {
    servers,
    serversTotal: servers.reduce((sum, s) => sum + s, 0),
    balancer: after.balancer - before.balancer,
    s3: after.s3 - before.s3,
    postgres: backendCpuSpent(before.postgres, after.postgres),
  };
}

/** Peak RSS (VmHWM, bytes) of each instance and of the S3 server, since they started. */
export async function clusterPeakRss(cluster) {
  return {
    servers: await Promise.all(cluster.servers.map(async (s) => (await memory(s.pid)).peakRssBytes)),
    s3: await cluster.s3.peakRssBytes(),
  };
}
