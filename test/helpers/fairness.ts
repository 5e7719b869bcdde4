/**
 * Fairness under abuse, measured: user B lists its root folder again and again, with user A idle and with A
 * abusing the server (fairness-abuser.ts, on its own thread), in alternating rounds within one run, so the machine's
 * own load weighs on both figures alike. Used by test/fairness.test.ts and the bench's fairness scenario.
 */
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AbuseOptions } from './fairness-abuser.js';

export interface FairnessOptions extends Omit<AbuseOptions, 'token'> {
  tokenA: string;
  tokenB: string;
  rounds: number;
  /** B's requests per round and phase. */
  samples: number;
}

export interface FairnessResult {
  idle: number[];
  abused: number[];
  /** What A's requests got, by kind and status. */
  abuse: Record<string, number>;
  commitBytes: number;
}

/** Milliseconds of each of `samples` sequential GET /2.0/folders/0 by `token`, over one kept-alive connection. */
export async function listingLatencies(origin: string, token: string, samples: number): Promise<number[]> {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: url.hostname, port: url.port, path: '/2.0/folders/0', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
      });
      times.push(performance.now() - started);
      if (status !== 200) throw new Error(`B's listing answered ${status}`);
    }
  } finally {
    agent.destroy();
  }
  return times;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A's abuse on its own thread, set up and ready to be toggled. */
async function abuser(options: AbuseOptions) {
  const worker = new Worker(new URL('./fairness-abuser.js', import.meta.url), { workerData: options });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the abuser exited with ${code}`)));
  });
  failed.catch(() => {});
  const next = <T>(): Promise<T> => Promise.race([new Promise<T>((resolve) => worker.once('message', resolve)), failed]);
  const ready = await next<{ commitBytes: number }>();
  const command = async <T>(name: string): Promise<T> => {
    const answer = next<T>();
    worker.postMessage(name);
    return answer;
  };
  return {
    commitBytes: ready.commitBytes,
    start: () => command<unknown>('start'),
    pause: () => command<unknown>('pause'),
    async stop(): Promise<Record<string, number>> {
      const { counts } = await command<{ counts: Record<string, number> }>('stop');
      await worker.terminate();
      return counts;
    },
  };
}

/**
 * `rounds` times: B's `samples` listings with A idle, then with A abusing. Short alternating phases, so that both
 * figures see the same background load of the machine.
 */
export async function measureFairness(options: FairnessOptions): Promise<FairnessResult> {
  const result: FairnessResult = { idle: [], abused: [], abuse: {}, commitBytes: 0 };
  const a = await abuser({ ...options, token: options.tokenA });
  result.commitBytes = a.commitBytes;
  try {
    // A first, unmeasured pass warms the server (JIT, caches) for both phases alike.
    await listingLatencies(options.origin, options.tokenB, 50);
    for (let round = 0; round < options.rounds; round++) {
      result.idle.push(...(await listingLatencies(options.origin, options.tokenB, options.samples)));
      await a.start();
      // Let the abuse reach full swing (bodies on the wire, sessions under way) before measuring.
      await new Promise((resolve) => setTimeout(resolve, 300));
      result.abused.push(...(await listingLatencies(options.origin, options.tokenB, options.samples)));
      await a.pause();
    }
  } finally {
    result.abuse = await a.stop();
  }
  return result;
}
