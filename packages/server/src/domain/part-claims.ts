/**
 * Who may write the part at (session, offset) right now. Within one process, InflightParts queues writers; across
 * instances sharing the store, a claim row with a lease does, renewed while the write runs. A holder that dies stops
 * renewing, so its claim lapses after one lease and a retry on another instance proceeds.
 */
import { BoxError } from '@tranche/protocol';
import type { DomainContext } from './context.js';
import { InflightParts } from './inflight-parts.js';

/**
 * The offset of a session's commit claim: no part has it. Completing a session's upload and committing it hold this
 * claim, so that instances commit one session one at a time (S3 services answer concurrent
 * CompleteMultipartUploads of one upload with errors: Ceph RGW with 500 "already in progress").
 */
export const COMMIT_CLAIM_OFFSET = -1;
const NEVER_ABORTED = new AbortController().signal;

export interface PartClaimOptions {
  /** False for a store only one process uses (SQLite): the in-process queue is then the whole story. */
  clustered: boolean;
  /** Identifies this process in claims. */
  holder: string;
  leaseMs?: number;
  pollMs?: number;
}

export class PartClaims {
  private readonly local = new InflightParts();
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly ctx: DomainContext,
    private readonly options: PartClaimOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 50;
  }

  /** Waits until this request may write the part; the returned function gives the right up. */
  async acquire(sessionId: string, offset: number, signal: AbortSignal): Promise<() => Promise<void>> {
    const releaseLocal = await this.local.acquire(sessionId, offset);
    if (!this.options.clustered) return async () => releaseLocal();
    try {
      await this.claim(sessionId, offset, signal);
    } catch (error) {
      releaseLocal();
      throw error;
    }
    const renewal = setInterval(() => {
      void this.claimOnce(sessionId, offset).catch((error: unknown) => this.ctx.log.warn({ err: error, sessionId, offset }, 'part claim renewal failed'));
    }, this.leaseMs / 3);
    return async () => {
      clearInterval(renewal);
      try {
        await this.ctx.meta.releasePart(sessionId, offset, this.options.holder);
      } catch (error) {
        this.ctx.log.warn({ err: error, sessionId, offset }, 'part claim release failed; it lapses with its lease');
      } finally {
        releaseLocal();
      }
    };
  }

  /** Waits until this request may complete and commit the session's upload; the returned function gives the right up. */
  acquireCommit(sessionId: string): Promise<() => Promise<void>> {
    return this.acquire(sessionId, COMMIT_CLAIM_OFFSET, NEVER_ABORTED);
  }

  private async claim(sessionId: string, offset: number, signal: AbortSignal): Promise<void> {
    while (!(await this.claimOnce(sessionId, offset))) {
      if (signal.aborted) throw new BoxError('request_size_mismatch', 'The request ended while another instance was writing this part');
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private claimOnce(sessionId: string, offset: number): Promise<boolean> {
    const now = this.ctx.now();
    return this.ctx.meta.claimPart(sessionId, offset, this.options.holder, now, new Date(now.getTime() + this.leaseMs));
  }
}
