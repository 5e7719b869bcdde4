/** `tranche token create --user NAME`: creates the user if needed and prints a new token as the last line. */
import { Option, type Command } from 'commander';
import { issueToken } from '../domain/auth.js';
import { openMetadataStore, type MetaOptions } from '../stores.js';
import { withConfigFile } from './config-file.js';
import { databaseOption } from './options.js';
import { serveKeys } from './serve.js';

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage access tokens');
  withConfigFile(token.command('create'), () => serveKeys(program))
    .description('create a user if needed and print a new bearer token (last line of stdout)')
    .requiredOption('--user <name>', 'user name')
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded stores').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption())
    .action(async (flags: { user: string } & MetaOptions) => {
      console.log(await createToken(flags));
    });
}

export async function createToken(flags: { user: string } & MetaOptions): Promise<string> {
  const name = flags.user.trim();
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new Error('user names are 1-64 characters of letters, digits and ._@-');
  const meta = await openMetadataStore(flags);
  try {
    const { user, token } = await issueToken(meta, name);
    console.error(`new token for user ${user.name} (id ${user.id}); it is shown only once:`);
    return token;
  } finally {
    await meta.close();
  }
}
