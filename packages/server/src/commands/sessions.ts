/** `tranche sessions list [--user] [--state]`, `tranche sessions abort ID`. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { SessionStatus } from '../store/operations-store.js';
import { bytes, printRows, when, withDomain, withMetadata, withStoreFlags, type StoreFlags } from './admin-io.js';
import { integer } from './options.js';
import { report } from './users.js';

const STATES: SessionStatus[] = ['active', 'expired', 'committed', 'aborted'];

export function sessionsCommand(program: Command): void {
  const sessions = program.command('sessions').description('list and abort upload sessions');
  withStoreFlags(
    sessions
      .command('list')
      .description('upload sessions, newest first')
      .option('--user <name>', 'only this user’s sessions')
      .addOption(new Option('--state <state>', `only sessions in this state: ${STATES.join(', ')}`).argParser(state))
      .addOption(new Option('--limit <n>', 'at most this many (default 100)').argParser(integer(1)).default(100)),
  ).action(async (flags: StoreFlags & { user?: string; state?: SessionStatus; limit: number }) => {
    const list = await withMetadata(flags, (_meta, ops) => ops.listSessions({ user: flags.user, status: flags.state, limit: flags.limit }, new Date()));
    printRows(
      flags,
      list.map((s) => ({
        id: s.id,
        user: s.userName,
        file: s.fileName,
        size: bytes(s.fileSize),
        parts: `${s.parts}/${s.totalParts}`,
        state: s.status,
        released: s.released,
        created: when(s.createdAt),
        expires: when(s.expiresAt),
      })),
      'no sessions',
      list,
    );
  });
  withStoreFlags(sessions.command('abort').argument('<id>', 'upload session id').description('abort an active session and release its bytes now')).action(
    async (id: string, flags: StoreFlags) => {
      const outcome = await withDomain(flags, (domain) => domain.sessions.abortById(id));
      if (outcome === undefined) throw new Error(`no upload session ${JSON.stringify(id)}`);
      report(flags, { id, state: outcome.state, released: outcome.released }, outcome.aborted ? `aborted session ${id}${outcome.released ? ', bytes released' : ''}` : `session ${id} is ${outcome.state}: nothing to abort`);
      if (!outcome.aborted) process.exitCode = 1;
    },
  );
}

function state(value: string): SessionStatus {
  if (!STATES.includes(value as SessionStatus)) throw new InvalidArgumentError(`expected one of ${STATES.join(', ')}`);
  return value as SessionStatus;
}
