/** Upload-session routes (spec §4): thin adapters from HTTP to the domain. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { commitBodyReader } from '../commit-body-reader.js';
import type { JsonParserPool } from '../json-parser-pool.js';
import { userOf } from '../request-user.js';

type SessionParams = { Params: { id: string } };

export async function uploadSessionRoutes(app: FastifyInstance, { domain, parsers }: { domain: Domain; parsers: JsonParserPool }): Promise<void> {
  const { sessions, commits, parts } = domain;

  app.post('/files/upload_sessions', async (request, reply) => {
    return reply.code(201).send(await sessions.createForNewFile(userOf(request), request.body));
  });

  app.post<{ Params: { file_id: string } }>('/files/:file_id/upload_sessions', async (request, reply) => {
    return reply.code(201).send(await sessions.createForNewVersion(userOf(request), request.params.file_id, request.body));
  });

  app.get<SessionParams>('/files/upload_sessions/:id', async (request) => sessions.status(userOf(request), request.params.id));

  app.get<SessionParams & { Querystring: { offset?: string; limit?: string } }>('/files/upload_sessions/:id/parts', async (request) =>
    sessions.listParts(userOf(request), request.params.id, request.query),
  );

  app.delete<SessionParams>('/files/upload_sessions/:id', async (request, reply) => {
    await sessions.abort(userOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.post<SessionParams>('/files/upload_sessions/:id/log', async (request, reply) => {
    await sessions.logEvent(userOf(request), request.params.id, request.body);
    return reply.code(204).send();
  });

  // Part bodies are raw bytes of any declared type: they stream to the domain unparsed. Commit bodies are read only
  // once the session is known to be the caller's (commit-body-reader.ts).
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    raw.post<SessionParams>('/files/upload_sessions/:id/commit', async (request, reply) => {
      try {
        const result = await commits.commit(userOf(request), {
          sessionId: request.params.id,
          digest: header(request, 'digest'),
          ifMatch: header(request, 'if-match'),
          ifNoneMatch: header(request, 'if-none-match'),
          readBody: commitBodyReader(request, parsers),
          signal: clientGone(request, reply),
        });
        if (result.status === 202) return reply.code(202).header('retry-after', String(result.retryAfterSeconds)).send();
        return reply.code(201).send(result.files);
      } finally {
        if (!request.raw.complete) request.raw.resume();
      }
    });
    raw.put<SessionParams>('/files/upload_sessions/:id', { config: { partUpload: true } }, async (request, reply) => {
      try {
        const part = await parts.upload(userOf(request), {
          sessionId: request.params.id,
          contentRange: header(request, 'content-range'),
          digest: header(request, 'digest'),
          contentLength: header(request, 'content-length'),
          chunked: /chunked/i.test(header(request, 'transfer-encoding') ?? ''),
          // Not destroyed when the reader stops early: a destroyed request leaves its socket paused with the rest of
          // the body unread, and the next request on that connection would never be read.
          body: request.raw.iterator({ destroyOnReturn: false }),
          signal: abortedWith(request),
        });
        return reply.code(200).send({ part });
      } finally {
        // A body abandoned midway (a full disk, a length that lies) is read to its end and dropped.
        if (!request.raw.complete) request.raw.resume();
      }
    });
  });
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Aborted when the client goes away before its body has fully arrived. */
export function abortedWith(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => {
    if (!request.raw.complete) controller.abort();
  });
  return controller.signal;
}

/** Aborted when the connection closes before the answer was sent: the client stopped waiting. */
export function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  request.raw.socket?.once('close', onClose);
  reply.raw.once('finish', () => request.raw.socket?.off('close', onClose));
  return controller.signal;
}
