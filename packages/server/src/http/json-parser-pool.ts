/**
 * Large commit bodies are parsed on a worker thread, so a 4 MiB body never stalls the event loop that serves every
 * other user (JSON.parse of 4 MiB takes 20–60 ms; on the loop, every request waits that long). One worker, at a
 * lower CPU priority than the event loop (json-worker.ts), tasks in turn, each bounded in time (a parse past the
 * bound has its worker replaced, and the request is refused 503); a user takes turns for its large bodies before
 * they are read (`admit`).
 */
import { Worker } from 'node:worker_threads';
import { BoxError } from '@tranche/protocol';
import type { CommitBody, JsonLimits } from '../domain/commit-body.js';
import type { ParseRequest, ParseResponse } from '../json-worker.js';

/** A parse (of at most 4 MiB, its tokens bounded) running longer than this is stopped. */
export const PARSE_TIMEOUT_MS = 10_000;
/** Large bodies one user may have being read or parsed at once. */
export const PARSES_PER_USER = 2;
/** Further large bodies of one user that wait, unread, for their turn; beyond them → 429. */
export const WAITING_PER_USER = 8;

interface Task {
  id: number;
  bytes: Uint8Array;
  limits: JsonLimits;
  resolve(body: CommitBody): void;
  reject(error: Error): void;
}

interface UserTurns {
  active: number;
  waiting: (() => void)[];
}

export class JsonParserPool {
  private worker: Worker | undefined;
  private readonly queue: Task[] = [];
  private running: { task: Task; timer: NodeJS.Timeout } | undefined;
  private readonly users = new Map<string, UserTurns>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly timeoutMs = PARSE_TIMEOUT_MS) {}

  /**
   * A turn for one of `userId`'s large bodies, taken BEFORE the body is read: while the user has PARSES_PER_USER
   * bodies being read or parsed, the next ones wait unread (TCP holds their bytes back, so they cost neither memory
   * nor the event loop), up to WAITING_PER_USER; more are refused 429. Resolves with the function that ends the turn.
   */
  async admit(userId: string): Promise<() => void> {
    let turns = this.users.get(userId);
    if (!turns) this.users.set(userId, (turns = { active: 0, waiting: [] }));
    if (turns.active >= PARSES_PER_USER) {
      if (turns.waiting.length >= WAITING_PER_USER) {
        throw new BoxError('rate_limit_exceeded', `At most ${PARSES_PER_USER + WAITING_PER_USER} large request bodies of one user are taken at once`, null, { 'retry-after': '1' });
      }
      await new Promise<void>((resolve) => turns.waiting.push(resolve));
    }
    turns.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      turns.active--;
      const next = turns.waiting.shift();
      if (next) next();
      else if (turns.active === 0) this.users.delete(userId);
    };
  }

  /** Parses `bytes` as a commit body on the worker, in turn with every other parse. */
  parse(bytes: Uint8Array, limits: JsonLimits): Promise<CommitBody> {
    // Its buffer is handed over to the worker: it must be the body's own, not a slice of a shared pool.
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = new Uint8Array(bytes);
    return new Promise<CommitBody>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes, limits, resolve, reject });
      this.pump();
    });
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
