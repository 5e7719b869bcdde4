/** `serve` and `token` when @tranche/server is not installed (or failed to load): say so and exit 1. */
import type { Command } from 'commander';
import { CliError } from '../io.js';

export function registerServerStubs(program: Command, reason?: string): void {
  const message = reason
    ? `the server failed to load (${reason}): reinstall @tranche/server`
    : 'the server is not installed: npm install @tranche/server';
  for (const name of ['serve', 'token']) {
    program
      .command(name, { hidden: false })
      .description(`${name === 'serve' ? 'run the server' : 'manage tokens'} (needs @tranche/server)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .helpOption(false)
      .action(() => {
        throw new CliError(message);
      });
  }
}
