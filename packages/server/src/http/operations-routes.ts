/**
 * The operator's endpoints, outside the API prefixes and without a token: GET /livez (the process serves),
 * GET /readyz (it should get traffic; 503 otherwise, `?verbose` lists each check) and GET /metrics (Prometheus).
 * They sit on the main listener, or on a listener of their own (`--metrics-port`).
 */
import type { FastifyInstance } from 'fastify';
import type { TrancheMetrics } from '../observability/metrics.js';
import type { Readiness } from '../observability/readiness.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An operations endpoint: no token, no rate limit, answered during shutdown too. */
    operations?: boolean;
  }
}

export interface OperationsEndpoints {
  metrics: TrancheMetrics;
  readiness: Readiness;
}

export const OPERATIONS_PATHS = ['/livez', '/readyz', '/metrics'] as const;

export async function operationsRoutes(app: FastifyInstance, { metrics, readiness }: OperationsEndpoints): Promise<void> {
  const config = { operations: true };
  app.get('/livez', { config }, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get<{ Querystring: { verbose?: string } }>('/readyz', { config }, async (request, reply) => {
    const report = await readiness.report();
    reply.code(report.ready ? 200 : 503).header('cache-control', 'no-store');
    if (!report.ready) request.log.warn({ failed: report.checks.filter((c) => !c.ok) }, 'not ready');
    if (request.query.verbose === undefined) return reply.send({ status: report.ready ? 'ready' : 'not ready' });
    return reply.send({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  app.get('/metrics', { config }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
