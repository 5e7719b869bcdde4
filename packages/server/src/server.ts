/** Wires stores, domain and HTTP edge into a running server, and shuts it down gracefully. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Fastify, { type FastifyInstance } from 'fastify';
import { WorkerRangeHasher } from './domain/hashing/worker-range-hasher.js';
import type { DomainContext } from './domain/context.js';
import { createDomain, type Domain } from './domain/index.js';
import { ScheduledIntegrityCheck } from './domain/integrity-schedule.js';
import { resolvePolicy, type UploadPolicy } from './domain/options.js';
import { buildApp, type HttpOptions } from './http/app.js';
import { operationsRoutes } from './http/operations-routes.js';
import { instrumentStore } from './observability/instrumented-store.js';
import { TrancheMetrics } from './observability/metrics.js';
import { Readiness } from './observability/readiness.js';
import { withGracefulShutdown } from './shutdown.js';
import type { BlobStore } from './store/blob-store.js';
import { operationsOf } from './store/operations-store.js';
import { databaseKind, openBlobStore, openMetadataStore, type BlobOptions, type StoreOptions } from './stores.js';

/** Spooled parts older than this belong to sessions long gone (a spool is only a cache). */
const SPOOL_MAX_AGE_MS = 24 * 3600_000;

export interface TrancheServerOptions extends StoreOptions, Omit<HttpOptions, 'operations' | 'operationsListener'> {
  host: string;
  port: number;
  /** Origin for session_endpoints and upload_url (default http://HOST:PORT of the listening socket). */
  publicUrl?: string;
  policy?: Partial<Omit<UploadPolicy, 'publicUrl'>>;
  /** How often the janitor releases expired and aborted sessions (default 60 s). */
  janitorIntervalMs?: number;
  /** How long the janitor leaves an upload blob without a session alone before removing it (default 1 h). */
  orphanAgeMs?: number;
  /** How long a shutdown lets in-flight requests finish (default 30 s). */
  shutdownTimeoutMs?: number;
  /** This instance's name in part claims and logs (default: a random UUID). */
  instanceId?: string;
  /** Serve /livez, /readyz and /metrics on this port instead of the main listener (0: any free port). */
  metricsPort?: number;
  /** Interface of the operations listener (default: `host`). */
  metricsHost?: string;
  /** /readyz fails when a local directory the server writes to has less free space than this (default 1 GiB). */
  minFreeDiskBytes?: number;
  /** On shutdown, how long /readyz answers 503 while everything else still serves, before closing (default 0). */
  drainDelayMs?: number;
  /** Run the integrity check continuously, reading at most this many bytes a second (default 0: off). */
  fsckBytesPerSecond?: number;
  /** Pause between two passes of the continuous integrity check (default 1 h). */
  fsckIntervalMs?: number;
}

export const DEFAULT_MIN_FREE_DISK_BYTES = 1024 ** 3;

export interface TrancheServer {
  url: string;
  publicUrl: string;
  /** Where /livez, /readyz and /metrics answer: `url`, or the operations listener's own. */
  operationsUrl: string;
  /** Whether the browser uploader is served at `/`. */
  webPage: boolean;
  app: FastifyInstance;
  domain: Domain;
  metrics: TrancheMetrics;
  readiness: Readiness;
  close(): Promise<void>;
}

