/**
 * `serve --fsck-rate BYTES/S`: the integrity check runs continuously in the background at that rate, one pass after
 * another with `--fsck-interval` between them, on one instance at a time across a cluster.
 */
import type { OperationsStore } from '../store/operations-store.js';
import type { DomainContext } from './context.js';
import { IntegrityCheck } from './integrity.js';

export interface ScheduleOptions {
  bytesPerSecond: number;
  /** Pause between two passes (default 1 h). */
  intervalMs?: number;
  /** Told how many versions are known corrupt after each finding of a bad one and after each pass. */
  onCorruptCount?(count: number): void;
}

export class ScheduledIntegrityCheck {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ctx: DomainContext,
    private readonly ops: OperationsStore,
    private readonly options: ScheduleOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('stopping'));
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    const check = new IntegrityCheck(this.ctx, this.ops);
    const count = async (): Promise<void> => this.options.onCorruptCount?.((await this.ops.corruptVersions()).length);
    while (!signal.aborted) {
      try {
        const outcome = await this.ctx.meta.exclusively('fsck', () =>
          check.run({
            bytesPerSecond: this.options.bytesPerSecond,
            signal,
            onChecked: (finding) => {
              if (finding.outcome !== 'ok' || finding.version.corruptAt !== null) void count().catch(() => {});
            },
          }),
        );
        if (outcome.ran) {
          const { checked, bytes, bad, seconds } = outcome.value;
          this.ctx.log.info({ checked, bytes, bad: bad.length, seconds }, 'integrity check pass finished');
          await count();
        }
      } catch (error) {
        if (signal.aborted) break;
        this.ctx.log.error({ err: error }, 'integrity check pass failed');
      }
      await sleep(this.options.intervalMs ?? 3_600_000, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
