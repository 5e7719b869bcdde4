/**
 * What every request leaves behind: one structured log line, the request metrics, and its id in the response
 * headers. The id is the one in Box error bodies (`request_id`); a proxy's `X-Request-Id` is taken when it is a
 * plain token, so one id follows a request from the proxy's log to ours.
 *
 * Accounting hangs on the response's `close` event, which fires whether the answer was sent or the client went away
 * (Fastify's onResponse does not run for the latter). Bytes are the socket's, heads included: each exchange on a
 * connection is charged what the socket moved since the previous exchange ended.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TrancheMetrics } from '../observability/metrics.js';

/** Printable ASCII without spaces, quotes or backslashes, at most 128 characters: what we echo and log. */
const ACCEPTABLE_ID = /^[!#-[\]-~]{1,128}$/;
/** Status recorded for a request whose client went away before the answer was complete (as nginx does). */
export const CLIENT_CLOSED = 499;

/** Fastify's `genReqId`: the proxy's X-Request-Id when acceptable, else 16 random hex digits. */
export function requestIdOf(request: IncomingMessage): string {
  const offered = request.headers['x-request-id'];
  return typeof offered === 'string' && ACCEPTABLE_ID.test(offered) ? offered : randomBytes(8).toString('hex');
}

interface Marks {
  read: number;
  written: number;
}

/** Installs the hooks; call before any other onRequest hook, so that refused requests are observed too. */
export function observeRequests(app: FastifyInstance, metrics: TrancheMetrics | undefined): void {
  const marks = new WeakMap<Socket, Marks>();
  const server: Server = app.server;
  server.on('connection', (socket: Socket) => {
    marks.set(socket, { read: 0, written: 0 });
    metrics?.connectionOpened();
    socket.once('close', () => metrics?.connectionClosed());
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('box-request-id', request.id).header('x-request-id', request.id);
    const started = performance.now();
    reply.raw.once('close', () => finished(request, reply.raw, started));
  });

  const finished = (request: FastifyRequest, res: ServerResponse, started: number): void => {
    const seconds = (performance.now() - started) / 1000;
    const socket = request.raw.socket as Socket | null;
    const mark = socket ? marks.get(socket) : undefined;
    let bytesIn = 0;
    let bytesOut = 0;
    if (socket && mark) {
      bytesIn = socket.bytesRead - mark.read;
      bytesOut = socket.bytesWritten - mark.written;
      mark.read = socket.bytesRead;
      mark.written = socket.bytesWritten;
    }
    const aborted = !res.writableFinished;
    const status = aborted ? CLIENT_CLOSED : res.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics?.requestFinished(request.method, route, status, seconds);
    metrics?.bytesMoved(bytesIn, bytesOut);
    request.log.info(
      {
        userId: request.user?.id ?? null,
        client: request.ip,
        method: request.method,
        route,
        status,
        ...(aborted ? { aborted: true } : {}),
        bytesIn,
        bytesOut,
        durationMs: Math.round(seconds * 1e4) / 10,
      },
      'request',
    );
  };
}
