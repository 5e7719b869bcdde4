/**
 * Large commit bodies are parsed on a worker thread, so a 4 MiB body never stalls the event loop that serves every
 * other user (JSON.parse of 4 MiB takes 20–60 ms; on the loop, every request waits that long). One worker, tasks in
 * turn, each bounded in time (a parse past the bound has its worker replaced, and the request is refused 503), and
 * a user may have only a few parses queued or running: the rest are refused 429 with Retry-After.
 */
import { Worker } from 'node:worker_threads';
import { BoxError } from '@tranche/protocol';
import type { CommitBody, JsonLimits } from '../domain/commit-body.js';
import type { ParseRequest, ParseResponse } from '../json-worker.js';

/** A parse (of at most 4 MiB, its tokens bounded) running longer than this is stopped. */
export const PARSE_TIMEOUT_MS = 10_000;
/** Large parses one user may have queued or running at once. */
export const PARSES_PER_USER = 2;

interface Task {
  id: number;
  bytes: Uint8Array;
  limits: JsonLimits;
  resolve(body: CommitBody): void;
  reject(error: Error): void;
}

export class JsonParserPool {
  private worker: Worker | undefined;
  private readonly queue: Task[] = [];
  private running: { task: Task; timer: NodeJS.Timeout } | undefined;
  private readonly perUser = new Map<string, number>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly timeoutMs = PARSE_TIMEOUT_MS) {}

  /** Parses `bytes` as a commit body on the worker; `userId` is held to PARSES_PER_USER parses at once. */
  async parse(userId: string, bytes: Uint8Array, limits: JsonLimits): Promise<CommitBody> {
    const held = this.perUser.get(userId) ?? 0;
    if (held >= PARSES_PER_USER) {
      throw new BoxError('rate_limit_exceeded', `At most ${PARSES_PER_USER} large request bodies of one user are parsed at once`, null, { 'retry-after': '1' });
    }
    this.perUser.set(userId, held + 1);
    // Its buffer is handed over to the worker: it must be the body's own, not a slice of a shared pool.
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = new Uint8Array(bytes);
    try {
      return await new Promise<CommitBody>((resolve, reject) => {
        this.queue.push({ id: this.nextId++, bytes, limits, resolve, reject });
        this.pump();
      });
    } finally {
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new BoxError('unavailable', 'The server is shutting down'));
    await this.stopWorker(new BoxError('unavailable', 'The server is shutting down'));
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const task = this.queue.shift();
    if (!task) return;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => {
      void this.stopWorker(new BoxError('unavailable', `The request body took over ${this.timeoutMs} ms to parse`, null, { 'retry-after': '5' }));
    }, this.timeoutMs);
    this.running = { task, timer };
    const request: ParseRequest = { id: task.id, bytes: task.bytes, limits: task.limits };
    worker.postMessage(request, [task.bytes.buffer as ArrayBuffer]);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('../json-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (response: ParseResponse) => this.finish(response));
    worker.on('error', (error) => void this.stopWorker(error));
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.failRunning(new Error('the JSON parser worker exited'));
      }
    });
    this.worker = worker;
    return worker;
  }

  private finish(response: ParseResponse): void {
    const running = this.running;
    if (!running || running.task.id !== response.id) return;
    clearTimeout(running.timer);
    this.running = undefined;
    if ('error' in response) running.task.reject(new BoxError(response.error.code, response.error.message));
    else running.task.resolve(response.body);
    this.pump();
  }

  private failRunning(error: Error): void {
    const running = this.running;
    if (!running) return;
    clearTimeout(running.timer);
    this.running = undefined;
    running.task.reject(error);
    this.pump();
  }

  /** Ends the worker (a new one starts with the next task) and fails the task it was running. */
  private async stopWorker(error: Error): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failRunning(error);
    await worker?.terminate();
  }
}
