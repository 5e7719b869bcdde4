/** `serve`, `token` and `migrate` when @tranche/server is not installed (or failed to load): say so and exit 1. */
import type { Command } from 'commander';
import { CliError } from '../io.js';

export function registerServerStubs(program: Command, reason?: string): void {
  const message = reason
    ? `the server failed to load (${reason}): reinstall @tranche/server`
    : 'the server is not installed: npm install @tranche/server';
  for (const [name, what] of [['serve', 'run the server'], ['token', 'manage tokens'], ['migrate', 'apply schema migrations']] as const) {
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