export async function startTranche(options: TrancheServerOptions): Promise<TrancheServer> {
  const blobOptions: BlobOptions = { dataDir: options.dataDir, blob: options.blob, spoolDir: options.spoolDir ?? path.join(options.dataDir, 'spool') };
  const instanceId = options.instanceId ?? randomUUID();
  let domain: Domain | undefined;
  const rawMeta = await openMetadataStore(options);
  const ops = operationsOf(rawMeta);
  const metrics = new TrancheMetrics({
    openSessions: () => ops.countOpenSessions(new Date()),
    hashBacklogBytes: () => domain?.hasher.backlogBytes ?? 0,
  });
  const rawBlobs = await openBlobStore(blobOptions);
  checkPartSize(rawBlobs, options.policy?.fixedPartSize);
  await (rawBlobs as BlobStore & { sweep?(maxAgeMs: number): Promise<void> }).sweep?.(SPOOL_MAX_AGE_MS);
  const blobs = instrumentStore(rawBlobs, 'blob', metrics);
  const meta = instrumentStore(rawMeta, 'metadata', metrics);
  metrics.setCorruptVersions((await ops.corruptVersions()).length);
  // The public URL may depend on the port the OS picks: the policy is completed once listening.
  const ctx: DomainContext = {
    meta,
    blobs,
    policy: resolvePolicy({ ...options.policy, publicUrl: options.publicUrl ?? 'http://placeholder' }),
    now: () => new Date(),
    log: console,
    events: metrics,
  };
  const hashWorker = new WorkerRangeHasher(new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: blobOptions }));
  domain = createDomain(ctx, { ranges: hashWorker, clustered: databaseKind(options) === 'postgres', instanceId, orphanAgeMs: options.orphanAgeMs });
  const readiness = new Readiness({
    pingMetadata: () => ops.ping(),
    blobs,
    probeKey: `health/${instanceId.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    disks: localDirectories(options, blobOptions),
    minFreeBytes: options.minFreeDiskBytes ?? DEFAULT_MIN_FREE_DISK_BYTES,
  });
  const operations = { metrics, readiness };
  const ownListener = options.metricsPort !== undefined;
  const app = withGracefulShutdown(await buildApp(domain, { ...options, operations, operationsListener: ownListener }), options.shutdownTimeoutMs);
  ctx.log = app.log;
  await app.listen({ host: options.host, port: options.port });
  let operationsApp: FastifyInstance | undefined;
  let operationsUrl: string | undefined;
  if (ownListener) {
    operationsApp = Fastify({ loggerInstance: app.log, disableRequestLogging: true });
    await operationsApp.register(operationsRoutes, operations);
    const host = options.metricsHost ?? options.host;
    await operationsApp.listen({ host, port: options.metricsPort });
    const bound = operationsApp.server.address();
    operationsUrl = `http://${host.includes(':') ? `[${host}]` : host}:${typeof bound === 'object' && bound ? bound.port : options.metricsPort}`;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const publicUrl = options.publicUrl ?? (options.host === '0.0.0.0' || options.host === '::' ? `http://127.0.0.1:${port}` : url);
  ctx.policy = resolvePolicy({ ...options.policy, publicUrl });
  domain.janitor.start(options.janitorIntervalMs ?? 60_000);
  void domain.janitor.sweep();
  const fsck = options.fsckBytesPerSecond
    ? new ScheduledIntegrityCheck(ctx, ops, { bytesPerSecond: options.fsckBytesPerSecond, intervalMs: options.fsckIntervalMs, onCorruptCount: (n) => metrics.setCorruptVersions(n) })
    : undefined;
  fsck?.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      readiness.drain();
      if (options.drainDelayMs) await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
      const timeout = options.shutdownTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([app.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
      clearTimeout(timer);
      app.server.closeAllConnections();
      await fsck?.stop();
      await domain.janitor.stop();
      domain.hasher.stop();
      await hashWorker.close();
      await operationsApp?.close();
      await meta.close();
    })());
  return { url, publicUrl, operationsUrl: operationsUrl ?? url, webPage: app.hasRoute({ method: 'GET', url: '/' }), app, domain, metrics, readiness, close };
}

/** The local directories the server writes to, whose free space /readyz watches. */
function localDirectories(options: TrancheServerOptions, blobs: BlobOptions): string[] {
  const dirs: string[] = [];
  if (databaseKind(options) === 'sqlite') {
    dirs.push(options.database?.startsWith('sqlite:') ? path.dirname(options.database.slice('sqlite:'.length)) : options.dataDir);
  }
  if (blobs.blob?.startsWith('s3://')) dirs.push(blobs.spoolDir ?? path.join(options.dataDir, 'spool'));
  else dirs.push(blobs.blob?.startsWith('file:') ? blobs.blob.slice('file:'.length) : path.join(options.dataDir, 'blobs'));
  return dirs;
}

function checkPartSize(blobs: BlobStore, fixedPartSize: number | null | undefined): void {
  if (blobs.minPartSize !== undefined && fixedPartSize != null && fixedPartSize < blobs.minPartSize) {
    throw new Error(`--part-size ${fixedPartSize} is below the blob store's minimum part size ${blobs.minPartSize}`);
  }
}
