/**
 * A fault-injecting HTTP proxy on loopback, between the client and a Tranche server. Requests that `match`
 * (by default: part uploads, PUT on an upload session) suffer faults drawn from a seeded PRNG:
 *   - drop:       forward part of the request body, then cut both connections (the part never completes),
 *   - lostAnswer: forward the whole request, let the server answer, then cut the client off unanswered,
 *   - error500 / error429 / error507: answer 500, 429 with Retry-After, or 507 (storage full: final), without forwarding,
 *   - stall:      wait `stallMs` before forwarding,
 *   - hang:       never answer (the client must time out); the request is dropped when the client gives up.
 * It also counts requests, and can hold part uploads after the first N (to kill a client at a known point).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultPlan {
  seed?: number;
  drop?: number;
  lostAnswer?: number;
  error500?: number;
  error429?: number;
  error507?: number;
  retryAfterSeconds?: number;
  stall?: number;
  stallMs?: number;
  hang?: number;
  /** Which requests may be faulted. Default: PUT part uploads. */
  match?: (method: string, path: string) => boolean;
  /** Let this many part PUTs through (counted on arrival), then hold every further one unanswered until `releaseHeld()`. */
  holdPutsAfter?: number;
}

export interface ProxyStats {
  requests: number;
  /** Part PUTs that arrived from the client (faulted or held ones included). */
  putsReceived: number;
  /** Part PUTs the server answered with 2xx, relayed to the client. */
  putsForwarded: number;
  faults: Record<'drop' | 'lostAnswer' | 'error500' | 'error429' | 'error507' | 'stall' | 'hang', number>;
  held: number;
  /** Every part PUT as it arrived: when (performance.now()), to which session URL, which bytes (Content-Range). */
  putLog: Array<{ at: number; path: string; range: string }>;
}

export interface FaultProxy {
  origin: string;
  stats: ProxyStats;
  plan: FaultPlan;
  setTarget(origin: string): void;
  resetStats(): void;
  /** Cut every held request (they never reach the server). */
  releaseHeld(): void;
  close(): Promise<void>;
}

const isPartPut = (method: string, path: string): boolean => method === 'PUT' && /\/files\/upload_sessions\/[^/]+$/.test(path.split('?')[0]!);

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(plan: FaultPlan = {}): Promise<FaultProxy> {
  let target = '';
  // Each plan rolls from its own seed: a plan set by a later test must not continue the sequence an earlier test
  // left behind (how far that got depends on timing, so a test's faults did too).
  let rolling: { plan: FaultPlan; next: () => number } | undefined;
  const random = (): number => {
    if (rolling?.plan !== proxy.plan) rolling = { plan: proxy.plan, next: prng(proxy.plan.seed ?? 1) };
    return rolling.next();
  };
  const emptyStats = (): ProxyStats => ({ requests: 0, putsReceived: 0, putsForwarded: 0, faults: { drop: 0, lostAnswer: 0, error500: 0, error429: 0, error507: 0, stall: 0, hang: 0 }, held: 0, putLog: [] });
  const held = new Set<http.IncomingMessage>();
  const agent = new http.Agent({ keepAlive: true });

  const proxy: FaultProxy = {
    origin: '',
    stats: emptyStats(),
    plan,
    setTarget: (origin) => void (target = origin),
    resetStats: () => void (proxy.stats = emptyStats()),
    releaseHeld: () => {
      for (const req of held) req.socket.destroy();
      held.clear();
    },
    close: async () => {
      proxy.releaseHeld();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, fault?: 'drop' | 'lostAnswer'): void => {
    if (req.destroyed) return; // the client gave up while we stalled
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers, agent });
    const isPut = isPartPut(req.method!, req.url!);
    upstream.on('error', () => req.socket.destroy());
    // A client that hangs up mid-body must not leave a half request open upstream.
    req.on('close', () => {
      if (!req.complete) upstream.destroy();
    });
    upstream.on('response', (answer) => {
      // The server may answer before reading the whole body (an identical part already stored): swallow the
      // rest of the client's body as a server would, or the client's connection stalls behind it.
      answer.on('end', () => {
        if (!req.complete) {
          req.unpipe(upstream);
          req.resume();
        }
      });
      if (fault === 'lostAnswer') {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      if (isPut && answer.statusCode! < 300) proxy.stats.putsForwarded++;
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    if (fault === 'drop') {
      const limit = Math.floor(Number(req.headers['content-length'] ?? 0) * random());
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen <= limit) upstream.write(chunk);
        else {
          upstream.destroy();
          req.socket.destroy();
        }
      });
      req.on('end', () => upstream.end());
      return;
    }
    req.pipe(upstream);
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ type: 'error', status, code, message: `injected ${code}`, context_info: null, help_url: '', request_id: 'fault-proxy' }));
    });
  };

  const server = http.createServer((req, res) => {
    proxy.stats.requests++;
    const current = proxy.plan;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    if (isPartPut(method, path)) {
      proxy.stats.putLog.push({ at: performance.now(), path, range: String(req.headers['content-range'] ?? '') });
      if (current.holdPutsAfter !== undefined && proxy.stats.putsReceived - proxy.stats.held >= current.holdPutsAfter) {
        proxy.stats.putsReceived++;
        proxy.stats.held++;
        held.add(req);
        return;
      }
      proxy.stats.putsReceived++;
    }
    if (!(current.match ?? isPartPut)(method, path)) return forward(req, res);
    const roll = random();
    let edge = 0;
    const hit = (p: number | undefined): boolean => roll < (edge += p ?? 0);
    if (hit(current.drop)) {
      proxy.stats.faults.drop++;
      return forward(req, res, 'drop');
    }
    if (hit(current.lostAnswer)) {
      proxy.stats.faults.lostAnswer++;
      return forward(req, res, 'lostAnswer');
    }
    if (hit(current.error500)) {
      proxy.stats.faults.error500++;
      return answer(req, res, 500, 'internal_server_error');
    }
    if (hit(current.error429)) {
      proxy.stats.faults.error429++;
      return answer(req, res, 429, 'rate_limit_exceeded', { 'retry-after': String(current.retryAfterSeconds ?? 1) });
    }
    if (hit(current.error507)) {
      proxy.stats.faults.error507++;
      return answer(req, res, 507, 'insufficient_storage');
    }
    if (hit(current.stall)) {
      proxy.stats.faults.stall++;
      req.pause();
      setTimeout(() => forward(req, res), current.stallMs ?? 2_000);
      return;
    }
    if (hit(current.hang)) {
      proxy.stats.faults.hang++;
      req.resume();
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
