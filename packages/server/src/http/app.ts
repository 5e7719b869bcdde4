/**
 * The HTTP edge: one Fastify app serving every route under both Box prefixes (upload host `/api/2.0`, API host
 * `/2.0`), authenticating every request and rendering every error once, as Box's ClientError envelope.
 */
import { randomBytes } from 'node:crypto';
import { BoxError } from '@tranche/protocol';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Domain } from '../domain/index.js';
import { sendError } from './error-envelope.js';
import { fileRoutes } from './routes/files.js';
import { folderRoutes } from './routes/folders.js';
import { uploadSessionRoutes } from './routes/upload-sessions.js';
import './request-user.js';

export const PREFIXES = ['/api/2.0', '/2.0'] as const;

export interface HttpOptions {
  /** pino log level (default 'info'; 'silent' to disable). */
  logLevel?: string;
  /** Milliseconds a request may take to arrive in full, headers and body (default 1 hour: parts are large). */
  requestTimeoutMs?: number;
  /** Milliseconds to receive the headers (default 30 s; slowloris guard). */
  headersTimeoutMs?: number;
  /** Milliseconds a connection may sit idle, mid-body included (default 120 s). */
  idleTimeoutMs?: number;
}

export async function buildApp(domain: Domain, options: HttpOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomBytes(8).toString('hex'),
    bodyLimit: 1 << 20,
    requestTimeout: options.requestTimeoutMs ?? 3_600_000,
    connectionTimeout: options.idleTimeoutMs ?? 120_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.server.headersTimeout = options.headersTimeoutMs ?? 30_000;

  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('box-request-id', request.id);
    const accessToken = (request.query as Record<string, string | undefined>).access_token;
    request.user = await domain.auth.authenticate(request.headers.authorization, accessToken);
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    const known = isKnownPath(request.url.split('?')[0] ?? '');
    const error = known
      ? new BoxError('method_not_allowed', `${request.method} is not allowed on this resource`)
      : new BoxError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    return sendError(request, reply, error);
  });

  for (const prefix of PREFIXES) {
    await app.register(uploadSessionRoutes, { prefix, domain });
    await app.register(fileRoutes, { prefix, domain });
    await app.register(folderRoutes, { prefix, domain });
  }
  return app;
}

const KNOWN_PATHS = [
  /^\/files\/upload_sessions$/,
  /^\/files\/[^/]+\/upload_sessions$/,
  /^\/files\/upload_sessions\/[^/]+(\/parts|\/commit|\/log)?$/,
  /^\/files\/content$/,
  /^\/files\/[^/]+(\/content)?$/,
  /^\/folders(\/[^/]+(\/items)?)?$/,
];

function isKnownPath(path: string): boolean {
  const prefix = PREFIXES.find((p) => path.startsWith(`${p}/`));
  if (!prefix) return false;
  const rest = path.slice(prefix.length).replace(/\/$/, '');
  return KNOWN_PATHS.some((pattern) => pattern.test(rest));
}
