/**
 * The integrity check (`tranche fsck`, `serve --fsck-rate`): re-reads stored file versions through the blob store
 * and compares each with the SHA-1 it was committed with, at a bounded rate so that it does not starve uploads.
 * What it finds is recorded in the metadata store (a version known corrupt is refused to downloads) and reported to
 * the events watcher and the caller.
 */
import { createHash } from 'node:crypto';
import type { OperationsStore, StoredVersion } from '../store/operations-store.js';
import type { DomainContext } from './context.js';

export interface IntegrityOptions {
  /** Only this user's files. */
  user?: string;
  /** Check each version with this probability, in percent (default 100: all). */
  samplePercent?: number;
  /** Read at most this many bytes per second (default: unthrottled). */
  bytesPerSecond?: number;
  signal?: AbortSignal;
  /** Told of each version checked, as it is. */
  onChecked?(finding: Finding): void;
}

export type Outcome = 'ok' | 'corrupt' | 'unreadable';

export interface Finding {
  version: StoredVersion;
  outcome: Outcome;
  /** SHA-1 and size of what was read (when it could be read to the end). */
  actualSha1?: string;
  actualSize?: number;
  detail?: string;
}

export interface IntegrityReport {
  checked: number;
  skipped: number;
  bytes: number;
  /** Versions whose bytes are wrong or unreadable. */
  bad: Finding[];
  /** Versions that had been found bad before and are right again (restored). */
  repaired: number;
  seconds: number;
}

const PAGE = 100;

export class IntegrityCheck {
  constructor(
    private readonly ctx: DomainContext,
    private readonly ops: OperationsStore,
  ) {}

  async run(options: IntegrityOptions = {}): Promise<IntegrityReport> {
    const started = performance.now();
    const pace = new Pace(options.bytesPerSecond);
    const report: IntegrityReport = { checked: 0, skipped: 0, bytes: 0, bad: [], repaired: 0, seconds: 0 };
    const percent = options.samplePercent ?? 100;
    let afterId: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await this.ops.storedVersions({ user: options.user, afterId, limit: PAGE });
      for (const version of page) {
        if (percent < 100 && Math.random() * 100 >= percent) {
          report.skipped++;
          continue;
        }
        const finding = await this.check(version, pace, options.signal);
        report.checked++;
        report.bytes += finding.actualSize ?? 0;
        if (finding.outcome !== 'ok') report.bad.push(finding);
        else if (version.corruptAt !== null) report.repaired++;
        options.onChecked?.(finding);
      }
      if (page.length < PAGE) break;
      afterId = page[page.length - 1]!.versionId;
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  /** Reads one version back, compares, records the outcome. */
  async check(version: StoredVersion, pace = new Pace(undefined), signal?: AbortSignal): Promise<Finding> {
    let finding: Finding;
    try {
      const hash = createHash('sha1');
      let size = 0;
      for await (const chunk of await this.ctx.blobs.get(version.blobKey, undefined, signal)) {
        hash.update(chunk);
        size += chunk.byteLength;
        await pace.spent(chunk.byteLength, signal);
      }
      const actualSha1 = hash.digest('hex');
      const right = actualSha1 === version.sha1 && size === version.size;
      finding = {
        version,
        outcome: right ? 'ok' : 'corrupt',
        actualSha1,
        actualSize: size,
        ...(right ? {} : { detail: `read ${size} bytes with SHA-1 ${actualSha1}; committed ${version.size} bytes with SHA-1 ${version.sha1}` }),
      };
    } catch (error) {
      if (signal?.aborted) throw error;
      finding = { version, outcome: 'unreadable', detail: `unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}: ${(error as Error).message}`.slice(0, 500) };
    }
    await this.ops.recordCheck(version.versionId, this.ctx.now(), finding.outcome === 'ok' ? null : finding.detail!);
    this.ctx.events?.integrityChecked?.(finding.outcome, finding.actualSize ?? 0);
    if (finding.outcome !== 'ok') {
      this.ctx.log.error({ versionId: version.versionId, fileId: version.fileId, owner: version.ownerName, blobKey: version.blobKey, detail: finding.detail }, 'stored file failed the integrity check');
    }
    return finding;
  }
}

/** Keeps a reader at or under a byte rate: after each chunk, waits until the bytes so far are due. */
export class Pace {
  private readonly started = performance.now();
  private total = 0;

  constructor(private readonly bytesPerSecond: number | undefined) {}

  async spent(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.bytesPerSecond) return;
    this.total += bytes;
    const dueMs = (this.total / this.bytesPerSecond) * 1000 - (performance.now() - this.started);
    if (dueMs > 1) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, dueMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      });
    }
  }
}
