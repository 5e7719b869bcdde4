/**
 * Many connections from one loopback address (Linux routes all of 127/8 to lo, so 127.0.0.2, 127.0.0.3… are other
 * "clients" to the server), idle or trickling the head of a request that never ends, and single requests sent from a
 * chosen address, timed. For the connection-cap and outsider-flood tests.
 */
import http from 'node:http';
import net from 'node:net';

export interface Flood {
  /** Connections opened (the connect completed). */
  opened: number;
  /** Connections the server closed (or reset) so far. */
  closedByServer: number;
  /** Connections still open now. */
  held(): number;
  /** Resolves once the server has closed at least `n` connections (rejects after `timeoutMs`). */
  closedAtLeast(n: number, timeoutMs?: number): Promise<void>;
  /** Closes every connection still open. */
  destroy(): void;
}

export interface FloodOptions {
  /** Local address the connections come from. */
  from: string;
  count: number;
  /** Connect attempts in flight at once (default 400, below Node's default listen backlog of 511). */
  concurrency?: number;
  /** Every other connection writes one more byte of a request head every this many ms (default: all idle). */
  trickleMs?: number;
}

const TRICKLE_SLICES = 20;

/** Opens `count` connections from `from`; resolves once every connect has completed (or failed). */
export async function flood(port: number, options: FloodOptions): Promise<Flood> {
  const sockets = new Set<net.Socket>();
  const trickling = new Set<net.Socket>();
  const ours = new WeakSet<net.Socket>();
  const waiters: Array<() => void> = [];
  const state = { opened: 0, closedByServer: 0 };
  let timer: NodeJS.Timeout | undefined;
  const head = 'GET /2.0/folders/0 HTTP/1.1\r\nHost: flood\r\nX-Slow: ';
  const connectOne = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1', localAddress: options.from, allowHalfOpen: true });
      socket.on('error', () => {});
      socket.once('connect', () => {
        state.opened++;
        sockets.add(socket);
        if (options.trickleMs && index % 2 === 1) {
          socket.write(head);
          trickling.add(socket);
        }
        resolve();
      });
      // Half-open (so a trickler's writes do not stop at the server's FIN); the server's FIN ends the connection here.
      socket.once('end', () => socket.destroy());
      socket.once('close', () => {
        trickling.delete(socket);
        if (sockets.delete(socket) && !ours.has(socket)) {
          state.closedByServer++;
          for (const wake of waiters.splice(0)) wake();
        }
        resolve();
      });
    });
  const concurrency = options.concurrency ?? 400;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, options.count) }, async () => {
      while (next < options.count) await connectOne(next++);
    }),
  );
  if (options.trickleMs) {
    // In slices (a twentieth of the tricklers every twentieth of the period), not one burst that would stall this
    // process's event loop, and with it the timing of the requests measured here.
    let slice = 0;
    timer = setInterval(() => {
      let i = 0;
      for (const socket of trickling) if (i++ % TRICKLE_SLICES === slice) socket.write('x');
      slice = (slice + 1) % TRICKLE_SLICES;
    }, options.trickleMs / TRICKLE_SLICES);
    timer.unref();
  }
  return {
    get opened() {
      return state.opened;
    },
    get closedByServer() {
      return state.closedByServer;
    },
    held: () => sockets.size,
    closedAtLeast(n, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`the server closed ${state.closedByServer} connections, expected ${n}`)), timeoutMs);
        const check = (): void => {
          if (state.closedByServer >= n) {
            clearTimeout(deadline);
            resolve();
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    destroy() {
      clearInterval(timer);
      for (const socket of sockets) {
        ours.add(socket);
        socket.destroy();
      }
      sockets.clear();
    },
  };
}

export interface TimedReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  elapsedMs: number;
}

/** One request on a new connection from `from`, timed from the connect to the last byte of the answer. */
export function requestFrom(from: string, port: number, path: string, options: { method?: string; token?: string; body?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<TimedReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    const request = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', localAddress: from, agent: false, headers, timeout: options.timeoutMs ?? 10_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: performance.now() - started }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${path} within ${options.timeoutMs ?? 10_000} ms`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
