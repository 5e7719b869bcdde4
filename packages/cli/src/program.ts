/**
 * The command table: each client command's flags (every one with its TRANCHE_* twin) wired to the plain async
 * function in commands/. Errors become one line on stderr and a non-zero exit status (see bin.ts).
 */
import { Command, Option } from 'commander';
import { abort } from './commands/abort.js';
import { download } from './commands/download.js';
import { ls } from './commands/ls.js';
import { mkdir } from './commands/mkdir.js';
import { upload } from './commands/upload.js';
import { uploads } from './commands/uploads.js';
import { addConnectionOptions, positiveInt } from './connection.js';
import type { Io } from './io.js';

const json = (): Option => new Option('--json', 'print one JSON object per line').env('TRANCHE_JSON');
const stateDir = (): Option =>
  new Option('--state-dir <dir>', 'where interrupted uploads are remembered (default ~/.tranche/uploads)').env('TRANCHE_STATE_DIR');

/** Client commands that never need the server package. */
export const CLIENT_COMMANDS = ['upload', 'download', 'ls', 'mkdir', 'uploads', 'abort'];

export function createProgram(io: Io): Command {
  const program = new Command('tranche')
    .description("Tranche: resumable, parallel, verified uploads over Box's chunked-upload API")
    .version('0.1.0')
    .showSuggestionAfterError();

  addConnectionOptions(
    program
      .command('upload')
      .description('upload files (chunked above the minimum); resumes an interrupted upload of the same file')
      .argument('<files...>', 'files to upload')
      .addOption(new Option('--folder <id>', 'destination folder id (default 0, the root)').env('TRANCHE_FOLDER'))
      .addOption(new Option('--file-id <id>', 'upload as a new version of this file').env('TRANCHE_FILE_ID'))
      .addOption(new Option('--name <name>', 'name on the server (one FILE only)').env('TRANCHE_NAME'))
      .addOption(new Option('--parallel <n>', 'parts in flight at once (default 4)').env('TRANCHE_PARALLEL').argParser(positiveInt('--parallel')))
      .addOption(
        new Option('--min-chunked-size <bytes>', 'smaller files use a simple upload (default 20000000)')
          .env('TRANCHE_MIN_CHUNKED_SIZE')
          .argParser(positiveInt('--min-chunked-size')),
      )
      .addOption(stateDir())
      .addOption(json()),
  ).action(async (files: string[], flags) => void (await upload(files, flags, io)));

  addConnectionOptions(
    program
      .command('download')
      .description('download a file, verifying its sha1')
      .argument('<file-id>', 'file id')
      .addOption(new Option('-o, --output <path>', 'file or directory to write (default: the name, here)').env('TRANCHE_OUTPUT'))
      .addOption(json()),
  ).action(async (fileId: string, flags) => void (await download(fileId, flags, io)));

  addConnectionOptions(
    program.command('ls').description('list a folder').argument('[folder-id]', 'folder id (default 0)').addOption(json()),
  ).action(async (folderId: string | undefined, flags) => ls(folderId, flags, io));

  addConnectionOptions(
    program
      .command('mkdir')
      .description('create a folder; prints its id')
      .argument('<name>', 'folder name')
      .addOption(new Option('--parent <id>', 'parent folder id (default 0)').env('TRANCHE_PARENT'))
      .addOption(json()),
  ).action(async (name: string, flags) => void (await mkdir(name, flags, io)));

  program
    .command('uploads')
    .description('list interrupted uploads that can be resumed')
    .addOption(stateDir())
    .addOption(json())
    .action(async (flags) => void (await uploads(flags, io)));

  addConnectionOptions(
    program
      .command('abort')
      .description('abort an interrupted upload: delete its session and forget it')
      .argument('<file-or-session-id>', 'the local file, or the upload session id')
      .addOption(stateDir())
      .addOption(json()),
  ).action(async (target: string, flags) => void (await abort(target, flags, io)));

  return program;
}
