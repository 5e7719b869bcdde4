/** `tranche token create --user NAME`: creates the user if needed and prints a new token as the last line. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { issueToken } from '../domain/auth.js';
import { openMetadataStore, type MetaOptions } from '../stores.js';
import { databaseOption } from './options.js';

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage access tokens');
  token
    .command('create')
    .description('create a user if needed and print a new bearer token (last line of stdout)')
    .requiredOption('--user <name>', 'user name')
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded stores').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption())
    .option('--init', 'create the SQLite database when it does not exist yet (normally `serve` creates it)')
    .action(async (flags: { user: string; init?: boolean } & MetaOptions) => {
      console.log(await createToken(flags));
    });
}

export async function createToken(flags: { user: string; init?: boolean | undefined } & MetaOptions): Promise<string> {
  const name = flags.user.trim();
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new Error('user names are 1-64 characters of letters, digits and ._@-');
  // A token in a database the server does not use is a trap: say which one, and never create an empty one unasked.
  const where = databaseLabel(flags);
  if (where.file !== undefined && !existsSync(where.file) && flags.init !== true) {
    throw new Error(`no database at ${where.file}: start \`tranche serve\` with the same --data-dir first, pass the server's --data-dir/--database, or add --init to create it`);
  }
  console.error(`database: ${where.label}`);
  const meta = await openMetadataStore(flags);
  try {
    const { user, token } = await issueToken(meta, name);
    console.error(`new token for user ${user.name} (id ${user.id}); it is shown only once:`);
    return token;
  } finally {
    await meta.close();
  }
}

/** The database `token create` opens: a SQLite file, or a PostgreSQL URL without its password. */
function databaseLabel(flags: MetaOptions): { label: string; file?: string } {
  if (flags.database && !flags.database.startsWith('sqlite:')) {
    const url = new URL(flags.database);
    url.password = url.password ? '***' : '';
    return { label: url.toString() };
  }
  const file = path.resolve(flags.database?.startsWith('sqlite:') ? flags.database.slice('sqlite:'.length) : path.join(flags.dataDir, 'tranche.db'));
  return { label: `SQLite ${file}`, file };
}
