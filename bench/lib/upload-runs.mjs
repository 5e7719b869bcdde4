/**
 * One upload of a file through Tranche (CLI → server) or the tus baseline (tus-js-client → @tus/server), each
 * side its own process on loopback, against a fresh server. Measures wall time of the client process, CPU of
 * both processes and the server's peak RSS, and checks the stored bytes' SHA-1 against the file's.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CLI_BIN, PROCS_DIR } from './paths.mjs';
import { cpuSeconds, memory } from './proc-stats.mjs';
import { runMeasured, startService } from './processes.mjs';
import { sha1OfFile } from './random-file.mjs';
import { startTranche } from './tranche.mjs';

export async function trancheUpload(ctx, file, size, { serverNodeArgs = [], clientNodeArgs = [] } = {}) {
  const dataDir = await ctx.freshDir('tranche-upload');
  const server = await startTranche({ dataDir: path.join(dataDir, 'data'), nodeArgs: serverNodeArgs });
  try {
    const cpuBefore = await cpuSeconds(server.pid);
    const client = await runMeasured(
      [CLI_BIN, 'upload', file, '--server', server.origin, '--token', server.token, '--json', '--state-dir', path.join(dataDir, 'state')],
      { nodeArgs: clientNodeArgs, usageDir: dataDir },
    );
    const serverCpu = (await cpuSeconds(server.pid)) - cpuBefore;
    const { peakRssBytes } = await memory(server.pid);
    const committed = client.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((event) => event.event === 'committed');
    if (!committed) throw new Error(`tranche upload printed no committed event:\n${client.stdout.slice(-2000)}`);
    const expected = await ctx.sha1(file, size);
    if (committed.sha1 !== expected || committed.size !== size) throw new Error(`tranche stored sha1 ${committed.sha1} (${committed.size} B), file has ${expected}`);
    return { wallMs: client.wallMs, clientCpu: client.cpuSeconds, clientPeakRss: client.peakRssBytes, serverCpu, serverPeakRss: peakRssBytes };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function tusUpload(ctx, file, size) {
  const dataDir = await ctx.freshDir('tus-upload');
  const storeDir = path.join(dataDir, 'store');
  const server = await startService([path.join(PROCS_DIR, 'tus-server.mjs'), storeDir], { ready: /tus listening on (\S+)/ });
  try {
    const cpuBefore = await cpuSeconds(server.pid);
    const client = await runMeasured([path.join(PROCS_DIR, 'tus-upload.mjs'), `${server.match[1]}/files`, file], { usageDir: dataDir });
    const serverCpu = (await cpuSeconds(server.pid)) - cpuBefore;
    const { peakRssBytes } = await memory(server.pid);
    const { url } = JSON.parse(client.stdout.trim().split('\n').at(-1));
    const stored = path.join(storeDir, url.split('/').at(-1));
    const storedSize = (await stat(stored)).size;
    const [storedSha1, expected] = [await sha1OfFile(stored, storedSize), await ctx.sha1(file, size)];
    if (storedSize !== size || storedSha1 !== expected) throw new Error(`tus stored ${storedSize} B with sha1 ${storedSha1}, file has ${expected}`);
    return { wallMs: client.wallMs, clientCpu: client.cpuSeconds, clientPeakRss: client.peakRssBytes, serverCpu, serverPeakRss: peakRssBytes };
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
