/** Wires stores, domain and HTTP edge into a running server, and shuts it down gracefully. */
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { WorkerRangeHasher } from './domain/hashing/worker-range-hasher.js';
import type { DomainContext } from './domain/context.js';
import { createDomain, type Domain } from './domain/index.js';
import { resolvePolicy, type UploadPolicy } from './domain/options.js';
import { buildApp, type HttpOptions } from './http/app.js';
import { openBlobStore, openMetadataStore, type StoreOptions } from './stores.js';

export interface TrancheServerOptions extends StoreOptions, HttpOptions {
  host: string;
  port: number;
  /** Origin for session_endpoints and upload_url (default http://HOST:PORT of the listening socket). */
  publicUrl?: string;
  policy?: Partial<Omit<UploadPolicy, 'publicUrl'>>;
  /** How often the janitor releases expired and aborted sessions (default 60 s). */
  janitorIntervalMs?: number;
  /** How long a shutdown lets in-flight requests finish (default 30 s). */
  shutdownTimeoutMs?: number;
}

export interface TrancheServer {
  url: string;
  publicUrl: string;
  app: FastifyInstance;
  domain: Domain;
  close(): Promise<void>;
}

export async function startTranche(options: TrancheServerOptions): Promise<TrancheServer> {
  const meta = await openMetadataStore(options);
  const blobs = await openBlobStore(options);
  // The public URL may depend on the port the OS picks: the policy is completed once listening.
  const ctx: DomainContext = {
    meta,
    blobs,
    policy: resolvePolicy({ ...options.policy, publicUrl: options.publicUrl ?? 'http://placeholder' }),
    now: () => new Date(),
    log: console,
  };
  const hashWorker = new WorkerRangeHasher(new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: { dataDir: options.dataDir } satisfies StoreOptions }));
  const domain = createDomain(ctx, hashWorker);
  const app = await buildApp(domain, options);
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
      await hashWorker.close();
      await meta.close();
    })());
  return { url, publicUrl, app, domain, close };
}
