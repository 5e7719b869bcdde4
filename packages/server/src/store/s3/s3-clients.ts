/**
 * The S3 clients of one blob store: one with the SDK's retries for requests that can be replayed, and one without
 * for UploadPart, whose streamed body cannot be sent twice. Both share one keep-alive agent pair.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Location } from './s3-location.js';

/** Parts of many sessions stream at once, each holding a socket for its whole duration. */
const MAX_SOCKETS = 256;
const CONNECT_TIMEOUT_MS = 10_000;
/** Idle time on a socket before a request fails; S3 itself drops a request body idle for about 20 s. */
const SOCKET_IDLE_TIMEOUT_MS = 120_000;

export interface S3Clients {
  /** Retries what can be replayed: every request but UploadPart. */
  client: S3Client;
  /** Never retries: for requests whose body is a one-shot stream. */
  once: S3Client;
  destroy(): void;
}

/**
 * Like the SDK's default logger: silent (it would log every failed command at error level), except that warnings
 * reach the console as they do by default. Dropped: the note that a failed streaming request is not retried. Not
 * retrying is the point, and every client that hangs up mid-part would print it on stderr, outside the server log.
 */
const STREAM_NOT_RETRIED = 'An error was encountered in a non-retryable streaming request.';
const quietAboutStreams: NonNullable<S3ClientConfig['logger']> = {
  debug() {},
  info() {},
  warn: (...content: unknown[]) => (content[0] === STREAM_NOT_RETRIED ? undefined : console.warn(...content)),
  error() {},
};

export function createS3Clients(location: S3Location): S3Clients {
  // The SDK warns on Node 20 that releases after January 2027 will need Node 22; AWS documents this variable as
  // the way to silence it (aws/aws-sdk-js-v3#7983). An operator who sets it to anything else still sees it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const agents = { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }) };
  const config: S3ClientConfig = {
    forcePathStyle: location.forcePathStyle,
    // Checksums only where an operation requires one: many S3-compatible services reject or mishandle the SDK's
    // newer default (a CRC32 trailer in an aws-chunked body), and every part is checked against its SHA-1 anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Our agents are shared, so the SDK would not wait for "100 Continue" anyway; the header would only cost a round trip.
    expectContinueHeader: false,
    requestHandler: { ...agents, connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: SOCKET_IDLE_TIMEOUT_MS },
  };
  if (location.endpoint !== undefined) config.endpoint = location.endpoint;
  if (location.region !== undefined) config.region = location.region;
  const client = new S3Client(config);
  const once = new S3Client({ ...config, maxAttempts: 1, logger: quietAboutStreams });
  return {
    client,
    once,
    destroy() {
      client.destroy();
      once.destroy();
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
  };
}
