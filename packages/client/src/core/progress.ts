/** Counts bytes on the server plus bytes in flight per part, and reports the sum. */
import type { Progress } from './events.js';

export class ProgressTracker {
  private confirmed = 0;
  private readonly inflight = new Map<number, number>();

  constructor(
    private readonly totalBytes: number,
    private readonly report: ((progress: Progress) => void) | undefined,
  ) {}

  /** Bytes of the part at `offset` handed to the network so far (0 on a retry). */
  sending(offset: number, sent: number): void {
    this.inflight.set(offset, sent);
    this.emit();
  }

  /** The part at `offset` is on the server. */
  done(offset: number, size: number): void {
    this.inflight.delete(offset);
    this.confirmed += size;
    this.emit();
  }

  /** Start counting again from zero (the upload restarted in a new session). */
  reset(): void {
    this.confirmed = 0;
    this.inflight.clear();
    this.emit();
  }

  get bytesConfirmed(): number {
    return this.confirmed;
  }

  private emit(): void {
    if (!this.report) return;
    let bytes = this.confirmed;
    for (const sent of this.inflight.values()) bytes += sent;
    this.report({ bytesUploaded: Math.min(bytes, this.totalBytes), totalBytes: this.totalBytes });
  }
}
