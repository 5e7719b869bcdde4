/** `tranche serve`: run the server until SIGTERM/SIGINT, then shut down gracefully. */
import { Option, type Command } from 'commander';
import { startTranche } from '../server.js';
import { printableConfig, withConfigFile } from './config-file.js';
import { blobOption, databaseOption, integer, origin, origins, proxyList } from './options.js';

export interface ServeFlags {
  host: string;
  port: number;
  dataDir: string;
  database?: string;
  blob?: string;
  spoolDir?: string;
  publicUrl?: string;
  minChunkedSize?: number;
  partSize?: number;
  sessionTtl?: number;
  maxFileSize?: number;
  userQuota?: number;
  janitorInterval?: number;
  orphanAge?: number;
  trashRetention?: number;
  shutdownTimeout?: number;
  logLevel: string;
  rateLimit?: number;
  partRateLimit?: number;
  anonymousRateLimit?: number;
  maxConnections?: number;
  maxConnectionsPerAddress?: number;
  requestTimeout?: number;
  headerTimeout?: number;
  idleTimeout?: number;
  keepAliveTimeout?: number;
  metricsPort?: number;
  metricsHost?: string;
  minFreeDisk?: number;
  drainDelay?: number;
  fsckRate?: number;
  fsckInterval?: number;
  corsOrigin?: string[];
  trustProxy?: string[];
  webPage: boolean;
}

/** The long names of serve's flags: the keys a config file may hold. */
export function serveKeys(program: Command): Set<string> {
  const serve = program.commands.find((c) => c.name() === 'serve');
  return new Set((serve?.options ?? []).map((o) => o.long?.slice(2) ?? '').filter(Boolean));
}

