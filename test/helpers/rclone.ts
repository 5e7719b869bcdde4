/**
 * Runs the real, unmodified rclone (Debian's package, backend `box`) against a Tranche server on this machine.
 * rclone has Box's hosts built in (api.box.com, upload.box.com), so each rclone process runs in a private mount
 * namespace whose /etc/hosts (a bind mount) maps both names to a random loopback address; a TLS front on that
 * address's port 443, with a certificate from a throwaway CA (SSL_CERT_FILE), forwards to the server. The machine's
 * own /etc/hosts is never touched, and rclone never resolves a real Box host.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const BOX_HOSTS = ['api.box.com', 'upload.box.com'];

export interface RcloneResult {
  code: number;
  stdout: string;
  /** stdout as bytes (rclone cat of binary data). */
  stdoutBytes: Buffer;
  stderr: string;
}

export interface Rclone {
  /** Runs `rclone ARGS… ` with the remote `box:` configured; rejects on a non-zero exit unless `allowFailure`. */
  run(args: string[], options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<RcloneResult>;
  dispose(): Promise<void>;
}

/** A throwaway CA and a certificate for Box's hosts signed by it. */
async function makeCertificates(dir: string): Promise<{ caFile: string; key: Buffer; cert: Buffer }> {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileP('openssl', args, { cwd: dir });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tranche-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'host.key', '-out', 'host.csr', '-subj', '/CN=api.box.com']);
  await writeFile(file('host.ext'), `subjectAltName=${BOX_HOSTS.map((h) => `DNS:${h}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await openssl(['x509', '-req', '-in', 'host.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'host.pem', '-days', '2', '-extfile', 'host.ext']);
  return { caFile: file('ca.pem'), key: await readFile(file('host.key')), cert: await readFile(file('host.pem')) };
}

/** Listens on ADDRESS:443 with TLS and pipes each connection to the server's plain HTTP port. */
async function tlsFront(key: Buffer, cert: Buffer, target: { host: string; port: number }): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key, cert }, (socket) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(socket).add(upstream);
    const drop = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    socket.pipe(upstream).pipe(socket);
  });
  server.on('tlsClientError', () => {});
  for (let attempt = 0; ; attempt++) {
    // A random address in 127/8: parallel runs on one machine do not compete for one port 443.
    const address = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(443, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return {
        address,
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
          }),
      };
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

export async function rcloneAgainst(server: { origin: string }, token: string): Promise<Rclone> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tranche-rclone-'));
  const { caFile, key, cert } = await makeCertificates(dir);
  const target = new URL(server.origin);
  const front = await tlsFront(key, cert, { host: target.hostname, port: Number(target.port) });
  const hostsFile = path.join(dir, 'hosts');
  await writeFile(hostsFile, `127.0.0.1 localhost\n${BOX_HOSTS.map((h) => `${front.address} ${h}`).join('\n')}\n`);
  const configFile = path.join(dir, 'rclone.conf');
  await writeFile(configFile, '');
  const env = {
    ...process.env,
    SSL_CERT_FILE: caFile,
    RCLONE_CONFIG: configFile,
    RCLONE_CONFIG_BOX_TYPE: 'box',
    RCLONE_CONFIG_BOX_TOKEN: JSON.stringify({ access_token: token, token_type: 'bearer', expiry: '2099-01-01T00:00:00Z' }),
    HOME: dir,
  };
  // The bind mount exists only in this process's namespace; rclone is exec'd inside it.
  const script = 'mount --bind "$0" /etc/hosts && exec rclone "$@"';
  return {
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('unshare', ['-m', 'sh', '-c', script, hostsFile, '--retries', '1', '--low-level-retries', '2', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          const stdoutBytes = Buffer.concat(out);
          const result = { code: code ?? -1, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr };
          if (code !== 0 && !options.allowFailure) reject(new Error(`rclone ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`));
          else resolve(result);
        });
      });
    },
    async dispose() {
      await front.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
