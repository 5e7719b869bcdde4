/**
 * Errors Node's HTTP server meets before (or outside) a Fastify request: unparsable requests, oversized headers,
 * header and request timeouts, idle sockets, CONNECT and unknown `Expect`s. Each is answered with Box's envelope
 * when nothing of a response has been written on the socket yet, and the connection is then closed by a bounded
 * lingering close, so that the rest of a refused request still arriving cannot reset the answer away.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BoxError } from '@tranche/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { envelope } from './error-envelope.js';
import { isLingering, lingeringClose } from './lingering-close.js';

/** The parser or timer error behind a `clientError`, as the Box error it stands for. */
export function connectionErrorOf(error: NodeJS.ErrnoException): BoxError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new BoxError('request_timeout', 'The request headers or body did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return new BoxError('request_header_fields_too_large');
    case 'HPE_INVALID_EOF_STATE':
      return new BoxError('request_size_mismatch', 'The connection ended before the whole request arrived');
    default:
      return new BoxError('bad_request', `Malformed HTTP request (${error.code ?? 'unparsable'})`);
  }
}

/** The response Node is writing on this socket, if any (Node keeps it on the socket, undocumented). */
function inFlightResponse(socket: Duplex): ServerResponse | null | undefined {
  return (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
}

/** A response on this socket has begun: writing anything more would corrupt it. */
function responseStarted(socket: Duplex): boolean {
  return inFlightResponse(socket)?.headersSent === true;
}

/** Writes a complete Box error response straight to the socket (no Fastify request exists) and closes it. */
export function answerOnSocket(socket: Duplex, error: BoxError): void {
  if (isLingering(socket)) return;
  if (socket.writable && !responseStarted(socket)) {
    const requestId = randomBytes(8).toString('hex');
    const body = JSON.stringify(envelope(error, requestId));
    const extra = Object.entries(error.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `box-request-id: ${requestId}\r\nx-request-id: ${requestId}\r\n${extra}connection: close\r\n\r\n${body}`,
    );
    lingeringClose(socket as Socket);
    return;
  }
  socket.destroy();
}

/**
 * Fastify's `clientErrorHandler`. Logs the error code only: Node attaches the raw request bytes to parser errors,
 * and those hold the Authorization header.
 */
export function makeClientErrorHandler(log: () => FastifyBaseLogger) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed || isLingering(socket)) return;
    log().debug({ code: error.code }, 'client error');
    answerOnSocket(socket, connectionErrorOf(error));
  };
}

/** Server-level listeners for the cases Node would otherwise answer without a body, or not at all. */
export function answerEdgeCases(server: Server): void {
  // A socket idle for the idle timeout: mid-body (a stalled client) it gets a 408 before it is closed; between
  // requests, or while a response is being written, it is just closed, as Node does by default.
  server.on('timeout', (socket: Duplex) => {
    const inFlight = inFlightResponse(socket);
    if (inFlight && !inFlight.headersSent && inFlight.req?.complete === false) {
      answerOnSocket(socket, new BoxError('request_timeout', 'The request body stopped arriving'));
    } else {
      socket.destroy();
    }
  });
  // Tranche is no proxy.
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    answerOnSocket(socket, new BoxError('method_not_allowed', 'CONNECT is not allowed'));
  });
  // `Expect: 100-continue` is answered by Node itself; any other expectation is refused.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomBytes(8).toString('hex');
    const error = new BoxError('expectation_failed', `Unsupported expectation ${JSON.stringify(String(request.headers.expect).slice(0, 100))}`);
    response.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', 'box-request-id': requestId, 'x-request-id': requestId, connection: 'close' });
    response.end(JSON.stringify(envelope(error, requestId)));
  });
}
