#!/usr/bin/env node
/** The `tranche` executable: client commands, plus `serve`/`token`/`migrate` from @tranche/server when it is installed. */
import { createProgram, CLIENT_COMMANDS } from './program.js';
import { registerServerStubs } from './commands/server-stubs.js';
import { CliError, EXIT_INTERRUPTED, oneLine, processIo } from './io.js';
import { printable } from './output/printable.js';

const controller = new AbortController();
const program = createProgram(processIo(controller.signal));
const command = process.argv[2];
if (command !== undefined && CLIENT_COMMANDS.includes(command)) {
  // Ctrl-C cancels the requests in flight so the command can keep its state and say how to resume; a second
  // Ctrl-C exits at once. (Server commands keep their own signal handling.)
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort(new Error('interrupted (SIGINT)'));
  });
} else {
  // Client commands do not load the server (faster start, and they work when the server is broken or absent).
  await loadServerCommands();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`tranche: ${printable(oneLine(error))}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : controller.signal.aborted ? EXIT_INTERRUPTED : 1;
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
