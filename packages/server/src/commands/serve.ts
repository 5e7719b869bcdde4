/** `tranche serve`: run the server until SIGTERM/SIGINT, then shut down gracefully. */
import { Option, type Command } from 'commander';
import { startTranche } from '../server.js';
import { blobOption, databaseOption, integer, origin, origins } from './options.js';

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
  shutdownTimeout?: number;
  logLevel: string;
  rateLimit?: number;
  partRateLimit?: number;
  requestTimeout?: number;
  headerTimeout?: number;
  idleTimeout?: number;
  keepAliveTimeout?: number;
  corsOrigin?: string[];
  webPage: boolean;
}

export function serveCommand(program: Command): void {
  program
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
    .addOption(new Option('--shutdown-timeout <seconds>', 'how long SIGTERM lets in-flight requests finish (default 30)').env('TRANCHE_SHUTDOWN_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent').env('TRANCHE_LOG_LEVEL').default('info'))
    .addOption(new Option('--rate-limit <n>', 'requests per minute per token, part PUTs excepted; 0: unlimited (default 1000)').env('TRANCHE_RATE_LIMIT').argParser(integer(0)))
    .addOption(new Option('--part-rate-limit <n>', 'part PUTs per minute per token; 0: unlimited (default 0)').env('TRANCHE_PART_RATE_LIMIT').argParser(integer(0)))
    .addOption(new Option('--request-timeout <seconds>', 'time for a whole request, headers and body, to arrive (default 3600)').env('TRANCHE_REQUEST_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--header-timeout <seconds>', 'time for the request headers to arrive (default 30)').env('TRANCHE_HEADER_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--idle-timeout <seconds>', 'time a connection may go without a byte moving, mid-body included (default 120)').env('TRANCHE_IDLE_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--keep-alive-timeout <seconds>', 'time an idle kept-alive connection stays open (default 65)').env('TRANCHE_KEEP_ALIVE_TIMEOUT').argParser(integer(1)))
    .addOption(new Option('--cors-origin <origins>', 'origins (comma-separated, or *) allowed to call the API from a browser page').env('TRANCHE_CORS_ORIGIN').argParser(origins))
    .addOption(new Option('--no-web-page', 'do not serve the browser uploader at /').env('TRANCHE_NO_WEB_PAGE'))
    .action(async (flags: ServeFlags) => {
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
    requestTimeoutMs: seconds(flags.requestTimeout),
    headersTimeoutMs: seconds(flags.headerTimeout),
    idleTimeoutMs: seconds(flags.idleTimeout),
    keepAliveTimeoutMs: seconds(flags.keepAliveTimeout),
    corsOrigins: flags.corsOrigin,
    webRoot: flags.webPage === false ? false : undefined,
    janitorIntervalMs: flags.janitorInterval === undefined ? undefined : flags.janitorInterval * 1000,
    orphanAgeMs: seconds(flags.orphanAge),
    shutdownTimeoutMs: flags.shutdownTimeout === undefined ? undefined : flags.shutdownTimeout * 1000,
    policy: {
      minChunkedSize: flags.minChunkedSize,
      fixedPartSize: flags.partSize,
      sessionTtlMs: flags.sessionTtl === undefined ? undefined : flags.sessionTtl * 1000,
      maxFileSize: flags.maxFileSize,
      userQuota: flags.userQuota,
    },
  });
  const base = server.publicUrl;
  console.log(`Tranche listening on ${server.url}`);
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
