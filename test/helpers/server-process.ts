/**
 * One `tranche serve` process at a time on a fixed data directory and port, launched again and again with its own
 * environment each time (e.g. a different TRANCHE_CRASH_POINT), for tests that kill, crash and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_BIN, createToken } from './server.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The crash point that killed the process, when one did (from its last words on stderr). */
  crashPoint?: string;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private log = '';
  private exit: Promise<Exit> | undefined;
  private listeningPort = 0;

  private constructor(
    readonly dataDir: string,
    private readonly args: string[],
  ) {}

  /** A process on a new data directory; not started yet. */
  static async create(args: string[] = []): Promise<ServerProcess> {
    return new ServerProcess(await mkdtemp(path.join(tmpdir(), 'tranche-crash-')), args);
  }

  /** The port of the first launch, kept by every later one (0 before the first). */
  get port(): number {
    return this.listeningPort;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  /** Everything the current (or last) launch printed. */
  output(): string {
    return this.log;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts the server with `env` added to this process's environment and `flags` after the fixed ones; resolves
   * once it listens.
   */
  async launch(env: Record<string, string> = {}, flags: string[] = []): Promise<void> {
    if (this.running) throw new Error('the server is already running');
    const args = [CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', String(this.listeningPort), '--data-dir', this.dataDir, ...this.args, ...flags];
    if (this.listeningPort !== 0) args.push('--public-url', this.origin);
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.log = '';
    child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exit = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        const crash = /tranche crash point (\S+ hit \d+)/.exec(this.log);
        resolve({ code, signal, ...(crash ? { crashPoint: crash[1] } : {}) });
      }),
    );
    const listening = new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.log);
        if (match) {
          clearInterval(timer);
          resolve(Number(match[1]));
        }
      }, 10);
      void this.exit!.then((exit) => {
        clearInterval(timer);
        reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening:\n${this.log}`));
      });
    });
    this.listeningPort = await listening;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the current launch has exited (at once if it already has). */
  exited(): Promise<Exit> {
    if (!this.exit) throw new Error('never launched');
    return this.exit;
  }

  /** kill -9, and wait for the exit. */
  kill(): Promise<Exit> {
    if (this.running) this.child!.kill('SIGKILL');
    return this.exited();
  }

  /** SIGTERM, and wait for the exit. */
  terminate(): Promise<Exit> {
    if (this.running) this.child!.kill('SIGTERM');
    return this.exited();
  }

  /** Whether the current launch is dead, or dies within a second (a reset connection is seen before the exit). */
  async died(): Promise<boolean> {
    await Promise.race([this.exited(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    return !this.running;
  }

  /** Where the local blob store keeps the upload blob of session `id`. */
  uploadBlobPath(id: string): string {
    return path.join(this.dataDir, 'blobs', 'uploads', id);
  }

  /** Ids of the upload blobs on disk. */
  async uploadBlobIds(): Promise<string[]> {
    const dir = path.join(this.dataDir, 'blobs', 'uploads');
    return existsSync(dir) ? readdir(dir) : [];
  }

  token(user: string): Promise<string> {
    return createToken(this.dataDir, user);
  }

  async dispose(): Promise<void> {
    if (this.child) await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