export function serveCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the Tranche server (Box chunked-upload API)')
    .addOption(new Option('--host <host>', 'interface to listen on').env('TRANCHE_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('TRANCHE_PORT').default(8080).argParser(integer(0)))
    .addOption(new Option('--data-dir <dir>', 'where the embedded stores keep data').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption())
    .addOption(blobOption())
    .addOption(new Option('--spool-dir <dir>', 'with --blob s3://…: local cache of received parts for hashing (default DATA_DIR/spool)').env('TRANCHE_SPOOL_DIR'))
    .addOption(new Option('--public-url <origin>', 'origin written into session_endpoints and upload_url').env('TRANCHE_PUBLIC_URL').argParser(origin))
    .addOption(new Option('--min-chunked-size <bytes>', 'smallest file a chunked session accepts (default 20000000)').env('TRANCHE_MIN_CHUNKED_SIZE').argParser(integer(1)))
    .addOption(new Option('--part-size <bytes>', 'fixed part size (default: 8 MiB doubling until ≤ 10000 parts)').env('TRANCHE_PART_SIZE').argParser(integer(1)))
    .addOption(new Option('--session-ttl <seconds>', 'upload session lifetime (default 604800: 7 days)').env('TRANCHE_SESSION_TTL').argParser(integer(1)))
    .addOption(new Option('--max-file-size <bytes>', 'largest file a user may store (default 150000000000)').env('TRANCHE_MAX_FILE_SIZE').argParser(integer(1)))
    .addOption(new Option('--user-quota <bytes>', 'storage each user may use (default: unlimited)').env('TRANCHE_USER_QUOTA').argParser(integer(1)))
    .addOption(new Option('--janitor-interval <seconds>', 'how often expired and aborted sessions are released (default 60)').env('TRANCHE_JANITOR_INTERVAL').argParser(integer(1)))
    .addOption(new Option('--orphan-age <seconds>', 'how long an upload blob without a session is kept before the janitor removes it (default 3600)').env('TRANCHE_ORPHAN_AGE').argParser(integer(1)))
    .addOption(new Option('--trash-retention <seconds>', 'how long trashed items and versions are kept before the janitor purges them (default 2592000: 30 days)').env('TRANCHE_TRASH_RETENTION').argParser(integer(1)))
    .addOption(new Option('--shutdown-timeout <seconds>', 'how long SIGTERM lets in-flight requests finish (default 30)').env('TRANCHE_SHUTDOWN_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('TRANCHE_LOG_LEVEL').default('info'))
    .addOption(new Option('--rate-limit <n>', 'requests per minute per token, part PUTs excepted; 0: unlimited (default 1000)').env('TRANCHE_RATE_LIMIT').argParser(integer(0)))
    .addOption(new Option('--part-rate-limit <n>', 'part PUTs per minute per token; 0: unlimited (default 0)').env('TRANCHE_PART_RATE_LIMIT').argParser(integer(0)))
    .addOption(new Option('--anonymous-rate-limit <n>', 'requests without a valid token per minute per client address, every route; 0: unlimited (default 120)').env('TRANCHE_ANONYMOUS_RATE_LIMIT').argParser(integer(0)))
    .addOption(new Option('--max-connections <n>', 'connections held at once; 0: no cap (default 10000, less if the open-file limit is lower)').env('TRANCHE_MAX_CONNECTIONS').argParser(integer(0)))
    .addOption(new Option('--max-connections-per-address <n>', 'connections held at once per client address (IPv6: per /64); 0: no cap (default 256)').env('TRANCHE_MAX_CONNECTIONS_PER_ADDRESS').argParser(integer(0)))
    .addOption(new Option('--trust-proxy <addresses>', 'proxies (comma-separated addresses, CIDR ranges, or loopback) whose X-Forwarded-For names the client for per-address limits and logs; their own connections are not capped per address').env('TRANCHE_TRUST_PROXY').argParser(proxyList))
    .addOption(new Option('--request-timeout <seconds>', 'time for a whole request, headers and body, to arrive (default 3600)').env('TRANCHE_REQUEST_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--header-timeout <seconds>', 'time for the request headers to arrive (default 30)').env('TRANCHE_HEADER_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--idle-timeout <seconds>', 'time a connection may go without a byte moving, mid-body included (default 120)').env('TRANCHE_IDLE_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--keep-alive-timeout <seconds>', 'time an idle kept-alive connection stays open (default 65)').env('TRANCHE_KEEP_ALIVE_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--metrics-port <port>', 'serve /livez, /readyz and /metrics on this port only (default: on the main port)').env('TRANCHE_METRICS_PORT').argParser(integer(0)))
    .addOption(new Option('--metrics-host <host>', 'interface of the --metrics-port listener (default: --host)').env('TRANCHE_METRICS_HOST'))
    .addOption(new Option('--min-free-disk <bytes>', '/readyz fails below this much free space where the server writes (default 1073741824)').env('TRANCHE_MIN_FREE_DISK').argParser(integer(0)))
    .addOption(new Option('--drain-delay <seconds>', 'on SIGTERM, seconds /readyz answers 503 before the listener closes (default 0)').env('TRANCHE_DRAIN_DELAY').argParser(integer(0)))
    .addOption(new Option('--fsck-rate <bytes>', 'run the integrity check continuously, reading at most this many bytes a second (default 0: off)').env('TRANCHE_FSCK_RATE').argParser(integer(0)))
    .addOption(new Option('--fsck-interval <seconds>', 'pause between two passes of the continuous integrity check (default 3600)').env('TRANCHE_FSCK_INTERVAL').argParser(integer(1)))
    .addOption(new Option('--cors-origin <origins>', 'origins (comma-separated, or *) allowed to call the API from a browser page').env('TRANCHE_CORS_ORIGIN').argParser(origins))
    .addOption(new Option('--no-web-page', 'do not serve the browser uploader at /').env('TRANCHE_NO_WEB_PAGE'))
    .option('--print-config', 'print the effective configuration (secrets masked) and exit');
  withConfigFile(command, () => serveKeys(program));
  command.action(async (flags: ServeFlags & { printConfig?: boolean }) => {
    if (flags.printConfig) {
      console.log(printableConfig(command));
      return;
    }
    await serve(flags);
  });
}

export async function serve(flags: ServeFlags): Promise<void> {
  const server = await startTranche({
    host: flags.host,
    port: flags.port,
    dataDir: flags.dataDir,
    database: flags.database,
    blob: flags.blob,
    spoolDir: flags.spoolDir,
    publicUrl: flags.publicUrl,
    logLevel: flags.logLevel,
    rateLimit: flags.rateLimit,
    partRateLimit: flags.partRateLimit,
    anonymousRateLimit: flags.anonymousRateLimit,
    maxConnections: flags.maxConnections,
    maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
    requestTimeoutMs: seconds(flags.requestTimeout),
    headersTimeoutMs: seconds(flags.headerTimeout),
    idleTimeoutMs: seconds(flags.idleTimeout),
    keepAliveTimeoutMs: seconds(flags.keepAliveTimeout),
    corsOrigins: flags.corsOrigin,
    trustProxy: flags.trustProxy,
    webRoot: flags.webPage === false ? false : undefined,
    janitorIntervalMs: flags.janitorInterval === undefined ? undefined : flags.janitorInterval * 1000,
    orphanAgeMs: seconds(flags.orphanAge),
    shutdownTimeoutMs: flags.shutdownTimeout === undefined ? undefined : flags.shutdownTimeout * 1000,
    metricsPort: flags.metricsPort,
    metricsHost: flags.metricsHost,
    minFreeDiskBytes: flags.minFreeDisk,
    drainDelayMs: seconds(flags.drainDelay),
    fsckBytesPerSecond: flags.fsckRate,
    fsckIntervalMs: seconds(flags.fsckInterval),
    policy: {
      minChunkedSize: flags.minChunkedSize,
      fixedPartSize: flags.partSize,
      sessionTtlMs: flags.sessionTtl === undefined ? undefined : flags.sessionTtl * 1000,
      maxFileSize: flags.maxFileSize,
      userQuota: flags.userQuota,
      trashRetentionMs: seconds(flags.trashRetention),
    },
  });
  const base = server.publicUrl;
  console.log(`Tranche listening on ${server.url}`);
  if (server.operationsUrl !== server.url) console.log(`  Operations:  ${server.operationsUrl}/metrics, /livez, /readyz`);
  console.log(`  API host:    ${base}/2.0       (e.g. GET ${base}/2.0/folders/0)`);
  console.log(`  Upload host: ${base}/api/2.0   (POST ${base}/api/2.0/files/upload_sessions)`);
  if (server.webPage) console.log(`  Web page:    ${base}/          (sign in with a token)`);
  console.log(`  Metadata:    ${flags.database ? redact(flags.database) : `SQLite in ${flags.dataDir}`}`);
  console.log(`  Blobs:       ${flags.blob ?? `files in ${flags.dataDir}`}`);
  console.log(`  Get a token: npx tranche token create --user alice ${flags.database ? '--database …' : `--data-dir ${flags.dataDir}`}`);
  const stop = (signal: string): void => {
    console.log(`${signal}: finishing in-flight requests, then exiting`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** A database URL without its password, for printing. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** A flag in seconds as milliseconds. */
function seconds(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1000;
}
