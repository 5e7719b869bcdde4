/** Worker-thread entry: parses large commit bodies off the event loop (see http/json-parser-pool.ts). */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { BoxError } from '@tranche/protocol';
import { parseCommitBody, type CommitBody, type JsonLimits } from './domain/commit-body.js';

/**
 * Parsing a large body is background work for whoever sent it: on Linux a thread has its own nice value, and this one
 * yields the CPU to the event loop (every other user's requests) and to the hash worker whenever they want it.
 */
export const PARSER_NICE = 10;
// Elsewhere the call would renice the whole process, the event loop with it.
if (process.platform === 'linux') {
  try {
    setPriority(PARSER_NICE);
  } catch {
    // Not permitted: the worker still keeps the parse off the event loop.
  }
}

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  limits: JsonLimits;
}

export type ParseResponse = { id: number; body: CommitBody } | { id: number; error: { code: 'bad_request'; message: string } };

parentPort!.on('message', ({ id, bytes, limits }: ParseRequest) => {
  let response: ParseResponse;
  try {
    response = { id, body: parseCommitBody(bytes, limits) };
  } catch (error) {
    const message = error instanceof BoxError ? error.message : `The request body could not be parsed: ${String(error).slice(0, 200)}`;
    response = { id, error: { code: 'bad_request', message } };
  }
  const parts = 'body' in response ? response.body.parts : null;
  const transfer = parts ? [parts.offsets.buffer, parts.sizes.buffer, parts.idEnds.buffer, parts.sha1Kinds.buffer, parts.malformed.buffer] : [];
  parentPort!.postMessage(response, transfer as ArrayBuffer[]);
});
