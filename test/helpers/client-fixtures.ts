/**
 * Test fixtures for the client: random files with their sha1, a temp dir, and running the `tranche` CLI as a
 * child process (to completion, or streaming its JSON lines so a test can kill it at a chosen point).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI_BIN } from './server.js';

export async function tempDir(prefix = 'tranche-client-'): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `size` random bytes to `file` and answers their sha1. */
export async function randomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha1');
  const handle = await open(file, 'w');
  try {
    for (let at = 0; at < size; ) {
      const chunk = randomBytes(Math.min(8 << 20, size - at));
      hash.update(chunk);
      await handle.write(chunk);
      at += chunk.byteLength;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

export async function sha1Of(file: string): Promise<string> {
  return createHash('sha1').update(await readFile(file)).digest('hex');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout lines parsed as JSON (lines that are not JSON are skipped). */
  events: Array<Record<string, unknown>>;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves with the first event for which `predicate` is true (rejects if the process ends first). */
  waitFor(predicate: (event: Record<string, unknown>, all: Array<Record<string, unknown>>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
    for (const wake of [...waiters]) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const wake of [...waiters]) wake();
      resolve({ code, signal, stdout, stderr, events });
    });
  });
  let closed = false;
  void done.then(() => (closed = true));
  const waitFor: RunningCli['waitFor'] = (predicate, ms = 30_000) =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = events.find((e) => predicate(e, events));
        if (hit) {
          cleanup();
          resolve(hit);
        } else if (closed || child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`tranche exited before the awaited event:\n${stdout}\n${stderr}`));
        }
      };
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for an event:\n${stdout}\n${stderr}`));
      }, ms);
      const cleanup = (): void => {
        clearTimeout(deadline);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, waitFor, done };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}

export function eventsOf(result: CliResult, type: string): Array<Record<string, unknown>> {
  return result.events.filter((e) => e['event'] === type);
}
