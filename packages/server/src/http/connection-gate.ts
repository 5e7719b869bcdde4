/**
 * The connection gate, in front of HTTP: caps the connections the server holds, in total and per client (address,
 * or IPv6 /64), so that one client flooding the server with idle or trickling connections leaves everyone else
 * served; and makes every connection that Node closes after an answer whose request had not fully arrived close by
 * lingering (lingering-close.ts) instead of with a reset.
 *
 * A connection over a cap is closed as soon as it is accepted, without an answer: answering would need its request
 * to be read, which is what the cap is there to avoid. The total cap is Node's own `maxConnections` (the connection
 * is closed before a socket object is even made); the per-client cap is checked first thing on 'connection'.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientKey } from './client-address.js';
import { lingeringClose } from './lingering-close.js';

export interface ConnectionCaps {
  /** Connections held at once, in total; 0: no cap. */
  maxConnections: number;
  /** Connections held at once per client address (IPv6: per /64); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Peers the per-address cap does not apply to (trusted proxies, which carry many clients). */
  exempt?: (address: string | undefined) => boolean;
}

/** Open files kept free for blobs, the database, the spool and the hash worker when the default cap is derived. */
const FILE_HEADROOM = 1_000;

/**
 * 10,000 connections, or fewer when the process may not open that many files: a server that runs out of file
 * descriptors cannot open its blobs or database either. (Node raises its soft limit to the hard one at start.)
 */
export function defaultMaxConnections(): number {
  const limit = openFileLimit();
  return limit === undefined ? 10_000 : Math.max(100, Math.min(10_000, limit - FILE_HEADROOM));
}

function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line && line[1] !== 'unlimited' ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

export class ConnectionGate {
  private readonly perClient = new Map<string, number>();
  /** The last request each connection carried (for the lingering decision). */
  private readonly requests = new WeakMap<Socket, IncomingMessage>();
  /** Connections refused by either cap since start. */
  refused = 0;

  constructor(
    server: Server,
    private readonly caps: ConnectionCaps,
  ) {
    if (caps.maxConnections > 0) server.maxConnections = caps.maxConnections;
    server.on('drop', () => this.refused++);
    // Before Node's HTTP connection listener, so a refused socket is closed before anything reads from it.
    server.prependListener('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (request: IncomingMessage) => this.requests.set(request.socket, request));
  }

  /** How many connections the gate counts for this client now (for tests and metrics). */
  held(address: string): number {
    return this.perClient.get(clientKey(address)) ?? 0;
  }

  private admit(socket: Socket): void {
    const key = clientKey(socket.remoteAddress);
    const count = this.perClient.get(key) ?? 0;
    const capped = this.caps.maxConnectionsPerAddress > 0 && !this.caps.exempt?.(socket.remoteAddress);
    if (capped && count >= this.caps.maxConnectionsPerAddress) {
      this.refused++;
      socket.destroy();
      return;
    }
    this.perClient.set(key, count + 1);
    socket.once('close', () => {
      const left = (this.perClient.get(key) ?? 1) - 1;
      if (left > 0) this.perClient.set(key, left);
      else this.perClient.delete(key);
    });
    // Node calls destroySoon() once the last answer on a connection is written (`Connection: close`); it would
    // destroy the socket at once, resetting a client still sending the request body.
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const request = this.requests.get(socket);
      if (request && !request.complete) lingeringClose(socket);
      else destroySoon();
    };
  }
}
