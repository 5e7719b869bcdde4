/**
 * The token lifecycle, for the `tranche token` commands: issue (optionally expiring), list a user's tokens, revoke.
 * A token is named in lists by its id, the first 16 hex digits of its SHA-256: enough to tell tokens apart and to
 * revoke one, nothing that helps to guess it.
 */
import type { MetadataStore, TokenRecord, UserRecord } from '../store/metadata-store.js';
import { hashToken, newToken, tokenState, type TokenState } from './auth.js';

export const TOKEN_ID_LENGTH = 16;
/** Shortest id prefix `revoke` accepts. */
const MIN_ID_PREFIX = 8;

export interface TokenView {
  id: string;
  user: string;
  state: TokenState;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export function tokenId(hash: string): string {
  return hash.slice(0, TOKEN_ID_LENGTH);
}

export function viewToken(token: TokenRecord, now: Date): TokenView {
  return {
    id: tokenId(token.hash),
    user: token.userName,
    state: tokenState(token, now),
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  };
}

export interface IssuedToken {
  user: UserRecord;
  token: string;
  id: string;
  expiresAt: Date | null;
}

/** Creates the user if needed and a new token for it, expiring after `ttlMs` (null or undefined: never). */
export async function issueToken(meta: MetadataStore, userName: string, options: { ttlMs?: number | null; now?: Date } = {}): Promise<IssuedToken> {
  const now = options.now ?? new Date();
  const user = await meta.ensureUser(userName);
  const token = newToken();
  const hash = hashToken(token);
  const expiresAt = options.ttlMs == null ? null : new Date(now.getTime() + options.ttlMs);
  await meta.addToken(user.id, hash, expiresAt);
  return { user, token, id: tokenId(hash), expiresAt };
}

/** A user's tokens, oldest first; undefined when there is no such user. */
export async function listTokens(meta: MetadataStore, userName: string, now = new Date()): Promise<TokenView[] | undefined> {
  return (await meta.tokensOfUser(userName))?.map((token) => viewToken(token, now));
}

export class TokenLookupError extends Error {}

/**
 * Revokes one token, named by itself (`trn_…`) or by its id (at least 8 leading hex digits of its SHA-256).
 * Revoking a revoked token changes nothing (`revoked: false`).
 */
export async function revokeToken(meta: MetadataStore, tokenOrId: string, now = new Date()): Promise<{ token: TokenView; revoked: boolean }> {
  const given = tokenOrId.trim();
  let prefix: string;
  if (given.startsWith('trn_')) prefix = hashToken(given);
  else if (new RegExp(`^[0-9a-fA-F]{${MIN_ID_PREFIX},64}$`).test(given)) prefix = given.toLowerCase();
  else throw new TokenLookupError(`expected a token (trn_…) or a token id (${MIN_ID_PREFIX}–64 hex digits), got "${given.slice(0, 80)}"`);
  const matches = await meta.tokensByHashPrefix(prefix, 2);
  if (matches.length === 0) throw new TokenLookupError(`no token ${given.startsWith('trn_') ? 'like the one given' : `with id ${given}`}`);
  if (matches.length > 1) throw new TokenLookupError(`the id ${given} names more than one token; give more digits`);
  const token = matches[0]!;
  const revoked = await meta.revokeToken(token.hash, now);
  const after = revoked ? { ...token, revokedAt: now } : token;
  return { token: viewToken(after, now), revoked };
}
