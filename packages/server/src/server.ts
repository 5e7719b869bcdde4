/** Wires stores, domain and HTTP edge into a running server, and shuts it down gracefully. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { WorkerRangeHasher } from './domain/hashing/worker-range-hasher.js';
import type { DomainContext } from './domain/context.js';
import { createDomain, type Domain } from './domain/index.js';
import { resolvePolicy, type UploadPolicy } from './domain/options.js';
import { buildApp, type HttpOptions } from './http/app.js';
import { withGracefulShutdown } from './shutdown.js';
import type { BlobStore } from './store/blob-store.js';
import { databaseKind, openBlobStore, openMetadataStore, type BlobOptions, type StoreOptions } from './stores.js';

/** Spooled parts older than this belong to sessions long gone (a spool is only a cache). */
const SPOOL_MAX_AGE_MS = 24 * 3600_000;

export interface TrancheServerOptions extends StoreOptions, HttpOptions {
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
}

export interface TrancheServer {
  url: string;
  publicUrl: string;
  /** Whether the browser uploader is served at `/`. */
  webPage: boolean;
  app: FastifyInstance;
  domain: Domain;
  close(): Promise<void>;
}

export async function startTranche(options: TrancheServerOptions): Promise<TrancheServer> {
  const blobOptions: BlobOptions = { dataDir: options.dataDir, blob: options.blob, spoolDir: options.spoolDir ?? path.join(options.dataDir, 'spool') };
  const blobs = await openBlobStore(blobOptions);
  checkPartSize(blobs, options.policy?.fixedPartSize);
  await (blobs as BlobStore & { sweep?(maxAgeMs: number): Promise<void> }).sweep?.(SPOOL_MAX_AGE_MS);
  const meta = await openMetadataStore(options);
  // The public URL may depend on the port the OS picks: the policy is completed once listening.
  const ctx: DomainContext = {
    meta,
    blobs,
    policy: resolvePolicy({ ...options.policy, publicUrl: options.publicUrl ?? 'http://placeholder' }),
    now: () => new Date(),
    log: console,
  };
  const hashWorker = new WorkerRangeHasher(new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: blobOptions }));
  const domain = createDomain(ctx, { ranges: hashWorker, clustered: databaseKind(options) === 'postgres', instanceId: options.instanceId ?? randomUUID(), orphanAgeMs: options.orphanAgeMs });
  const app = withGracefulShutdown(await buildApp(domain, options), options.shutdownTimeoutMs);
  ctx.log = app.log;
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const publicUrl = options.publicUrl ?? (options.host === '0.0.0.0' || options.host === '::' ? `http://127.0.0.1:${port}` : url);
  ctx.policy = resolvePolicy({ ...options.policy, publicUrl });
  domain.janitor.start(options.janitorIntervalMs ?? 60_000);
  void domain.janitor.sweep();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const timeout = options.shutdownTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([app.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
      clearTimeout(timer);
      app.server.closeAllConnections();
      await domain.janitor.stop();
      domain.hasher.stop();
      await hashWorker.close();
      await meta.close();
    })());
  return { url, publicUrl, webPage: app.hasRoute({ method: 'GET', url: '/' }), app, domain, close };
}

function checkPartSize(blobs: BlobStore, fixedPartSize: number | null | undefined): void {
  if (blobs.minPartSize !== undefined && fixedPartSize != null && fixedPartSize < blobs.minPartSize) {
    throw new Error(`--part-size ${fixedPartSize} is below the blob store's minimum part size ${blobs.minPartSize}`);
  }
}
