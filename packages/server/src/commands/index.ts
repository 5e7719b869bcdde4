/** Server commands for the `tranche` CLI, registered when @tranche/server is installed. */
import type { Command } from 'commander';
import { backupCommands } from './backup.js';
import { doctorCommand } from './doctor.js';
import { fsckCommand } from './fsck.js';
import { gcCommand } from './gc.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { sessionsCommand } from './sessions.js';
import { tokenCommand } from './token.js';
import { usersCommand } from './users.js';

export function registerServerCommands(program: Command): void {
  serveCommand(program);
  tokenCommand(program);
  migrateCommand(program);
  usersCommand(program);
  sessionsCommand(program);
  gcCommand(program);
  doctorCommand(program);
  fsckCommand(program);
  backupCommands(program);
}

export { serve } from './serve.js';
export { createToken } from './token.js';
