/**
 * The options every client command shares: where the server is and the token, each with its environment twin.
 */
import { Option, type Command } from 'commander';
import type { ClientOptions } from '@tranche/client';
import { CliError } from './io.js';

export interface ConnectionFlags {
  server?: string | undefined;
  token?: string | undefined;
  apiUrl?: string | undefined;
  uploadUrl?: string | undefined;
  timeout?: number | undefined;
  retryDelays?: number[] | undefined;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--server <origin>', 'Tranche server origin, e.g. http://127.0.0.1:8080').env('TRANCHE_SERVER'))
    .addOption(new Option('--token <token>', 'bearer token').env('TRANCHE_TOKEN'))
    .addOption(new Option('--api-url <url>', 'API base URL, e.g. https://api.box.com/2.0 (replaces --server)').env('TRANCHE_API_URL'))
    .addOption(new Option('--upload-url <url>', 'upload base URL, e.g. https://upload.box.com/api/2.0 (replaces --server)').env('TRANCHE_UPLOAD_URL'))
    .addOption(new Option('--timeout <ms>', 'idle timeout per request in ms (default 60000)').env('TRANCHE_TIMEOUT').argParser(positiveInt('--timeout')))
    .addOption(
      new Option('--retry-delays <ms,…>', 'waits before each retry, comma-separated ms (default 500,1000,2000,4000,8000,16000,30000)')
        .env('TRANCHE_RETRY_DELAYS')
        .argParser(delayList),
    );
}

/** Client options from the flags; a token and a server (or both base URLs) are required. */
export function clientOptions(flags: ConnectionFlags, signal?: AbortSignal): ClientOptions {
  if (!flags.token) throw new CliError('no token: pass --token or set TRANCHE_TOKEN');
  if (!flags.server && !(flags.apiUrl && flags.uploadUrl)) {
    throw new CliError('no server: pass --server ORIGIN (or TRANCHE_SERVER), or both --api-url and --upload-url');
  }
  return {
    server: flags.server,
    apiUrl: flags.apiUrl,
    uploadUrl: flags.uploadUrl,
    token: flags.token,
    timeoutMs: flags.timeout,
    retry: flags.retryDelays ? { retryDelays: flags.retryDelays } : undefined,
    signal,
  };
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

function delayList(value: string): number[] {
  const delays = value === '' ? [] : value.split(',').map((part) => Number(part.trim()));
  if (delays.some((d) => !Number.isFinite(d) || d < 0)) throw new CliError(`--retry-delays must be comma-separated milliseconds, got ${JSON.stringify(value)}`);
  return delays;
}
