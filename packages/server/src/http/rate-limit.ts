/**
 * Per-token request budgets (spec §2.4) on @fastify/rate-limit's in-memory store, over fixed one-minute windows.
 * Part PUTs have a budget of their own, so an uploader's parallel parts never eat into (or wait on) its other calls.
 * Requests are counted under the SHA-256 of their token (never the token itself). Requests without a valid token
 * have one budget per client address (IPv6: per /64), on every route, part PUTs included.
 */
import rateLimit from '@fastify/rate-limit';
import { BoxError } from '@tranche/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import './request-user.js';

export const RATE_WINDOW_MS = 60_000;

export interface RateLimits {
  /** Requests per minute per token, part PUTs excepted; 0: unlimited. */
  perMinute: number;
  /** Part PUTs per minute per token; 0: unlimited. */
  partsPerMinute: number;
  /** Requests without a valid token per minute per client address, any route; 0: unlimited. */
  anonymousPerMinute: number;
  /** Told of every request refused, with the budget it exceeded. */
  onReject?(budget: 'requests' | 'parts' | 'anonymous'): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request is counted under: `token:<sha256>`, or `ip:<client key>` without a valid token. */
    rateKey: string;
  }
  interface FastifyContextConfig {
    /** Set on the part-upload route: counted against the part budget. */
    partUpload?: boolean;
  }
}

type Check = (request: FastifyRequest) => Promise<void>;

/** Registers the store; returns the check to run once the request's key is known. Call before routes are added. */
export async function rateLimiting(app: FastifyInstance, limits: RateLimits): Promise<Check> {
  app.decorateRequest('rateKey', '');
  await app.register(rateLimit, { global: false });
  const budget = (max: number, name: 'requests' | 'parts' | 'anonymous'): Check | undefined => {
    if (max <= 0) return undefined;
    const limiter = app.createRateLimit({ max, timeWindow: RATE_WINDOW_MS, keyGenerator: (request) => request.rateKey });
    return async (request) => {
      const outcome = await limiter(request);
      if (outcome.isAllowed || !outcome.isExceeded) return;
      limits.onReject?.(name);
      const seconds = Math.max(1, outcome.ttlInSeconds);
      throw new BoxError('rate_limit_exceeded', `More than ${max} requests in a minute; retry in ${seconds} s`, null, {
        'retry-after': String(seconds),
      });
    };
  };
  const general = budget(limits.perMinute, 'requests');
  const parts = budget(limits.partsPerMinute, 'parts');
  const anonymous = budget(limits.anonymousPerMinute, 'anonymous');
  return async (request) => {
    const check = !request.user ? anonymous : request.routeOptions.config?.partUpload === true ? parts : general;
    await check?.(request);
  };
}
