/**
 * JSON request bodies: small by default, and shallow. Every JSON body Box defines is at most three levels deep; a
 * document nested thousands of levels deep is refused before it is parsed, so no code that walks a body (recursively
 * serialising it into a message, say) can run out of stack.
 */
import { BoxError } from '@tranche/protocol';
import type { FastifyInstance } from 'fastify';

/** Largest JSON body of any request but commit: session creation, folders, preflight and client telemetry are tiny. */
export const JSON_BODY_LIMIT = 64 * 1024;
/**
 * Largest commit body: 10,000 parts of about 112 bytes each (8-character id, 12-digit offset, 9-digit size, 40-hex
 * SHA-1) are 1.1 MB compact; 4 MiB leaves room for indentation and attributes.
 */
export const COMMIT_BODY_LIMIT = 4 * 1024 * 1024;
/** Deepest nesting of objects and arrays accepted. */
export const MAX_JSON_DEPTH = 32;

/** Replaces Fastify's JSON parser with one that checks the depth first, then parses as Fastify does (no __proto__). */
export function useShallowJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // The generated SDKs send DELETE (and other body-less requests) with Content-Type: application/json and no body.
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    if (nestingExceeds(text, MAX_JSON_DEPTH)) {
      done(new BoxError('bad_request', `JSON bodies may nest at most ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parse(request, text, done);
  });
}

/** True when `text` opens more than `max` objects or arrays inside one another (strings skipped, escapes honoured). */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
