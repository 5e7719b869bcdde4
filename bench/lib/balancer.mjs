/** Starts balancer-process.mjs in its own process (so its CPU is its own) and drives it over IPC. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./balancer-process.mjs', import.meta.url));

export async function startBalancer({ timeoutMs = 10_000 } = {}) {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-8192)));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  /** Sends `message` (or nothing) and resolves with the next message that has `key`. */
  const ask = (message, key) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`balancer did not answer ${key} in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      const onMessage = (answer) => {
        if (!(key in answer)) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(answer[key]);
      };
      child.on('message', onMessage);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`balancer exited (${code ?? signal}):\n${stderr}`));
      });
      if (message) child.send(message);
    });

  const origin = await ask(null, 'origin');
  return {
    pid: child.pid,
    origin,
    setBackends: (backends) => ask({ backends }, 'backends'),
    /** { sent: { origin: requests }, refused } since the start. */
    stats: () => ask({ stats: true }, 'stats'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
