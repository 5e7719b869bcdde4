/**
 * The HTTP edge: one Fastify app serving every route under both Box prefixes (upload host `/api/2.0`, API host
 * `/2.0`), authenticating and rate-limiting every request and rendering every error once, as Box's ClientError
 * envelope — including the errors Node meets before a request exists (see connection-errors.ts).
 */
import { randomBytes } from 'node:crypto';
import { BoxError } from '@tranche/protocol';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { hashToken, presentedToken } from '../domain/auth.js';
import type { Domain } from '../domain/index.js';
import { answerEdgeCases, makeClientErrorHandler } from './connection-errors.js';
import { sendError } from './error-envelope.js';
import { JSON_BODY_LIMIT, useShallowJson } from './json-body.js';
import { rateLimiting } from './rate-limit.js';
import { fileRoutes } from './routes/files.js';
import { folderRoutes } from './routes/folders.js';
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
} as const satisfies Required<Omit<HttpOptions, 'logLevel' | 'corsOrigins' | 'webRoot'>>;

/** Largest request head (request line and headers); beyond it → 431. Node's default, stated. */
export const MAX_HEADER_BYTES = 16 * 1024;
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
 * A body answered before it arrived (a 413, a 416 before a part's bytes) is read to its end when it declares at most
 * this much, the largest part: the client can finish sending and then read the answer on a connection that stays
 * usable. A larger declared body gets the connection closed after the answer.
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
      serializers: { req: (request: { method?: string; url?: string }) => ({ method: request.method, url: request.url?.split('?')[0] }) },
    },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomBytes(8).toString('hex'),
    bodyLimit: JSON_BODY_LIMIT,
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: settings.idleTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // A missing Host is refused in the onRequest hook below, with a Box body (Node's own 400 has none).
    http: { maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: TIMEOUT_CHECK_MS, requireHostHeader: false },
    clientErrorHandler: makeClientErrorHandler(() => app.log),
    frameworkErrors: (error, request, reply) => {
      reply.header('box-request-id', request.id);
      sendError(request, reply, frameworkError(error.code, request.url));
    },
    // Requests arriving during a shutdown are refused in the onRequest hook, with a Box body.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.server.headersTimeout = settings.headersTimeoutMs;
  answerEdgeCases(app.server);
  useShallowJson(app);

  const withinRate = await rateLimiting(app, { perMinute: settings.rateLimit, partsPerMinute: settings.partRateLimit });
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
    reply.header('box-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close').header('retry-after', '1');
      throw new BoxError('unavailable', 'The server is shutting down; retry shortly');
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new BoxError('bad_request', 'HTTP/1.1 requests must carry a Host header');
    }
    // The page's own files and CORS preflights need no token (still rate-limited, by address).
    const outsideApi = webRoot !== undefined && (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url);
    if (outsideApi || (corsOrigins.length > 0 && request.method === 'OPTIONS')) {
      request.rateKey = `ip:${request.ip}`;
      await withinRate(request);
      return;
    }
    const query = request.query as Record<string, unknown>;
    const token = presentedToken(request.headers.authorization, query.access_token);
    let refused: unknown;
    try {
      request.user = await domain.auth.authenticate(request.headers.authorization, query.access_token);
    } catch (error) {
      refused = error;
    }
    // Counted before a refusal is sent, so a flood of bad tokens spends its sender's budget too.
    request.rateKey = request.user && token ? `token:${hashToken(token)}` : `ip:${request.ip}`;
    await withinRate(request);
    if (refused) throw refused;
    rejectRepeatedParameters(request);
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.raw.complete || request.headers['content-length'] === undefined) return;
    if (Number(request.headers['content-length']) <= DRAIN_LIMIT) {
      if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
    } else {
      reply.header('connection', 'close');
    }
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    const known = isKnownPath(request.url.split('?')[0] ?? '');
    const error = known
      ? new BoxError('method_not_allowed', `${request.method} is not allowed on this resource`)
      : new BoxError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    return sendError(request, reply, error);
  });

  if (webRoot !== undefined) await useWebPage(app, webRoot);
  for (const prefix of PREFIXES) {
    await app.register(uploadSessionRoutes, { prefix, domain });
    await app.register(fileRoutes, { prefix, domain });
    await app.register(folderRoutes, { prefix, domain });
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

const KNOWN_PATHS = [
  /^\/files\/upload_sessions$/,
  /^\/files\/[^/]+\/upload_sessions$/,
  /^\/files\/upload_sessions\/[^/]+(\/parts|\/commit|\/log)?$/,
  /^\/files\/content$/,
  /^\/files\/[^/]+(\/content)?$/,
  /^\/folders(\/[^/]+(\/items)?)?$/,
];

function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function isKnownPath(path: string): boolean {
  const prefix = PREFIXES.find((p) => path.startsWith(`${p}/`));
  if (!prefix) return false;
  const rest = path.slice(prefix.length).replace(/\/$/, '');
  return KNOWN_PATHS.some((pattern) => pattern.test(rest));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
