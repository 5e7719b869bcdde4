/** `tranche users list|create|set-quota|disable|enable`: the accounts, their usage and limits. */
import type { Command } from 'commander';
import { bytes, parseSize, printRows, when, withMetadata, withStoreFlags, type StoreFlags } from './admin-io.js';

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export function usersCommand(program: Command): void {
  const users = program.command('users').description('list and manage users (quota, disabling)');
  withStoreFlags(users.command('list').description('every user with storage used, files, tokens, quota and state')).action(async (flags: StoreFlags) => {
    const list = await listUsers(flags);
    printRows(
      flags,
      list.map((u) => ({ name: u.name, id: u.id, used: bytes(u.usedBytes), files: u.files, tokens: u.tokens, quota: u.quota === null ? 'default' : bytes(u.quota), state: u.disabled ? 'disabled' : 'enabled', created: when(u.createdAt) })),
      'no users',
      list,
    );
  });
  withStoreFlags(users.command('create').argument('<name>', 'user name (1-64 of letters, digits and ._@-)').description('create a user (no token: see `tranche token create`)')).action(
    async (name: string, flags: StoreFlags) => {
      const created = await createUser(flags, name);
      report(flags, { user: name, created }, created ? `created user ${name}` : `user ${name} already exists`);
      if (!created) process.exitCode = 1;
    },
  );
  withStoreFlags(
    users
      .command('set-quota')
      .argument('<name>', 'user name')
      .argument('<size>', 'bytes the user may store: 500000000, 10G, 1.5GiB; "none" for the server default (--user-quota)')
      .description("set a user's storage quota, overriding --user-quota"),
  ).action(async (name: string, size: string, flags: StoreFlags) => {
    const quota = parseSize(size);
    await mustExist(name, await withMetadata(flags, (_meta, ops) => ops.setQuota(name, quota)));
    report(flags, { user: name, quota }, `quota of ${name}: ${quota === null ? 'the server default' : `${quota} bytes (${bytes(quota)})`}`);
  });
  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    withStoreFlags(
      users
        .command(verb)
        .argument('<name>', 'user name')
        .description(disabled ? "disable a user: their tokens stop working at once, on every running server" : 'enable a disabled user again'),
    ).action(async (name: string, flags: StoreFlags) => {
      await mustExist(name, await withMetadata(flags, (_meta, ops) => ops.setDisabled(name, disabled, new Date())));
      report(flags, { user: name, disabled }, `${name} ${disabled ? 'disabled' : 'enabled'}`);
    });
  }
}

export async function listUsers(flags: StoreFlags) {
  return withMetadata(flags, (_meta, ops) => ops.listUsers());
}

export async function createUser(flags: StoreFlags, name: string): Promise<boolean> {
  if (!NAME.test(name)) throw new Error('user names are 1-64 characters of letters, digits and ._@-');
  return withMetadata(flags, (_meta, ops) => ops.createUser(name));
}

async function mustExist(name: string, found: boolean): Promise<void> {
  if (!found) throw new Error(`no user named ${JSON.stringify(name)}`);
}

/** One outcome: a sentence, or its JSON. */
export function report(flags: { json?: boolean }, value: unknown, sentence: string): void {
  console.log(flags.json ? JSON.stringify(value) : sentence);
}
