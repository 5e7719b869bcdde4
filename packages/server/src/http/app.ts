/**
 * The HTTP edge: one Fastify app serving every route under both Box prefixes (upload host `/api/2.0`, API host
 * `/2.0`), behind a connection gate (connection-gate.ts), authenticating and rate-limiting every request and
 * rendering every error once, as Box's ClientError envelope — including the errors Node meets before a request
 * exists (see connection-errors.ts).
 */
import { BoxError } from '@tranche/protocol';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { hashToken, presentedToken } from '../domain/auth.js';
import { loggable } from '../domain/upload-sessions.js';
import type { Domain } from '../domain/index.js';
import { clientKey } from './client-address.js';
import { answerEdgeCases, makeClientErrorHandler } from './connection-errors.js';
import { trustsPeer } from './trusted-proxies.js';
import { ConnectionGate, defaultMaxConnections } from './connection-gate.js';
import { sendError } from './error-envelope.js';
import { JSON_BODY_LIMIT, useShallowJson } from './json-body.js';
import { JsonParserPool } from './json-parser-pool.js';
import { operationsRoutes, type OperationsEndpoints } from './operations-routes.js';
import { rateLimiting } from './rate-limit.js';
import { observeRequests, requestIdOf } from './request-observer.js';
import { RouteTable } from './route-table.js';
import { fileRoutes } from './routes/files.js';
import { fileVersionRoutes } from './routes/file-versions.js';
import { folderRoutes } from './routes/folders.js';
import { trashRoutes } from './routes/trash.js';
import { userRoutes } from './routes/users.js';
import { uploadSessionRoutes } from './routes/upload-sessions.js';
import { defaultWebRoot, useCors, useWebPage } from './web-page.js';
import './request-user.js';

export const PREFIXES = ['/api/2.0', '/2.0'] as const;

export interface HttpOptions {
  /** pino log level (default 'info'; 'silent' to disable). */
  logLevel?: string;
  /** Milliseconds a request may take to arrive in full, headers and body (default 1 hour). */
  requestTimeoutMs?: number;
  /** Milliseconds to receive the headers, however slowly they trickle in (default 30 s; slowloris guard). */
  headersTimeoutMs?: number;
  /** Milliseconds a connection may go without receiving or sending a byte, mid-body included (default 120 s). */
  idleTimeoutMs?: number;
  /** Milliseconds a kept-alive connection waits for its next request (default 65 s). */
  keepAliveTimeoutMs?: number;
  /** Requests per minute per token, part PUTs excepted (default 1000; 0: unlimited). */
  rateLimit?: number;
  /** Part PUTs per minute per token (default 0: unlimited). */
  partRateLimit?: number;
  /** Requests without a valid token per minute per client address, every route (default 120; 0: unlimited). */
  anonymousRateLimit?: number;
  /** Connections held at once (default 10,000, less when the open-file limit is lower; 0: no cap). */
  maxConnections?: number;
  /** Connections held at once per client address, IPv6 per /64 (default 256; 0: no cap). */
  maxConnectionsPerAddress?: number;
  /** Proxies whose `X-Forwarded-For` names the client (addresses, CIDR ranges, `loopback`…); default: none. */
  trustProxy?: readonly string[];
  /** Metrics and readiness; their endpoints go on this app unless `operationsListener` says they have their own. */
  operations?: OperationsEndpoints;
  /** The operations endpoints are served by a listener of their own (`--metrics-port`), not under this app. */
  operationsListener?: boolean;
  /** Origins allowed to call the API from a browser (CORS); '*' for any. Default: none. */
  corsOrigins?: readonly string[];
  /** Directory of the browser uploader served at `/` (default: @tranche/web's build, when present); false: none. */
  webRoot?: string | false;
}

/** The defaults, and why (docs/RELIABILITY.md, "Security and limits"). */
export const HTTP_DEFAULTS = {
  // A 512 MiB part (the largest the policy picks) needs 150 KB/s to arrive within the hour.
  requestTimeoutMs: 3_600_000,
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
  // Above the 60 s idle timeout of common load balancers, so the server is never the one closing under them.
  keepAliveTimeoutMs: 65_000,
  // Box's published API limit per user (spec §2.4).
  rateLimit: 1000,
  // Part PUTs are paced by bandwidth and bounded by the part size; a limit would only slow fast uploaders.
  partRateLimit: 0,
  // Two a second per address: a client without a token has nothing to do but fetch one; a flood of bad tokens
  // (each one a database lookup) is held to this.
  anonymousRateLimit: 120,
  // Far above what a client needs (the CLI uses 4 parts in parallel, a browser 6 connections per host), far below
  // what would starve others: 40 such clients to reach the total cap.
  maxConnectionsPerAddress: 256,
} as const satisfies Required<Omit<HttpOptions, 'logLevel' | 'maxConnections' | 'operations' | 'operationsListener' | 'corsOrigins' | 'webRoot' | 'trustProxy'>>;

