/**
 * HTTP/1.1 over a bare TCP socket, for requests no well-behaved client would send: broken request lines and headers,
 * lying lengths, bytes dribbled one at a time, bodies abandoned halfway. Reads one response (or none) and reports how
 * long it took and whether the server closed the connection.
 */
import net from 'node:net';

export interface SocketReply {
  /** 0 when the connection closed without a response. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body parsed as JSON when the response says it is JSON. */
  json?: any;
  /** Milliseconds from connecting to the full response (or to the close). */
  elapsedMs: number;
  /** The server closed the connection (seen within `closeWaitMs` after the response). */
  closed: boolean;
}

export interface RawOptions {
  /** Give up (and fail) after this long; default 10 s. */
  timeoutMs?: number;
  /** How long to wait for the server to close after a full response; default 0 (don't wait). */
  closeWaitMs?: number;
}

/** What a scenario does with the socket once connected: write, pause, half-close or destroy. */
export type Script = (socket: net.Socket) => Promise<void> | void;

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes `bytes` whole and leaves the socket open for the response. */
export function send(bytes: string | Buffer): Script {
  return (socket) => {
    socket.write(bytes);
  };
}

/** Writes `bytes` one byte every `everyMs`, stopping early once the server has closed the connection. */
export function dribble(bytes: string | Buffer, everyMs: number): Script {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  return async (socket) => {
    for (let i = 0; i < data.length && !socket.destroyed && socket.writable; i++) {
      socket.write(data.subarray(i, i + 1));
      await pause(everyMs);
    }
  };
}

export async function rawExchange(port: number, script: Script, options: RawOptions = {}): Promise<SocketReply> {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {}); // a reset after the server's answer is part of some scenarios
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let closed = false;
  const done = new Promise<{ head?: ParsedHead; body?: Buffer; at: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response and no close within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    const check = (): void => {
      const all = Buffer.concat(chunks);
      const parsed = parseResponse(all);
      if (parsed.complete || closed) {
        clearTimeout(timer);
        resolve({ head: parsed.head, body: parsed.body, at: Date.now() });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      check();
    });
    socket.on('close', () => {
      closed = true;
      check();
    });
  });
  void Promise.resolve(script(socket)).catch(() => {});
  const outcome = await done;
  if (!closed && options.closeWaitMs) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.closeWaitMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const wasClosed = closed;
  socket.destroy();
  const head = outcome.head;
  const body = outcome.body ?? Buffer.alloc(0);
  let json: unknown;
  if (head && (head.headers['content-type'] ?? '').includes('json') && body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  return { status: head?.status ?? 0, headers: head?.headers ?? {}, body, json, elapsedMs: outcome.at - started, closed: wasClosed };
}

/**
 * Sends each request on one kept-alive connection, the next only once the previous one's response has fully arrived;
 * returns the statuses seen (fewer than requests when the connection stalled or closed).
 */
export async function keptAlive(port: number, requests: Array<string | Buffer>, timeoutMs = 10_000): Promise<number[]> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const statuses: number[] = [];
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => wake?.());
  const deadline = Date.now() + timeoutMs;
  try {
    for (const request of requests) {
      socket.write(request);
      for (;;) {
        const parsed = parseResponse(buffered);
        if (parsed.complete) {
          statuses.push(parsed.head!.status);
          buffered = buffered.subarray(parsed.consumed);
          break;
        }
        if (socket.destroyed || Date.now() > deadline) return statuses;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(0, deadline - Date.now()));
        });
      }
    }
    return statuses;
  } finally {
    socket.destroy();
  }
}

interface ParsedHead {
  status: number;
  headers: Record<string, string>;
}

/**
 * Parses one response from the bytes so far: complete once Content-Length bytes (or the final chunk) arrived;
 * `consumed` is its length on the wire.
 */
function parseResponse(all: Buffer): { head?: ParsedHead; body?: Buffer; complete: boolean; consumed: number } {
  const split = all.indexOf('\r\n\r\n');
  if (split < 0) return { complete: false, consumed: 0 };
  const [statusLine, ...lines] = all.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = all.subarray(split + 4);
  if (status === 100) {
    const next = parseResponse(rest);
    return { ...next, consumed: next.consumed + split + 4 };
  }
  const head = { status, headers };
  if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', pos);
      if (eol < 0) return { head, body: Buffer.concat(out), complete: false, consumed: 0 };
      const size = parseInt(rest.subarray(pos, eol).toString('latin1'), 16);
      if (size === 0) return { head, body: Buffer.concat(out), complete: rest.length >= eol + 4, consumed: split + 4 + eol + 4 };
      if (rest.length < eol + 2 + size + 2) return { head, body: Buffer.concat(out), complete: false, consumed: 0 };
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length === undefined) return { head, body: rest, complete: status === 204 || status === 304, consumed: split + 4 };
  return { head, body: rest.subarray(0, length), complete: rest.length >= length, consumed: split + 4 + length };
}
