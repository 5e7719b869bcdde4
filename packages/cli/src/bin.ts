#!/usr/bin/env node
/** The `tranche` executable: client commands, plus `serve`/`token`/`migrate` from @tranche/server when it is installed. */
import { CommanderError } from 'commander';
import { createProgram, CLIENT_COMMANDS } from './program.js';
import { registerServerStubs } from './commands/server-stubs.js';
import { EXIT, exitCodeFor, oneLine, processIo } from './io.js';
import { printable } from './output/printable.js';

const controller = new AbortController();
const program = createProgram(processIo(controller.signal));
const command = process.argv[2];
if (command !== undefined && CLIENT_COMMANDS.includes(command)) {
  // Ctrl-C cancels the requests in flight so the command can keep its state and say how to resume; a second
  // Ctrl-C exits at once. (Server commands keep their own signal handling.)
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort(new Error('interrupted (SIGINT)'));
  });
  // `… | head` closes the pipe early: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
} else {
  // Client commands do not load the server (faster start, and they work when the server is broken or absent).
  await loadServerCommands();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help) already; errors of usage exit 2.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
  } else {
    // The message may quote the server (a name, its error text): escaped, like everything from it.
    process.stderr.write(`tranche: ${printable(oneLine(error))}\n`);
    process.exitCode = exitCodeFor(error, controller.signal.aborted);
  }
}

async function loadServerCommands(): Promise<void> {
  const spec = '@tranche/server/commands';
  let mod: { registerServerCommands?: (p: typeof program) => void };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch (error) {
    const what = /Cannot find (?:package|module) '([^']+)'/.exec(String((error as Error)?.message))?.[1] ?? '';
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && what.includes('@tranche/server');
    registerServerStubs(program, missing ? undefined : oneLine(error));
    return;
  }
  if (typeof mod.registerServerCommands !== 'function') {
    registerServerStubs(program, 'it has no registerServerCommands');
    return;
  }
  mod.registerServerCommands(program);
}
