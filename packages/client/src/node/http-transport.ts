/**
 * A Transport on node:http/https. Chosen over Node's global fetch because it streams request bodies without
 * `duplex: 'half'`, reports upload progress as bytes are written, honours socket back-pressure, and has a real
 * idle timeout (no bytes either way for `timeoutMs` → TransportTimeoutError).
 */
import http from 'node:http';
import https from 'node:https';
import { OpaqueBody, TransportTimeoutError, type Transport, type TransportRequest, type TransportResponse } from '../core/index.js';

const WRITE_CHUNK = 256 * 1024;

export interface NodeTransportOptions {
  /** Keep-alive agents shared by every request of this transport. Default: fresh agents with keepAlive. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
}

export function nodeHttpTransport(options: NodeTransportOptions = {}): Transport {
  const httpAgent = options.httpAgent ?? new http.Agent({ keepAlive: true, maxSockets: 32 });
  const httpsAgent = options.httpsAgent ?? new https.Agent({ keepAlive: true, maxSockets: 32 });
  return (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      if (request.body instanceof OpaqueBody) throw new TypeError('node:http cannot send an opaque (browser) body; give the source no body() here');
      const url = new URL(request.url);
      const lib = url.protocol === 'https:' ? https : http;
      const headers: Record<string, string | number> = { ...request.headers };
      if (request.body instanceof Uint8Array) headers['content-length'] = request.body.byteLength;
      const req = lib.request(url, {
        method: request.method,
        headers,
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
        signal: request.signal,
      });
      if (request.timeoutMs !== undefined) {
        req.setTimeout(request.timeoutMs, () => req.destroy(new TransportTimeoutError(request.timeoutMs!)));
      }
      req.on('error', reject);
      req.once('response', (res) => {
        res.on('error', () => undefined); // surfaced to whoever iterates the body
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
          body: res,
          discard: () => void res.resume(),
        });
      });
      writeBody(req, request).catch((error: unknown) => req.destroy(error as Error));
    });
}

async function writeBody(req: http.ClientRequest, request: TransportRequest): Promise<void> {
  const body = request.body;
  if (body instanceof OpaqueBody) throw new TypeError('node:http cannot send an opaque (browser) body');
  if (body === undefined) {
    req.end();
    return;
  }
  const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = body instanceof Uint8Array ? slices(body) : body;
  let sent = 0;
  for await (const chunk of chunks) {
    if (req.destroyed) return;
    const more = req.write(chunk);
    sent += chunk.byteLength;
    request.onBodyProgress?.(sent);
    if (!more) await drained(req);
  }
  req.end();
}

function slices(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += WRITE_CHUNK) out.push(bytes.subarray(at, at + WRITE_CHUNK));
  return out;
}

function drained(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}
