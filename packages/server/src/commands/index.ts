/** Server commands for the `tranche` CLI, registered when @tranche/server is installed. */
import type { Command } from 'commander';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';

export function registerServerCommands(program: Command): void {
  serveCommand(program);
  tokenCommand(program);
  migrateCommand(program);
}

export { serve } from './serve.js';
export { createToken } from './token.js';
