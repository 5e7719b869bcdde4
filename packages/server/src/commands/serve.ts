/** `tranche serve`: run the server until SIGTERM/SIGINT, then shut down gracefully. */
import { Option, type Command } from 'commander';
import { startTranche } from '../server.js';
import { integer, origin } from './options.js';

export interface ServeFlags {
  host: string;
  port: number;
  dataDir: string;
  publicUrl?: string;
  minChunkedSize?: number;
  partSize?: number;
  sessionTtl?: number;
  maxFileSize?: number;
  userQuota?: number;
  janitorInterval?: number;
  logLevel: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Tranche server (Box chunked-upload API)')
    .addOption(new Option('--host <host>', 'interface to listen on').env('TRANCHE_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('TRANCHE_PORT').default(8080).argParser(integer(0)))
    .addOption(new Option('--data-dir <dir>', 'where the embedded stores keep data').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(new Option('--public-url <origin>', 'origin written into session_endpoints and upload_url').env('TRANCHE_PUBLIC_URL').argParser(origin))
    .addOption(new Option('--min-chunked-size <bytes>', 'smallest file a chunked session accepts (default 20000000)').env('TRANCHE_MIN_CHUNKED_SIZE').argParser(integer(1)))
    .addOption(new Option('--part-size <bytes>', 'fixed part size (default: 8 MiB doubling until ≤ 10000 parts)').env('TRANCHE_PART_SIZE').argParser(integer(1)))
    .addOption(new Option('--session-ttl <seconds>', 'upload session lifetime (default 604800: 7 days)').env('TRANCHE_SESSION_TTL').argParser(integer(1)))
    .addOption(new Option('--max-file-size <bytes>', 'largest file a user may store (default 150000000000)').env('TRANCHE_MAX_FILE_SIZE').argParser(integer(1)))
    .addOption(new Option('--user-quota <bytes>', 'storage each user may use (default: unlimited)').env('TRANCHE_USER_QUOTA').argParser(integer(1)))
    .addOption(new Option('--janitor-interval <seconds>', 'how often expired and aborted sessions are released (default 60)').env('TRANCHE_JANITOR_INTERVAL').argParser(integer(1)))
    .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|silent').env('TRANCHE_LOG_LEVEL').default('info'))
    .action(async (flags: ServeFlags) => {
      await serve(flags);
    });
}

export async function serve(flags: ServeFlags): Promise<void> {
  const server = await startTranche({
    host: flags.host,
    port: flags.port,
    dataDir: flags.dataDir,
    publicUrl: flags.publicUrl,
    logLevel: flags.logLevel,
    janitorIntervalMs: flags.janitorInterval === undefined ? undefined : flags.janitorInterval * 1000,
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
  console.log(`  Data:        ${flags.dataDir}`);
  console.log(`  Get a token: npx tranche token create --user alice --data-dir ${flags.dataDir}`);
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
