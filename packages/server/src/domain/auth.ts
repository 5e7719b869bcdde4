/**
 * Bearer tokens. A token is shown once at creation; only its SHA-256 is stored, and a request is matched by looking
 * the hash up (an index lookup on a digest of a 192-bit secret: no byte-wise comparison of the secret is made).
 *
 * Every request looks its token up in the database: there is no cache, so a token revoked or expired is refused by
 * every instance from the next request on (docs/RELIABILITY.md, "Token lifecycle").
 */
import { createHash, randomBytes } from 'node:crypto';
import { BoxError } from '@tranche/protocol';
import type { MetadataStore, TokenRecord, UserRecord } from '../store/metadata-store.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `trn_${randomBytes(24).toString('base64url')}`;
}

const MAX_TOKEN_LENGTH = 512;

/**
 * The credential a request presents: `Authorization: Bearer <token>`, else an `access_token` query value (which the
 * HTTP edge passes only where Box accepts one). Anything that is not one plain string of at most 512 characters (a
 * repeated query parameter arrives as an array) is no token.
 */
export function presentedToken(authorization: unknown, accessToken?: unknown): string | undefined {
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  const token = match?.[1] ?? accessToken;
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(token: Pick<TokenRecord, 'expiresAt' | 'revokedAt'>, now: Date): TokenState {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export class Authenticator {
  constructor(
    private readonly meta: MetadataStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The user behind `Authorization: Bearer <token>` (or an `access_token` value), else 401. */
  async authenticate(authorization: unknown, accessToken?: unknown): Promise<UserRecord> {
    const token = presentedToken(authorization, accessToken);
    if (!token) throw new BoxError('unauthorized', 'A valid bearer token is required');
    const found = await this.meta.tokenByHash(hashToken(token));
    if (!found) throw new BoxError('unauthorized', 'The access token is not valid');
    const state = tokenState(found.token, this.now());
    if (state !== 'active') throw new BoxError('unauthorized', `The access token has ${state === 'expired' ? 'expired' : 'been revoked'}`);
    return found.user;
  }
}
