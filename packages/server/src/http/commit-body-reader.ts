/**
 * Reads a commit's body only when the domain asks for it, after the session was found and is the caller's: a body
 * for a session that does not exist, another user's, or one refused for its Digest is never parsed (it is read to
 * its end and dropped, or the connection closed, as app.ts decides). Small bodies are parsed here; large ones on
 * the parser worker (json-parser-pool.ts). The limits come from the domain, per session.
 */
import { BoxError } from '@tranche/protocol';
import type { FastifyRequest } from 'fastify';
import { parseCommitBody, type CommitBody, type JsonLimits } from '../domain/commit-body.js';
import type { JsonParserPool } from './json-parser-pool.js';
import { COMMIT_BODY_LIMIT, JSON_BODY_LIMIT } from './json-body.js';
import { userOf } from './request-user.js';

export function commitBodyReader(request: FastifyRequest, pool: JsonParserPool): (limits: JsonLimits) => Promise<CommitBody> {
  return async (limits) => {
    const type = request.headers['content-type'];
    if (type === undefined || !/^application\/json\s*(;|$)/i.test(type)) {
      throw new BoxError('bad_request', 'A commit body must be sent as application/json');
    }
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) <= JSON_BODY_LIMIT) {
      // Up to the size of any other JSON body, parsing costs well under a millisecond: not worth a thread hop.
      return parseCommitBody(await readBody(request, JSON_BODY_LIMIT), limits);
    }
    const endTurn = await pool.admit(userOf(request).id);
    try {
      const bytes = await readBody(request, COMMIT_BODY_LIMIT);
      return bytes.byteLength <= JSON_BODY_LIMIT ? parseCommitBody(bytes, limits) : await pool.parse(bytes, limits);
    } finally {
      endTurn();
    }
  };
}

/** The whole body, at most `max` bytes (413 beyond, as soon as it is declared or arrives). */
async function readBody(request: FastifyRequest, max: number): Promise<Uint8Array> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) throw new BoxError('request_entity_too_large', `A commit body is at most ${max} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request.raw.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > max) throw new BoxError('request_entity_too_large', `A commit body is at most ${max} bytes`);
    chunks.push(chunk);
  }
  if (!request.raw.complete) throw new BoxError('bad_request', 'The request body was cut short');
  return Buffer.concat(chunks, total);
}
