/**
 * Bearer tokens. A token is shown once at creation; only its SHA-256 is stored, and a request is matched by looking
 * the hash up (an index lookup on a digest of a 192-bit secret: no byte-wise comparison of the secret is made).
 */
import { createHash, randomBytes } from 'node:crypto';
import { BoxError } from '@tranche/protocol';
import type { MetadataStore, UserRecord } from '../store/metadata-store.js';

const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `trn_${randomBytes(24).toString('base64url')}`;
}

export async function issueToken(meta: MetadataStore, userName: string): Promise<{ user: UserRecord; token: string }> {
  const user = await meta.ensureUser(userName);
  const token = newToken();
  await meta.addToken(user.id, hashToken(token));
  return { user, token };
}

const MAX_TOKEN_LENGTH = 512;

/**
 * The credential a request presents: `Authorization: Bearer <token>`, else an `access_token` query value. Anything
 * that is not one plain string of at most 512 characters (a repeated query parameter arrives as an array) is no token.
 */
export function presentedToken(authorization: unknown, accessToken?: unknown): string | undefined {
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  const token = match?.[1] ?? accessToken;
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

export class Authenticator {
  private readonly cache = new Map<string, { user: UserRecord; until: number }>();

  constructor(private readonly meta: MetadataStore) {}

  /** The user behind `Authorization: Bearer <token>` (or an `access_token` query value), else 401. */
  async authenticate(authorization: unknown, accessToken?: unknown): Promise<UserRecord> {
    const token = presentedToken(authorization, accessToken);
    if (!token) throw new BoxError('unauthorized', 'A valid bearer token is required');
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.user;
    const user = await this.meta.userByTokenHash(hash);
    if (!user) throw new BoxError('unauthorized', 'The access token is not valid');
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(hash, { user, until: Date.now() + CACHE_MS });
    return user;
  }
}
