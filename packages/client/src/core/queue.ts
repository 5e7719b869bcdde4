/**
 * A bounded pool of running tasks. The producer waits for a free slot (`ready`) before preparing the next task,
 * so at most `concurrency` tasks run and one more is being prepared: memory stays bounded. The first failure
 * stops the pool: `ready` and `drain` rethrow it.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when a slot is free; throws the first task failure. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (this.running.size < this.concurrency) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Starts `task` now. Call after `ready()`. */
  start(task: () => Promise<void>): void {
    const run: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running.delete(run);
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
    this.running.add(run);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every task to end, ignoring failures (used after aborting). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