/** Largest request head (request line and headers); beyond it → 431. Node's default, stated. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Longest URL path and error message a log line carries (client input may be in either). */
const MAX_LOGGED_URL = 512;
const MAX_LOGGED_MESSAGE = 1000;
/** Where a credential may sit in a logged object, down to two levels of nesting. */
const CREDENTIAL_PATHS = ['', '*.', '*.*.'].flatMap((at) => [
  `${at}headers.authorization`,
  `${at}headers.cookie`,
  `${at}headers["proxy-authorization"]`,
  `${at}query.access_token`,
]);
/** How often Node checks header and request timeouts: the precision of both. */
const TIMEOUT_CHECK_MS = 1_000;
/**
 * A body answered before it arrived (a 413, a 416 before a part's bytes) of an authenticated request is read to its
 * end when it declares at most this much, the largest part: the client can finish sending and then read the answer
 * on a connection that stays usable. A larger declared body, or any request without a valid token, gets the
 * connection closed after the answer, by a bounded lingering close (lingering-close.ts).
 */
const DRAIN_LIMIT = 512 * 1024 * 1024;

export async function buildApp(domain: Domain, options: HttpOptions = {}): Promise<FastifyInstance> {
  const settings = { ...HTTP_DEFAULTS, ...stripUndefined(options) };
  const app: FastifyInstance = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      // Credentials never reach the log, even where a library logs whole header sets (@fastify/multipart does, at
      // trace level) or a request's URL with its query.
      redact: { paths: CREDENTIAL_PATHS, censor: '[redacted]' },
      // Whatever a client sent reaches the log bounded: the URL (up to 16 KiB of head) and error messages, which may
      // quote a request's input.
      serializers: {
        req: (request: { method?: string; url?: string }) => ({ method: request.method, url: loggable(request.url?.split('?')[0], MAX_LOGGED_URL) }),
        err: (error: Error & { code?: unknown }) => ({
          type: error?.name,
          message: loggable(error?.message, MAX_LOGGED_MESSAGE),
          stack: loggable(error?.stack, 4 * MAX_LOGGED_MESSAGE),
          ...(error?.code !== undefined ? { code: loggable(error.code, 100) } : {}),
          // What the error wraps says why (an S3 answer's code, status and request id under a lost upload).
          ...(error?.cause instanceof Error ? { cause: { type: error.cause.name, message: loggable(error.cause.message, MAX_LOGGED_MESSAGE) } } : {}),
        }),
      },
    },
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdOf,
    trustProxy: options.trustProxy?.length ? [...options.trustProxy] : false,
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: settings.idleTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // A missing Host is refused in the onRequest hook below, with a Box body (Node's own 400 has none).
    http: { maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: TIMEOUT_CHECK_MS, requireHostHeader: false },
    clientErrorHandler: makeClientErrorHandler(() => app.log),
    frameworkErrors: (error, request, reply) => {
      reply.header('box-request-id', request.id).header('x-request-id', request.id);
      sendError(request, reply, frameworkError(error.code, request.url));
    },
    // Requests arriving during a shutdown are refused in the onRequest hook, with a Box body.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.server.headersTimeout = settings.headersTimeoutMs;
  new ConnectionGate(app.server, { maxConnections: settings.maxConnections ?? defaultMaxConnections(), maxConnectionsPerAddress: settings.maxConnectionsPerAddress, exempt: trustsPeer(options.trustProxy ?? []) });
  answerEdgeCases(app.server);
  useShallowJson(app);
  const routes = new RouteTable(app);

  observeRequests(app, options.operations?.metrics);
  const metrics = options.operations?.metrics;
  const withinRate = await rateLimiting(app, {
    perMinute: settings.rateLimit,
    partsPerMinute: settings.partRateLimit,
    anonymousPerMinute: settings.anonymousRateLimit,
    onReject: (budget) => metrics?.rateLimitRejected(budget),
  });
  const corsOrigins = options.corsOrigins ?? [];
  // Before the authentication hook: a refused request must still carry the CORS headers for the page to read it.
  await useCors(app, corsOrigins);
  const webRoot = options.webRoot === false ? undefined : (options.webRoot ?? defaultWebRoot());
  app.decorateRequest('user', undefined);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.operations === true) return;
    if (closing) {
      reply.header('connection', 'close').header('retry-after', '1');
      throw new BoxError('unavailable', 'The server is shutting down; retry shortly');
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new BoxError('bad_request', 'HTTP/1.1 requests must carry a Host header');
    }
    // The page's own files and CORS preflights need no token (still rate-limited, by address). A Box preflight
    // (OPTIONS /files/content without Access-Control-Request-Method) is an API call and is authenticated.
    const outsideApi = webRoot !== undefined && (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url);
    const corsPreflight = corsOrigins.length > 0 && request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (outsideApi || corsPreflight) {
      request.rateKey = `ip:${clientKey(request.ip)}`;
      await withinRate(request);
      return;
    }
    const query = request.query as Record<string, unknown>;
    // A token in the query only where Box takes one (downloads): a URL is logged, cached and shared far more
    // readily than a header.
    const queryToken = request.routeOptions.config?.queryToken === true ? query.access_token : undefined;
    const token = presentedToken(request.headers.authorization, queryToken);
    let refused: unknown;
    try {
      request.user = await domain.auth.authenticate(request.headers.authorization, queryToken);
    } catch (error) {
      refused = error;
    }
    // Counted before a refusal is sent, so a flood of bad tokens spends its sender's budget too.
    request.rateKey = request.user && token ? `token:${hashToken(token)}` : `ip:${clientKey(request.ip)}`;
    await withinRate(request);
    if (refused) {
      if (token === undefined && query.access_token !== undefined && queryToken === undefined) {
        throw new BoxError('unauthorized', 'access_token is accepted only by GET /files/{id}/content; send Authorization: Bearer <token>');
      }
      throw refused;
    }
    // Before the body is read, so a wrong method or path gets its 405/404 whatever it sends.
    if (request.is404) throw routes.refusal(request.method, request.url);
    const shadowed = routes.shadowedRefusal(request.method, request.url);
    if (shadowed) throw shadowed;
    rejectRepeatedParameters(request);
  });
  app.addHook('onSend', async (request, reply) => {
    // A client without a valid token keeps no connection: answered, it is closed (lingering when the request is
    // still arriving; see connection-gate.ts), so it can neither trickle a refused body nor idle on a keep-alive.
    if (!request.user) {
      // Health checks and scrapes (no token by design) keep their connection, as any monitoring client expects.
      // So do the page's own files.
      if (request.routeOptions.config?.operations !== true && isApiPath(request.url)) reply.header('connection', 'close');
      return;
    }
    if (request.raw.complete) return;
    const declared = request.headers['content-length'];
    if (declared === undefined || Number(declared) <= DRAIN_LIMIT) {
      if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
    } else {
      reply.header('connection', 'close');
    }
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  // Reached only when the onRequest hook did not answer (it decides 405 and 404 before any body is read).
  app.setNotFoundHandler((request, reply) => sendError(request, reply, routes.refusal(request.method, request.url)));

  const parsers = new JsonParserPool();
  app.addHook('onClose', () => parsers.close());
  if (options.operations && !options.operationsListener) await app.register(operationsRoutes, options.operations);
  if (webRoot !== undefined) await useWebPage(app, webRoot);
  for (const prefix of PREFIXES) {
    await app.register(uploadSessionRoutes, { prefix, domain, parsers });
    await app.register(fileRoutes, { prefix, domain });
    await app.register(folderRoutes, { prefix, domain });
    await app.register(trashRoutes, { prefix, domain });
    await app.register(fileVersionRoutes, { prefix, domain });
    await app.register(userRoutes, { prefix, domain });
  }
  return app;
}

/** A parameter given twice arrives as an array, which no route expects: refused here, once for all routes. */
function rejectRepeatedParameters(request: FastifyRequest): void {
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (Array.isArray(value)) throw new BoxError('bad_request', `The query parameter ${JSON.stringify(name.slice(0, 100))} is given more than once`);
  }
}

/** Router errors (malformed percent-encoding, an over-long path segment) as Box errors. */
function frameworkError(code: string, url: string): BoxError {
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return url.includes('/upload_sessions/') ? new BoxError('invalid_upload_session_id') : new BoxError('not_found', 'No item has so long an id');
  }
  return new BoxError('bad_request', 'The request path is not a valid URL');
}

function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
