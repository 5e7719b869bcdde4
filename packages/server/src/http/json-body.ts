/**
 * JSON request bodies: small by default, shallow, and of few values. Every JSON body Box defines is at most three
 * levels deep and, commits aside, holds a handful of values; a document nested thousands of levels deep, or made of
 * thousands of tiny values (the slowest kind to parse), is refused before it is parsed. Commit bodies are read by
 * commit-body-reader.ts, under limits that follow from their session.
 */
import { BoxError } from '@tranche/protocol';
import type { FastifyInstance } from 'fastify';
import { scanJson, type JsonLimits } from '../domain/commit-body.js';

/** Largest JSON body of any request but commit: session creation, folders, preflight and client telemetry are tiny. */
export const JSON_BODY_LIMIT = 64 * 1024;
/**
 * Largest commit body: 10,000 parts of about 112 bytes each (8-character id, 12-digit offset, 9-digit size, 40-hex
 * SHA-1) are 1.1 MB compact; 4 MiB leaves room for indentation and attributes.
 */
export const COMMIT_BODY_LIMIT = 4 * 1024 * 1024;
/** Deepest nesting of objects and arrays accepted. */
export const MAX_JSON_DEPTH = 32;
/**
 * Tokens (objects and arrays opened, strings, commas) in any JSON body but a commit's, and in a simple upload's
 * `attributes`: the largest of them (a folder or a session with every optional field) uses a few dozen.
 */
export const MAX_JSON_TOKENS = 1024;
export const SMALL_JSON: JsonLimits = { maxDepth: MAX_JSON_DEPTH, maxTokens: MAX_JSON_TOKENS };

/**
 * Replaces Fastify's JSON parser with one that decodes the bytes as strict UTF-8, checks depth and the number of
 * values, then parses as Fastify does (no __proto__).
 */
export function useShallowJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // The generated SDKs send DELETE (and other body-less requests) with Content-Type: application/json and no body.
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = decodeUtf8(body as Buffer, 'The JSON body');
    } catch (error) {
      done(error as BoxError, undefined);
      return;
    }
    const problem = scanJson(text, SMALL_JSON);
    if (problem) {
      done(new BoxError('bad_request', problem), undefined);
      return;
    }
    parse(request, text, done);
  });
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of `bytes`, which must be well-formed UTF-8 (a leading BOM is dropped): a lenient decoder would turn a
 * stray byte into U+FFFD, and a name would be stored unlike the one sent.
 */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new BoxError('bad_request', `${what} is not valid UTF-8`);
  }
}
