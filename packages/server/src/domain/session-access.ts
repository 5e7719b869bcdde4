/** Finds a session for a caller and applies the state machine of spec §7.7 to it. */
import { BoxError, SESSION_ID_PATTERN } from '@tranche/protocol';
import type { SessionRecord, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';

export type SessionUse = 'status' | 'upload' | 'list' | 'commit';

export async function findSession(ctx: DomainContext, user: UserRecord, id: string): Promise<SessionRecord> {
  if (!SESSION_ID_PATTERN.test(id)) throw new BoxError('invalid_upload_session_id');
  const session = await ctx.meta.getSession(id);
  if (!session) throw new BoxError('not_found', 'Upload session not found');
  // Another user's session answers as one that does not exist: its existence is not theirs to learn.
  if (session.ownerId !== user.id) throw new BoxError('not_found', 'Upload session not found');
  return session;
}

export function isExpired(ctx: DomainContext, session: SessionRecord): boolean {
  return session.state === 'active' && ctx.now() >= session.expiresAt;
}

/** The session, if `use` is allowed in its state; otherwise the Box error the state machine names. */
export async function sessionFor(ctx: DomainContext, user: UserRecord, id: string, use: SessionUse): Promise<SessionRecord> {
  const session = await findSession(ctx, user, id);
  if (session.state === 'aborted') throw new BoxError('not_found', 'Upload session not found');
  if (isExpired(ctx, session) || (session.state === 'active' && session.purged)) {
    throw new BoxError('session_expired', `The upload session expired at ${session.expiresAt.toISOString()}`);
  }
  if (session.state === 'committed' && use === 'upload') {
    throw new BoxError('bad_request', 'The upload session has been committed; parts can no longer be uploaded');
  }
  return session;
}
