/**
 * Worker-thread entry: user A abusing a server (for fairness measurements; see fairness.ts). It runs on its own
 * thread so its work never delays the measuring thread's timers. While started it keeps sending:
 * - huge commit bodies: 4 MiB, 10,000 listed parts, to a 10,000-part session of its own (each parsed, then refused
 *   parts_mismatch);
 * - session creations on several connections, at `sessionsPerSecond` in all (0: as fast as they are answered);
 * - many connections: sockets opened and left holding half a request head.
 * The measuring thread toggles it ('start', 'pause'); 'stop' ends it with what it got back (status counts).
 */
import http from 'node:http';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface AbuseOptions {
  origin: string;
  token: string;
  /** The server's fixed part size. */
  partSize: number;
  commitLoops: number;
  sessionLoops: number;
  /** Session creations per second over all loops; 0: no pause. */
  sessionsPerSecond: number;
  idleConnections: number;
}

const options = workerData as AbuseOptions;
const url = new URL(options.origin);
const agent = new http.Agent({ keepAlive: true, maxSockets: options.commitLoops + options.sessionLoops + 2 });
const counts: Record<string, number> = {};
let running = true;

function send(method: string, path: string, body: Buffer | undefined, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, agent, headers: { authorization: `Bearer ${options.token}`, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolve({ status: -1, text: '' }));
      },
    );
    req.on('error', () => resolve({ status: -1, text: '' }));
    req.end(body);
  });
}

const count = (what: string, status: number) => (counts[`${what} ${status}`] = (counts[`${what} ${status}`] ?? 0) + 1);
let serial = 0;
const sessionBody = (size: number) => Buffer.from(JSON.stringify({ folder_id: '0', file_size: size, file_name: `abuse-${process.pid}-${++serial}.bin` }));

async function commitLoop(sessionId: string, body: Buffer): Promise<void> {
  while (running) count('commit', (await send('POST', `/api/2.0/files/upload_sessions/${sessionId}/commit`, body, { digest: 'sha=AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).status);
}

async function sessionLoop(): Promise<void> {
  const intervalMs = options.sessionsPerSecond > 0 ? (1000 * options.sessionLoops) / options.sessionsPerSecond : 0;
  while (running) {
    const started = performance.now();
    count('session', (await send('POST', '/api/2.0/files/upload_sessions', sessionBody(100 * options.partSize))).status);
    const pause = intervalMs - (performance.now() - started);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

const PARTS = 10_000;
const created = await send('POST', '/api/2.0/files/upload_sessions', sessionBody(PARTS * options.partSize));
if (created.status !== 201) throw new Error(`the abuser's session: ${created.status} ${created.text.slice(0, 300)}`);
const sessionId = (JSON.parse(created.text) as { id: string }).id;
const parts = Array.from({ length: PARTS }, (_, i) => ({ part_id: 'ABCDEF01', offset: i * options.partSize, size: options.partSize, sha1: 'a'.repeat(40) }));
const listed = JSON.stringify({ parts, pad: '' });
const commitBody = Buffer.from(JSON.stringify({ parts, pad: 'x'.repeat(4 * 1024 * 1024 - listed.length - 1024) }));

let sockets: net.Socket[] = [];
let loops: Promise<void>[] = [];

function begin(): void {
  running = true;
  sockets = Array.from({ length: options.idleConnections }, () => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(`GET /2.0/folders/0 HTTP/1.1\r\nHost: ${url.host}\r\n`));
    socket.on('error', () => {});
    return socket;
  });
  loops = [
    ...Array.from({ length: options.commitLoops }, () => commitLoop(sessionId, commitBody)),
    ...Array.from({ length: options.sessionLoops }, () => sessionLoop()),
  ];
}

async function end(): Promise<void> {
  running = false;
  await Promise.all(loops);
  for (const socket of sockets) socket.destroy();
}

// 'start' and 'pause' toggle the abuse (answered 'started' / 'paused'); 'stop' ends it and answers the counts.
parentPort!.on('message', async (command: 'start' | 'pause' | 'stop') => {
  if (command === 'start') {
    begin();
    parentPort!.postMessage({ started: true });
    return;
  }
  await end();
  if (command === 'pause') {
    parentPort!.postMessage({ paused: true });
    return;
  }
  agent.destroy();
  parentPort!.postMessage({ counts });
});
parentPort!.postMessage({ ready: true, commitBytes: commitBody.length });
