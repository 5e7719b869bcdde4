/** The authenticated user of a request, set by the auth hook in app.ts. */
import type { FastifyRequest } from 'fastify';
import type { UserRecord } from '../store/metadata-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRecord | undefined;
  }
  interface FastifyContextConfig {
    /** Set on the routes where Box accepts the token as `?access_token=` (downloads); elsewhere only the header. */
    queryToken?: boolean;
  }
}

export function userOf(request: FastifyRequest): UserRecord {
  if (!request.user) throw new Error('route reached without authentication');
  return request.user;
}
