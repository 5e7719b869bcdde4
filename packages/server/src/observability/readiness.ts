/**
 * Whether this instance should get traffic (GET /readyz): the metadata store answers, the blob store takes a write,
 * every local directory it writes to has room, and it is not shutting down. Each check is bounded in time; checks
 * run at most once per `cacheMs` however often a balancer asks, and never two at once.
 */
import { access, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../store/blob-store.js';
import prettyBytes from 'pretty-bytes';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen, for `?verbose` and logs. */
  detail: string;
  ms: number;
}

export interface ReadinessReport {
  ready: boolean;
  checks: CheckResult[];
}

export interface ReadinessOptions {
  /** Answers when the metadata store can run a query (throws otherwise). */
  pingMetadata(): Promise<void>;
  blobs: BlobStore;
  /** The key written and deleted to prove the blob store takes writes (one per instance). */
  probeKey: string;
  /** Local directories the server writes to (SQLite, blobs, spool) and the free space each needs. */
  disks: string[];
  minFreeBytes: number;
  /** Per check (default 5 s). */
  timeoutMs?: number;
  /** Reports younger than this are reused (default 1 s). */
  cacheMs?: number;
}

export class Readiness {
  private draining = false;
  private last: { at: number; report: Promise<ReadinessReport> } | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  /** From now on the instance reports not ready (SIGTERM: let the balancer drain it). */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  report(): Promise<ReadinessReport> {
    const now = Date.now();
    if (this.last && now - this.last.at < (this.options.cacheMs ?? 1_000)) return this.withDrain(this.last.report);
    const report = this.run();
    this.last = { at: now, report };
    return this.withDrain(report);
  }

  private async withDrain(pending: Promise<ReadinessReport>): Promise<ReadinessReport> {
    const report = await pending;
    const shutdown: CheckResult = { name: 'shutdown', ok: !this.draining, detail: this.draining ? 'shutting down' : 'serving', ms: 0 };
    const checks = [...report.checks, shutdown];
    return { ready: checks.every((c) => c.ok), checks };
  }

  private async run(): Promise<ReadinessReport> {
    const { options } = this;
    const checks = await Promise.all([
      this.timed('metadata', async () => {
        await options.pingMetadata();
        return 'reachable';
      }),
      this.timed('blobs', async () => {
        const bytes = new TextEncoder().encode(new Date().toISOString());
        await options.blobs.put(options.probeKey, (async function* () {
          yield bytes;
        })());
        await options.blobs.delete(options.probeKey);
        return 'writable';
      }),
      ...[...new Set(options.disks)].map((dir) =>
        this.timed(`disk:${dir}`, async () => {
          const stats = await statfs(await existingAncestor(dir));
          const free = stats.bavail * stats.bsize;
          const detail = `${prettyBytes(free, { binary: true })} free, ${prettyBytes(options.minFreeBytes, { binary: true })} required`;
          if (free < options.minFreeBytes) throw new Error(detail);
          return detail;
        }),
      ),
    ]);
    return { ready: checks.every((c) => c.ok), checks };
  }

  private async timed(name: string, check: () => Promise<string>): Promise<CheckResult> {
    const started = performance.now();
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const detail = await Promise.race([
        check(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return { name, ok: true, detail, ms: Math.round(performance.now() - started) };
    } catch (error) {
      return { name, ok: false, detail: oneLine(error), ms: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The directory itself, or its nearest ancestor that exists (a spool is created with its first part). */
async function existingAncestor(dir: string): Promise<string> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      await access(at);
      return at;
    } catch (error) {
      const parent = path.dirname(at);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw error;
      at = parent;
    }
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ` : ''}${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}
