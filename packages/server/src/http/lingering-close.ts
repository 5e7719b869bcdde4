/**
 * Lingering close, as nginx does it: a connection answered before its request arrived in full (a refusal before
 * authentication, a parser error, an oversized head) is closed without losing the answer and without letting the
 * client keep it busy.
 *
 * Closing a socket that still has unread input makes the kernel send a reset, which can destroy the answer before
 * the client has read it. So the server first half-closes (its answer, then FIN), stops parsing HTTP on the
 * connection, and reads and drops what the client is still sending — within bounds: after `maxBytes` it stops
 * reading (the client's writes block, they do not fail); `idleMs` without a byte, `maxMs` in all, or the client's
 * own FIN, and the connection is closed.
 */
import type { Socket } from 'node:net';

export interface LingerLimits {
  /** Bytes read and dropped at most after the answer; then reading stops until the connection is closed. */
  maxBytes: number;
  /** Milliseconds the connection may linger in all. */
  maxMs: number;
  /** Milliseconds the connection may linger without receiving a byte. */
  idleMs: number;
}

/**
 * 1 MiB, 5 s, 2 s: far less than the 512 MiB and the hour a refused body could take otherwise; 5 s is ample for a
 * client to read an answer that is already in its receive buffer. nginx: lingering_time 30 s, lingering_timeout
 * 5 s, no byte bound.
 */
export const LINGER: LingerLimits = { maxBytes: 1024 * 1024, maxMs: 5_000, idleMs: 2_000 };

const lingering = new WeakSet<Socket>();

/** Whether the socket is in its lingering close: nothing on it is HTTP any more. */
export function isLingering(socket: object): boolean {
  return lingering.has(socket as Socket);
}

/** Half-closes `socket` after what was written to it, drains its input within `limits`, then destroys it. */
export function lingeringClose(socket: Socket, limits: LingerLimits = LINGER): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  let received = 0;
  const close = (): void => {
    clearTimeout(total);
    clearTimeout(idle);
    socket.destroy();
  };
  const total = setTimeout(close, limits.maxMs);
  const idle = setTimeout(close, limits.idleMs);
  total.unref();
  idle.unref();
  // Whatever arrives now is the rest of a refused request, or more requests on a connection that is closing: not
  // for the HTTP parser. Removing its listener and adding ours makes Node stop feeding the parser (it "unconsumes"
  // the socket when a 'data' listener is added).
  for (const listener of socket.listeners('data')) socket.removeListener('data', listener as (...args: unknown[]) => void);
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received < limits.maxBytes) {
      idle.refresh();
      return;
    }
    // Enough read: stop reading, but do not reset yet. A client still sending now blocks on a full window instead
    // of failing its write (which would make it drop the answer it has not read); the total bound ends it.
    clearTimeout(idle);
    socket.pause();
  });
  socket.once('end', close);
  socket.once('close', () => {
    clearTimeout(total);
    clearTimeout(idle);
  });
  socket.end();
  socket.resume();
  // The HTTP server may have stopped reading (the refused request's body pushing back) while it owned the socket;
  // the stream then still believes a read is pending and resume() alone would not start one.
  (socket as Socket & { _read(size: number): void })._read(0);
}
