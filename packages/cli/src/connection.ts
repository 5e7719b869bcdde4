/**
 * The options every client command shares — where the server is, the token, timeouts, retries, bandwidth,
 * verbosity, the profile — each with its environment twin, and the client options built from them.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_RETRY_POLICY, isRetryable, TrancheApiError, withNodeDefaults, type ClientOptions } from '@tranche/client';
import { CliError, EXIT, notice, oneLine, type Io } from './io.js';
import { cliTransport, parseByteRate } from './transport.js';

export interface ConnectionFlags {
  server?: string | undefined;
  token?: string | undefined;
  apiUrl?: string | undefined;
  uploadUrl?: string | undefined;
  timeout?: number | undefined;
  retryDelays?: number[] | undefined;
  bwlimit?: number | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
  profile?: string | undefined;
}

/** Verbosity and the profile: on every client command. */
export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('-q, --quiet', 'print only errors (and what scripts read: ids, JSON)').env('TRANCHE_QUIET'))
    .addOption(new Option('-v, --verbose', 'print each retry with its full reason').env('TRANCHE_VERBOSE'))
    .addOption(new Option('--profile <name>', 'settings from this profile of the config file (default "default")').env('TRANCHE_PROFILE'));
}

export function addConnectionOptions(command: Command): Command {
  return addCommonOptions(command)
    .addOption(new Option('--server <origin>', 'Tranche server origin, e.g. http://127.0.0.1:8080').env('TRANCHE_SERVER'))
    .addOption(new Option('--token <token>', 'bearer token').env('TRANCHE_TOKEN'))
    .addOption(new Option('--api-url <url>', 'API base URL, e.g. https://api.box.com/2.0 (replaces --server)').env('TRANCHE_API_URL'))
    .addOption(new Option('--upload-url <url>', 'upload base URL, e.g. https://upload.box.com/api/2.0 (replaces --server)').env('TRANCHE_UPLOAD_URL'))
    .addOption(new Option('--timeout <ms>', 'idle timeout per request in ms (default 60000)').env('TRANCHE_TIMEOUT').argParser(positiveInt('--timeout')))
    .addOption(
      new Option('--retry-delays <ms,…>', 'waits before each retry, comma-separated ms (default 500,1000,2000,4000,8000,16000,30000)')
        .env('TRANCHE_RETRY_DELAYS')
        .argParser(delayList),
    )
    .addOption(new Option('--bwlimit <rate>', 'bandwidth limit for the whole command, e.g. 10M or 512k (bytes/s)').env('TRANCHE_BWLIMIT').argParser(byteRate));
}

/**
 * Client options from the flags; a token and a server (or both base URLs) are required. Every retry is announced
 * at once on one line (`retrying … in 2 s: 503 unavailable`), and answers another try cannot change stop at once.
 */
export function clientOptions(flags: ConnectionFlags, signal?: AbortSignal, io?: Io): ClientOptions {
  if (!flags.token) throw new CliError('no token: pass --token or set TRANCHE_TOKEN (or `tranche config set token …`)');
  if (!flags.server && !(flags.apiUrl && flags.uploadUrl)) {
    throw new CliError('no server: pass --server ORIGIN (or TRANCHE_SERVER), or both --api-url and --upload-url');
  }
  const delays = flags.retryDelays;
  return withNodeDefaults({
    server: flags.server,
    apiUrl: flags.apiUrl,
    uploadUrl: flags.uploadUrl,
    token: flags.token,
    timeoutMs: flags.timeout,
    transport: cliTransport(flags.bwlimit),
    retry: {
      ...(delays ? { retryDelays: delays } : {}),
      shouldRetry: (error: unknown, attempt: number) => {
        const again = isRetryable(error);
        if (again && io && flags.quiet !== true) {
          const of = (delays ?? DEFAULT_RETRY_POLICY.retryDelays).length + 1;
          notice(io, `tranche: ${retryReason(error, flags.verbose === true)}; retrying (attempt ${attempt + 1} of ${of})`);
        }
        return again;
      },
    },
    signal,
  });
}

function retryReason(error: unknown, verbose: boolean): string {
  if (!verbose && error instanceof TrancheApiError) return `${error.method} ${new URL(error.url).pathname}: ${error.status} ${error.code}`;
  return oneLine(error);
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`, EXIT.usage);
    return n;
  };
}

function byteRate(value: string): number {
  try {
    return parseByteRate(value);
  } catch (error) {
    throw new CliError(`--bwlimit: ${oneLine(error)}`, EXIT.usage);
  }
}

function delayList(value: string): number[] {
  const delays = value === '' ? [] : value.split(',').map((part) => Number(part.trim()));
  if (delays.some((d) => !Number.isFinite(d) || d < 0)) {
    throw new CliError(`--retry-delays must be comma-separated milliseconds, got ${JSON.stringify(value)}`, EXIT.usage);
  }
  return delays;
}
