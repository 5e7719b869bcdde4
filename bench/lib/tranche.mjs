/** Starts a real `tranche serve` process and mints tokens, through the built CLI (run `npm run build` first). */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { startService } from './processes.mjs';
import { CLI_BIN } from './paths.mjs';

const execFileP = promisify(execFile);

let serveHelp;
/** Whether this build's `tranche serve` knows `flag` (flags come and go while the server evolves). */
export async function serveSupports(flag) {
  serveHelp ??= execFileP(process.execPath, [CLI_BIN, 'serve', '--help']).then(({ stdout }) => stdout);
  return (await serveHelp).includes(`${flag} `);
}

/**
 * `serveArgs`: extra `tranche serve` flags (e.g. ['--part-size', '67108864']); `nodeArgs`: flags for node itself
 * (e.g. --cpu-prof). The server logs at its default level; its output is drained, not shown.
 */
export async function startTranche({ dataDir, serveArgs = [], nodeArgs = [] }) {
  await mkdir(dataDir, { recursive: true });
  const service = await startService([...nodeArgs, CLI_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...serveArgs], {
    ready: /Tranche listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
  const origin = service.match[1];
  const { stdout } = await execFileP(process.execPath, [CLI_BIN, 'token', 'create', '--user', 'bench', '--data-dir', dataDir]);
  const token = stdout.trim().split('\n').at(-1).trim();
  return { ...service, origin, token, dataDir };
}
