/**
 * A decorator that times every asynchronous call of a store and counts its failures, without the store knowing.
 * It is a Proxy, so the optional capabilities a store has (UploadReader, PresignedReader, UploadLister, `sweep`)
 * stay visible to the `canX()` checks exactly as on the store itself, and methods it lacks stay absent.
 */
import { BoxError } from '@tranche/protocol';
import { BodyLengthError } from '../store/blob-store.js';
import type { StoreKind, TrancheMetrics } from './metrics.js';

/** Calls not timed: `exclusively` runs a whole janitor pass inside it; `close` happens once. */
const UNTIMED = new Set(['exclusively', 'close', 'constructor']);

export function instrumentStore<T extends object>(store: T, kind: StoreKind, metrics: TrancheMetrics): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || UNTIMED.has(property)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      let timed = wrapped.get(property);
      if (!timed) {
        timed = function (this: unknown, ...args: unknown[]): unknown {
          const started = performance.now();
          const done = (failed: boolean): void => metrics.storeCall(kind, property, (performance.now() - started) / 1000, failed);
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            done(isStoreFault(error));
            throw error;
          }
          if (result instanceof Promise) {
            return result.then(
              (settled: unknown) => {
                done(false);
                return settled;
              },
              (error: unknown) => {
                done(isStoreFault(error));
                throw error;
              },
            );
          }
          return result;
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}

/**
 * Whether a failure is the store's (counted as an error) rather than the client's: a body that was too short, a
 * digest that did not match, or a request that went away all reach the store as errors of its call.
 */
function isStoreFault(error: unknown): boolean {
  if (error instanceof BoxError || error instanceof BodyLengthError) return false;
  const name = (error as Error | undefined)?.name;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return name !== 'AbortError' && code !== 'ECONNRESET' && code !== 'ERR_STREAM_PREMATURE_CLOSE' && (error as Error | undefined)?.message !== 'aborted';
}
