/**
 * `tranche token create --user NAME [--ttl SECONDS]`: creates the user if needed and prints a new token as the last
 * line of stdout. `tranche token list --user NAME [--json]`: the user's tokens by id (never the secret).
 * `tranche token revoke TOKEN_OR_ID [--json]`: refuses the token from the next request on, on every instance.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { issueToken, listTokens, revokeToken, type TokenView } from '../domain/tokens.js';
import { openMetadataStore, type MetaOptions } from '../stores.js';
import { withConfigFile } from './config-file.js';
import { databaseOption, integer } from './options.js';
import { serveKeys } from './serve.js';

type StoreFlags = MetaOptions & { json?: boolean };

function storeOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded stores').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption());
}

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('manage access tokens');
  storeOptions(
    withConfigFile(token.command('create'), () => serveKeys(program))
      .description('create a user if needed and print a new bearer token (last line of stdout)')
      .requiredOption('--user <name>', 'user name')
      .addOption(new Option('--ttl <seconds>', 'the token expires this many seconds from now (default: never)').env('TRANCHE_TOKEN_TTL').argParser(integer(1)))
      .option('--init', 'the SQLite database may be new (no warning when it does not exist yet)'),
  ).action(async (flags: { user: string; ttl?: number; init?: boolean } & MetaOptions) => {
    console.log(await createToken(flags));
  });
  storeOptions(
    token
      .command('list')
      .description("list a user's tokens: id, state, dates (never the token itself)")
      .requiredOption('--user <name>', 'user name')
      .option('--json', 'one JSON object per token per line'),
  ).action(async (flags: { user: string } & StoreFlags) => {
    const tokens = await withStore(flags, (meta) => listTokens(meta, userName(flags.user)));
    if (!tokens) throw new Error(`no user named ${flags.user}`);
    if (flags.json) for (const t of tokens) console.log(JSON.stringify(jsonView(t)));
    else printTable(tokens);
  });
  storeOptions(
    token
      .command('revoke')
      .description('revoke a token, given as itself (trn_…) or by its id (from `token list`): refused at once everywhere')
      .argument('<token-or-id>', 'the token, or its id (at least 8 hex digits)')
      .option('--json', 'print the revoked token as one JSON object'),
  ).action(async (tokenOrId: string, flags: StoreFlags) => {
    const { token: revoked, revoked: changed } = await withStore(flags, (meta) => revokeToken(meta, tokenOrId));
    if (flags.json) console.log(JSON.stringify(jsonView(revoked)));
    else console.log(`${changed ? 'revoked' : 'already revoked:'} token ${revoked.id} of user ${revoked.user}`);
  });
}

export async function createToken(flags: { user: string; ttl?: number; init?: boolean | undefined } & MetaOptions): Promise<string> {
  const name = userName(flags.user);
  // A token in a database the server does not use is a trap: say which one, and never make a new one silently. It is
  // still made (scripts that create a token before the first `serve` rely on it: CONTRACT), with a warning.
  const where = databaseLabel(flags);
  if (where.file !== undefined && !existsSync(where.file) && flags.init !== true) {
    console.error(`tranche: warning: no database at ${where.file} yet; creating a new, empty one. The token works only for a server started with this --data-dir (--init says this is meant).`);
  }
  console.error(`database: ${where.label}`);
  const { user, token, id, expiresAt } = await withStore(flags, (meta) => issueToken(meta, name, { ttlMs: flags.ttl === undefined ? null : flags.ttl * 1000 }));
  const expiry = expiresAt ? `expires ${expiresAt.toISOString()}` : 'does not expire';
  console.error(`new token ${id} for user ${user.name} (id ${user.id}), ${expiry}; it is shown only once:`);
  return token;
}

function userName(given: string): string {
  const name = given.trim();
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new Error('user names are 1-64 characters of letters, digits and ._@-');
  return name;
}

async function withStore<T>(flags: MetaOptions, work: (meta: Awaited<ReturnType<typeof openMetadataStore>>) => Promise<T>): Promise<T> {
  const meta = await openMetadataStore(flags);
  try {
    return await work(meta);
  } finally {
    await meta.close();
  }
}

function jsonView(t: TokenView): Record<string, unknown> {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return { id: t.id, user: t.user, state: t.state, created_at: iso(t.createdAt), expires_at: iso(t.expiresAt), revoked_at: iso(t.revokedAt) };
}

function printTable(tokens: TokenView[]): void {
  const rows = [['ID', 'STATE', 'CREATED', 'EXPIRES', 'REVOKED']];
  const day = (d: Date | null, none: string) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : none);
  for (const t of tokens) rows.push([t.id, t.state, day(t.createdAt, ''), day(t.expiresAt, 'never'), day(t.revokedAt, '-')]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
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
