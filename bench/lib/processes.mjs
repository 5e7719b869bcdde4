/** Child Node processes: long-running services (wait for a "listening" line) and one-shot commands (timed). */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPORT_USAGE = fileURLToPath(new URL('./report-usage.mjs', import.meta.url));
const KEEP_OUTPUT = 64 * 1024;

function tail(text) {
  return text.length > KEEP_OUTPUT ? text.slice(-KEEP_OUTPUT) : text;
}

/**
 * Starts `node ...args` and resolves once stdout matches `ready` (the match is returned). Output is drained
 * continuously (a full pipe would stall the service) and only its tail is kept, for error messages.
 */
export async function startService(args, { ready, env, cwd, timeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const match = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      output = tail(output + chunk);
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.stderr.on('data', (chunk) => (output = tail(output + chunk)));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return {
    pid: child.pid,
    match,
    output: () => output,
    /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Runs `node [nodeArgs] --import report-usage.mjs ...args` to completion. Returns wall time (spawn to exit),
 * the child's own CPU seconds and peak RSS, and its stdout. Throws on a non-zero exit.
 */
export async function runMeasured(args, { nodeArgs = [], env, cwd, usageDir, timeoutMs = 600_000 } = {}) {
  const usageFile = path.join(usageDir, `usage-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, '--import', REPORT_USAGE, ...args], {
    cwd,
    env: { ...process.env, ...env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr = tail(stderr + chunk)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await new Promise((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s })));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code ?? signal}):\n${tail(stderr)}\n${tail(stdout)}`);
  const usage = JSON.parse(await readFile(usageFile, 'utf8'));
  await rm(usageFile, { force: true });
  return { wallMs, stdout, stderr, ...usage };
}
