/** Releases the bytes of aborted and expired sessions, periodically; one instance at a time across a cluster. */
import type { DomainContext } from './context.js';
import type { UploadSessions } from './upload-sessions.js';

const BATCH = 100;

export class Janitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly ctx: DomainContext,
    private readonly sessions: UploadSessions,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many sessions it released. Overlapping calls share the pass. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    try {
      const outcome = await this.ctx.meta.exclusively('janitor', () => this.release());
      return outcome.ran ? outcome.value : 0;
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor pass failed');
      return 0;
    }
  }

  private async release(): Promise<number> {
    let released = 0;
    try {
      for (;;) {
        const batch = await this.ctx.meta.sessionsToPurge(this.ctx.now(), BATCH);
        for (const session of batch) {
          if (await this.sessions.release(session)) released++;
        }
        if (batch.length < BATCH) break;
      }
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor pass failed');
    }
    if (released > 0) this.ctx.log.info({ released }, 'janitor released expired or aborted sessions');
    return released;
  }
}
