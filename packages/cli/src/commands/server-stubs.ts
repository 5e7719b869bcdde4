/** The server's commands (`serve`, `token`, `migrate` and the admin commands) when @tranche/server is not installed (or failed to load): say so and exit 1. */
import type { Command } from 'commander';
import { CliError } from '../io.js';

export function registerServerStubs(program: Command, reason?: string): void {
  const message = reason
    ? `the server failed to load (${reason}): reinstall @tranche/server`
    : 'the server is not installed: npm install @tranche/server';
  const commands = [
    ['serve', 'run the server'],
    ['token', 'manage tokens'],
    ['migrate', 'apply schema migrations'],
    ['users', 'manage users'],
    ['sessions', 'list and abort upload sessions'],
    ['gc', 'run the janitor once'],
    ['doctor', 'check the configuration'],
    ['fsck', 'verify stored files against their SHA-1'],
    ['backup', 'back up the embedded stores'],
    ['restore-backup', 'restore a backup'],
  ] as const;
  for (const [name, what] of commands) {
    program
      .command(name, { hidden: false })
      .description(`${what} (needs @tranche/server)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .helpOption(false)
      .action(() => {
        throw new CliError(message);
      });
  }
}
