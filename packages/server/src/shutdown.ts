/**
 * Graceful shutdown of the HTTP edge, bounded. Once Fastify starts closing (SIGTERM): no new connections are
 * accepted; requests in flight may finish, told to close their connection afterwards; idle keep-alive connections
 * are closed at once; so is a connection whose answer was already sent while Node still drains the unread rest of
 * its body (a rejected part: nothing to lose, and it could hold the shutdown for as long as the client keeps
 * sending); an upload whose body stops moving for `stallMs` is cut (it was never acknowledged, so nothing is lost);
 * and whatever is still open after `graceMs` is cut too.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  /** How long in-flight requests may take to finish once shutdown begins (default 30 s). */
  graceMs?: number;
  /** A request body that receives nothing for this long during shutdown is cut (default 5 s). */
  stallMs?: number;
}

const SWEEP_MS = 100;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Bytes the socket had read when the body was last seen moving, and when. */
  bytesRead: number;
  movedAt: number;
}

/** Installs the shutdown policy on an app that is not listening yet; returns the app. */
export function withGracefulShutdown(app: FastifyInstance, graceMs?: number, stallMs?: number): FastifyInstance {
  const connections = new Connections(app.server);
  app.addHook('preClose', async () => {
    connections.drain({ graceMs: graceMs ?? 30_000, stallMs: stallMs ?? 5_000 });
  });
  return app;
}

/** Every open connection of a server, with the exchange (request and response) it is carrying, if any. */
class Connections {
  private readonly open = new Map<Socket, Exchange | undefined>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.open.set(socket, undefined);
      socket.once('close', () => this.open.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.open.has(req.socket)) this.open.set(req.socket, { req, res, bytesRead: req.socket.bytesRead, movedAt: Date.now() });
    });
  }

  drain(options: Required<ShutdownOptions>): void {
    const now = Date.now();
    const deadline = now + options.graceMs;
    for (const exchange of this.open.values()) {
      if (exchange) Object.assign(exchange, { bytesRead: exchange.req.socket.bytesRead, movedAt: now });
    }
    const sweep = (): void => {
      const at = Date.now();
      for (const [socket, exchange] of this.open) {
        if (at >= deadline || !exchange || exchange.res.writableFinished || this.stalled(socket, exchange, at, options.stallMs)) {
          socket.destroy();
          continue;
        }
        if (!exchange.res.headersSent) exchange.res.setHeader('connection', 'close');
      }
    };
    sweep();
    const timer = setInterval(sweep, SWEEP_MS);
    this.server.once('close', () => clearInterval(timer));
  }

  /** Whether a request's body, still arriving, has not moved for `stallMs`. */
  private stalled(socket: Socket, exchange: Exchange, at: number, stallMs: number): boolean {
    if (exchange.req.complete) return false;
    if (socket.bytesRead !== exchange.bytesRead) {
      exchange.bytesRead = socket.bytesRead;
      exchange.movedAt = at;
      return false;
    }
    return at - exchange.movedAt >= stallMs;
  }
}
