/**
 * The CLI's HTTP transport: node:http with keep-alive, through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY says
 * otherwise (proxy-agent, which reads those variables per request), and limited to `--bwlimit` bytes per
 * second across every request of the process (uploads and downloads).
 */
import type http from 'node:http';
import { createRequire } from 'node:module';
import { nodeHttpTransport, OpaqueBody, type Transport } from '@tranche/client';

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

export function cliTransport(bwlimit: number | undefined, env: NodeJS.ProcessEnv = process.env): Transport {
  const proxied = PROXY_VARS.some((name) => env[name]);
  const agent = proxied ? proxyAgent() : undefined;
  const base = nodeHttpTransport(agent ? { httpAgent: agent, httpsAgent: agent as never } : {});
  if (!bwlimit) return base;
  const bucket = new TokenBucket(bwlimit);
  return async (request) => {
    let body = request.body;
    const headers = { ...request.headers };
    if (body instanceof OpaqueBody) throw new TypeError('the CLI transport cannot send an opaque (browser) body');
    if (body !== undefined) {
      if (body instanceof Uint8Array) headers['content-length'] = String(body.byteLength);
      body = bucket.throttle(body instanceof Uint8Array ? [body] : body);
    }
    const response = await base({ ...request, headers, body });
    return { ...response, body: bucket.throttle(response.body) };
  };
}

/**
 * proxy-agent (with its PAC engine and SOCKS client, ~7 MB of the process's memory) is loaded only when a proxy is
 * set: every other command, `serve` among them, runs without it.
 */
function proxyAgent(): http.Agent {
  const { ProxyAgent } = createRequire(import.meta.url)('proxy-agent') as typeof import('proxy-agent');
  return new ProxyAgent({ keepAlive: true, maxSockets: 32 }) as unknown as http.Agent;
}

const SLICE = 16 * 1024;

/** Bytes per second shared by every stream it throttles. */
export class TokenBucket {
  private available: number;
  private last = Date.now();

  constructor(private readonly rate: number) {
    this.available = Math.min(rate, 256 * 1024);
  }

  async take(bytes: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.available = Math.min(this.rate, this.available + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.available >= bytes) {
        this.available -= bytes;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, ((bytes - this.available) / this.rate) * 1000)));
    }
  }

  async *throttle(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.byteLength; at += SLICE) {
        const piece = chunk.subarray(at, at + SLICE);
        await this.take(piece.byteLength);
        yield piece;
      }
    }
  }
}

/** `10M`, `512k`, `1.5G`, plain bytes; binary multiples. */
export function parseByteRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?(?:\/s)?$/i.exec(value.trim());
  if (!match) throw new Error(`expected a rate like 10M or 512k, got ${JSON.stringify(value)}`);
  const power = ' kmgt'.indexOf((match[2] || ' ').toLowerCase());
  const bytes = Math.round(Number(match[1]) * 1024 ** power);
  if (!(bytes > 0)) throw new Error(`the rate must be positive, got ${JSON.stringify(value)}`);
  return bytes;
}
