/**
 * Starts a real `tranche serve` process on a free loopback port with its own data directory,
 * and mints tokens with `tranche token create`. Tests talk to it over real HTTP.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js');

export interface ServerOptions {
  /** Extra `tranche serve` flags, e.g. ['--min-chunked-size', '1000']. */
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
}

export interface TestServer {
  origin: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** A fresh token for `user` (created if needed). */
  token(user?: string): Promise<string>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit; the data dir is kept. */
  kill(): Promise<void>;
  /** Start again on the same port and data dir (after stop/kill). */
  restart(): Promise<void>;
  /** Stop and remove the data dir. */
  dispose(): Promise<void>;
  /** Everything the process printed. */
  output(): string;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'tranche-test-')));
  let port = 0;
  let child!: ChildProcess;
  let log = '';

  const launch = async (): Promise<void> => {
    const args = [CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])];
    // On restart, keep the port the first start got (and its public URL, unless the test set its own).
    if (port !== 0 && !(options.args ?? []).includes('--public-url')) args.push('--public-url', `http://127.0.0.1:${port}`);
    child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      // Generous: on a loaded 2-core machine (load average 25 seen) a start takes 10-17 s.
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // not left running (and holding its test process open) after the test gave up on it
        reject(new Error(`server did not start:\n${log}`));
      }, 60_000);
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${log}`));
      });
    });
  };

  const waitExit = (signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  await launch();
  const server: TestServer = {
    get origin() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    get process() {
      return child;
    },
    token: (user = 'alice') => createToken(dataDir, user, databaseArgs(options.args ?? [])),
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    restart: launch,
    dispose: async () => {
      await waitExit('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
    output: () => log,
  };
  return server;
}

/** The `--database URL` pair among serve flags, which `token create` needs too. */
function databaseArgs(args: string[]): string[] {
  const at = args.indexOf('--database');
  return at >= 0 ? args.slice(at, at + 2) : [];
}

export async function createToken(dataDir: string, user: string, storeArgs: string[] = []): Promise<string> {
  const { stdout } = await execFileP(process.execPath, [CLI_BIN, 'token', 'create', '--user', user, '--data-dir', dataDir, ...storeArgs]);
  const lines = stdout.trim().split('\n');
  return lines[lines.length - 1]!.trim();
}
