/**
 * The browser uploader (packages/web) served at `/` as static files, and CORS for the origins allowed to embed
 * it or call the API from their own pages (`--cors-origin`). Both sit outside the Box API: the page's files need
 * no token, and a CORS preflight never carries one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Headers a page on another origin may send: Box's auth, part ranges and digests, conditional requests. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'content-range', 'content-md5', 'digest', 'if-match', 'if-none-match', 'user-agent'];
/** Headers such a page may read: the request id, Retry-After for back-off, Location for 202/302 answers, ETag. */
const EXPOSED_HEADERS = ['box-request-id', 'retry-after', 'location', 'etag', 'content-length', 'content-disposition'];

/** The built page of @tranche/web, or undefined when it is not installed or not built. */
export function defaultWebRoot(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@tranche/web/package.json');
    const root = path.join(path.dirname(manifest), 'dist');
    return existsSync(path.join(root, 'index.html')) ? root : undefined;
  } catch {
    return undefined;
  }
}

export async function useCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(fastifyCors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    strictPreflight: false,
  });
}

export async function useWebPage(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    // Hashed bundle names are not used: a short max-age keeps upgrades visible within a minute.
    maxAge: 60_000,
    wildcard: false,
    setHeaders: (res) => {
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
}
