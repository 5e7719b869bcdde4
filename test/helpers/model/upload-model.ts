/**
 * A simple model of upload sessions for the model-based tests: what each session holds and which state it is in,
 * and what the server must answer to each request given that state. Sessions expire on the server's clock; a
 * request sent too close to a session's expiry may find it either way, so the model then accepts both answers and
 * follows the one the server gave.
 */
import assert from 'node:assert/strict';
import type { Api, ApiResponse } from '../http.js';
import { sha1Hex } from '../http.js';

export type UserName = 'A' | 'B';
export type SessionState = 'active' | 'committed' | 'aborted' | 'expired';

export interface ModelPart {
  part_id: string;
  offset: number;
  size: number;
  sha1: string;
}

export interface ModelSession {
  id: string;
  owner: UserName;
  name: string;
  data: Buffer;
  sha1: string;
  partSize: number;
  totalParts: number;
  endpoints: Record<'upload_part' | 'commit' | 'abort' | 'list_parts' | 'status', string>;
  parts: Map<number, ModelPart>;
  state: SessionState;
  /** Bounds of the server's expiry instant, on this process's clock (the server runs on the same machine). */
  expiresNoSoonerThan: number;
  expiresNoLaterThan: number;
  fileId?: string;
}

export interface Model {
  sessions: ModelSession[];
  /** Waits so far in this run (each costs real time). */
  waits: number;
}

export interface Real {
  api: Record<UserName, Api>;
  /** What a session id that does not exist gets: a foreign session must get exactly the same. */
  unknownSession: { status: number; code: string };
}

/** Clock slack between this process's timestamps and the server's. */
const SLACK_MS = 25;

export function newModel(): Model {
  return { sessions: [], waits: 0 };
}

/** The session a command's index designates, in a model with at least one session. */
export function pickSession(model: Readonly<Model>, pick: number): ModelSession {
  return model.sessions[pick % model.sessions.length]!;
}

/** What an answer must be, and what it changes in the model. */
export interface Expectation {
  status: number;
  code?: string;
  /** Further checks of the body. */
  check?(res: ApiResponse): void;
  /** The model after this answer. */
  apply?(): void;
}

export const answered = (status: number, code?: string, more: Omit<Expectation, 'status' | 'code'> = {}): Expectation => ({ status, code, ...more });

/**
 * The states the server may see a session in for a request sent at `sentAt` and answered at `answeredAt`: one,
 * or both 'active' and 'expired' when the expiry fell in between (or too close to tell).
 */
export function possibleStates(session: ModelSession, sentAt: number, answeredAt: number): SessionState[] {
  if (session.state !== 'active') return [session.state];
  if (answeredAt < session.expiresNoSoonerThan - SLACK_MS) return ['active'];
  if (sentAt > session.expiresNoLaterThan + SLACK_MS) return ['expired'];
  return ['active', 'expired'];
}

/**
 * Sends a request on `session` and checks the answer against `expect(state)` for every state the session may be
 * in; applies the matching expectation. The answer must never be a 5xx.
 */
export async function expectFor(session: ModelSession, send: () => Promise<ApiResponse>, expect: (state: SessionState) => Expectation): Promise<ApiResponse> {
  const sentAt = Date.now();
  const res = await send();
  const answeredAt = Date.now();
  assert.ok(res.status < 500, `${res.request} → ${res.status}: never a 5xx: ${res.text.slice(0, 500)}`);
  const states = possibleStates(session, sentAt, answeredAt);
  const candidates = states.map((state) => ({ state, expectation: expect(state) }));
  const match = candidates.find(({ expectation }) => expectation.status === res.status && (expectation.code === undefined || expectation.code === res.body?.code));
  assert.ok(
    match,
    `${res.request} on a session ${states.join(' or ')} (${session.parts.size}/${session.totalParts} parts): expected ` +
      candidates.map(({ expectation: e }) => `${e.status}${e.code ? ` ${e.code}` : ''}`).join(' or ') +
      `, got ${res.status} ${res.text.slice(0, 500)}`,
  );
  if (match.state === 'expired' && session.state === 'active') session.state = 'expired';
  match.expectation.check?.(res);
  match.expectation.apply?.();
  return res;
}

/** The model's parts, sorted by offset, as the server lists them. */
export function listedParts(session: ModelSession): ModelPart[] {
  return [...session.parts.values()].sort((a, b) => a.offset - b.offset);
}

export function partRange(session: ModelSession, index: number): { offset: number; size: number } {
  const offset = index * session.partSize;
  return { offset, size: Math.min(session.partSize, session.data.length - offset) };
}

export function partBytes(session: ModelSession, index: number): Buffer {
  const { offset, size } = partRange(session, index);
  return session.data.subarray(offset, offset + size);
}

/** Every part of the file is stored. */
export function complete(session: ModelSession): boolean {
  return session.parts.size === session.totalParts;
}

export function checkPartBody(session: ModelSession, index: number, res: ApiResponse): ModelPart {
  const { offset, size } = partRange(session, index);
  const part = res.body.part as ModelPart;
  assert.equal(part.offset, offset, 'part offset');
  assert.equal(part.size, size, 'part size');
  assert.equal(part.sha1, sha1Hex(partBytes(session, index)), 'part sha1');
  return part;
}
