/**
 * Retry policy as data (after undici's RetryHandler and tus-js-client's `retryDelays`): which errors are
 * worth another try, how long to wait before each one, and how many there are.
 */
import { TrancheApiError, TrancheNetworkError } from './errors.js';

export interface RetryPolicy {
  /** Wait before retry n (ms). `retryDelays.length + 1` attempts in all; `[]` disables retries. */
  retryDelays: readonly number[];
  /** Spread each delay by ±this fraction (0.5 → 50 %–150 %), so parallel parts do not retry in lockstep. */
  jitter: number;
  /** A server's Retry-After is honoured up to this many ms. */
  maxRetryAfterMs: number;
  /** Whether `error`, thrown by attempt number `attempt` (1-based), is worth another try. */
  shouldRetry(error: unknown, attempt: number): boolean;
  /** Random numbers in [0, 1) for the jitter. */
  random(): number;
}

/** Answers another try cannot change: 501 not implemented, 505 version, 507 insufficient storage, 508 loop. */
const FINAL_5XX = new Set([501, 505, 507, 508]);

/** Network errors, 408, 429 and every 5xx but the final ones (507 insufficient_storage stops at once). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TrancheNetworkError) return true;
  if (error instanceof TrancheApiError) {
    if (FINAL_5XX.has(error.status) || error.code === 'insufficient_storage') return false;
    return error.status >= 500 || error.status === 429 || error.status === 408;
  }
  return false;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryDelays: [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000],
  jitter: 0.5,
  maxRetryAfterMs: 120_000,
  shouldRetry: isRetryable,
  random: Math.random,
};

/** How long to wait after attempt `attempt` failed with `error`; undefined means give up. */
export function retryDelay(policy: RetryPolicy, error: unknown, attempt: number): number | undefined {
  const base = policy.retryDelays[attempt - 1];
  if (base === undefined || !policy.shouldRetry(error, attempt)) return undefined;
  if (error instanceof TrancheApiError && error.retryAfterMs !== undefined) {
    return Math.min(error.retryAfterMs, policy.maxRetryAfterMs);
  }
  const spread = 1 + policy.jitter * (2 * policy.random() - 1);
  return Math.max(0, Math.round(base * spread));
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** Runs `fn` until it succeeds, the policy gives up, or `signal` aborts (then the signal's reason is thrown). */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  fn: (attempt: number) => Promise<T>,
  onRetry?: (notice: RetryNotice) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      signal?.throwIfAborted();
      const delayMs = retryDelay(policy, error, attempt);
      if (delayMs === undefined) throw error;
      onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

/** Parses Retry-After (delta seconds, possibly fractional, or an HTTP date) into ms. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
