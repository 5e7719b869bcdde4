/**
 * Every route the app registers (method and path pattern, collected from Fastify's onRoute hook), so that a request
 * no route takes can be told apart: a known path with another method → 405 `method_not_allowed` with an `Allow`
 * header; anything else → 404. Decided before the body is read, so the answer does not depend on it.
 */
import { BoxError } from '@tranche/protocol';
import type { FastifyInstance } from 'fastify';

interface Pattern {
  matches: RegExp;
  methods: Set<string>;
}

export class RouteTable {
  private readonly patterns = new Map<string, Pattern>();

  /** Collects the routes registered on `app` from now on (call before registering them). */
  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route) => this.add(route.method, route.url ?? route.path));
  }

  add(method: string | string[], url: string): void {
    const key = url.replace(/\/$/, '') || '/';
    let pattern = this.patterns.get(key);
    if (!pattern) {
      pattern = { matches: compile(key), methods: new Set() };
      this.patterns.set(key, pattern);
    }
    for (const m of Array.isArray(method) ? method : [method]) pattern.methods.add(m.toUpperCase());
  }

  /** The methods some route accepts on `path` (the request path, without its query), sorted. */
  allowed(path: string): string[] {
    const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
    // A literal path is its own resource: /files/upload_sessions is not the file id "upload_sessions".
    const literal = this.patterns.get(trimmed);
    if (literal && !trimmed.includes('/:')) return [...literal.methods].sort();
    const methods = new Set<string>();
    for (const [key, pattern] of this.patterns) {
      // A catch-all (CORS preflights on `*`) names no resource: it makes no path known.
      if (key === '*' || key === '/*') continue;
      if (pattern.matches.test(trimmed)) for (const m of pattern.methods) methods.add(m);
    }
    return [...methods].sort();
  }

  /**
   * 405 for a request that a parametric route took although a literal path names it: `PUT /files/upload_sessions`
   * matches `PUT /files/:id`, but `/files/upload_sessions` is a resource of its own (POST only), not a file id.
   */
  shadowedRefusal(method: string, url: string): BoxError | undefined {
    const path = (url.split('?')[0] ?? '').replace(/(.)\/$/, '$1');
    const literal = this.patterns.get(path);
    if (!literal || path.includes('/:') || literal.methods.has(method.toUpperCase())) return undefined;
    const allowed = [...literal.methods].sort();
    return new BoxError('method_not_allowed', `${method.slice(0, 20)} is not allowed on this resource; allowed: ${allowed.join(', ')}`, null, {
      allow: allowed.join(', '),
    });
  }

  /** The error for a request no route took: 405 with `Allow` on a known path, else 404. */
  refusal(method: string, url: string): BoxError {
    const path = url.split('?')[0] ?? '';
    const allowed = this.allowed(path);
    // A route that takes this method let it through and found nothing (a static file that is not there): 404.
    if (allowed.length === 0 || allowed.includes(method.toUpperCase())) return new BoxError('not_found', `No route for ${method.slice(0, 20)} ${path.slice(0, 200)}`);
    return new BoxError('method_not_allowed', `${method.slice(0, 20)} is not allowed on this resource; allowed: ${allowed.join(', ')}`, null, {
      allow: allowed.join(', '),
    });
  }
}

/** `/files/:id/content` → /^\/files\/[^/]+\/content$/ (named parameters are whole segments here). */
function compile(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
