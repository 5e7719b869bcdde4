/**
 * The command table: each client command's flags (every one with its TRANCHE_* twin, and a profile value from
 * the config file underneath) wired to the plain async function in commands/. Errors become one line on stderr
 * and an exit status from io.ts's EXIT (see bin.ts).
 */
import { Command, Option } from 'commander';
import { abort } from './commands/abort.js';
import { completion } from './commands/completion.js';
import { config, CONFIG_KEYS } from './commands/config.js';
import { download } from './commands/download.js';
import { cp, info, mv, rename, restore, rm, trash, versions } from './commands/items.js';
import { ls } from './commands/ls.js';
import { mkdir } from './commands/mkdir.js';
import { upload } from './commands/upload.js';
import { uploads } from './commands/uploads.js';
import { configPath, optionKey, readConfig } from './config-file.js';
import { addCommonOptions, addConnectionOptions, positiveInt } from './connection.js';
import type { Io } from './io.js';

const json = (): Option => new Option('--json', 'print one JSON object per line (the default when stdout is not a terminal)').env('TRANCHE_JSON');
const stateDir = (): Option =>
  new Option('--state-dir <dir>', 'where interrupted uploads are remembered (default ~/.tranche/uploads)').env('TRANCHE_STATE_DIR');
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const examples = (lines: string[]): string => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** Client commands that never need the server package. */
export const CLIENT_COMMANDS = [
  'upload', 'download', 'ls', 'mkdir', 'uploads', 'abort', 'rm', 'mv', 'cp', 'rename', 'versions', 'trash', 'restore', 'info', 'config', 'completion',
];

export function createProgram(io: Io): Command {
  const program = new Command('tranche')
    .description("Tranche: resumable, parallel, verified uploads over Box's chunked-upload API")
    .version('0.1.0')
    .showSuggestionAfterError()
    .exitOverride();

  // Profile values fill in what neither a flag nor the environment gave.
  program.hook('preAction', async (_root, command) => {
    if (command.name() === 'config' || !command.options.some((o) => o.long === '--profile')) return;
    const chosen = command.getOptionValue('profile') as string | undefined;
    const profiles = (await readConfig()).profiles;
    const values = profiles[chosen ?? 'default'];
    if (chosen !== undefined && !values) throw new Error(`no profile "${chosen}" in ${configPath()} (tranche config set KEY VALUE --profile ${chosen})`);
    for (const [flag, raw] of Object.entries(values ?? {})) {
      const option = command.options.find((o) => o.long === `--${flag}`);
      if (!option) continue;
      const key = optionKey(flag);
      const source = command.getOptionValueSource(key);
      if (source === 'cli' || (source === 'env' && command.getOptionValue(key) !== '')) continue;
      const value = option.isBoolean() ? raw === 'true' || raw === '1' : option.parseArg ? option.parseArg(raw, undefined) : raw;
      command.setOptionValueWithSource(key, value, 'config');
    }
  });

  addConnectionOptions(
    program
      .command('upload')
      .description('upload files, standard input (-) or trees (-r); resumes what an earlier run left unfinished')
      .argument('<files...>', 'files, directories (with -r), or - for standard input')
      .addOption(new Option('--to <path>', 'destination folder: a path (/a/b, created if missing) or an id').env('TRANCHE_TO'))
      .addOption(new Option('--folder <id>', 'destination folder id or path (default 0, the root)').env('TRANCHE_FOLDER'))
      .addOption(new Option('--file-id <id>', 'upload as a new version of this file').env('TRANCHE_FILE_ID'))
      .addOption(new Option('--name <name>', 'name on the server (one FILE only; required for -)').env('TRANCHE_NAME'))
      .addOption(new Option('--size <bytes>', 'with -: the size standard input will have (checked)').argParser(positiveInt('--size')))
      .option('-r, --recursive', 'upload directories as trees (their content goes into the destination)')
      .addOption(new Option('--transfers <n>', 'files in flight at once (default 4 with -r, else 1)').env('TRANCHE_TRANSFERS').argParser(positiveInt('--transfers')))
      .addOption(new Option('--parallel <n>', 'parts in flight at once per file (default 4)').env('TRANCHE_PARALLEL').argParser(positiveInt('--parallel')))
      .option('--include <glob>', 'only files matching (repeatable; a glob without / matches the base name)', collect)
      .option('--exclude <glob>', 'leave out files and folders matching (repeatable)', collect)
      .option('--skip-existing', 'a file already there with the same size and sha1 is not sent')
      .option('--overwrite', 'a name already taken gets the upload as a new version')
      .option('--keep-both', 'a name already taken: upload as "name (1).ext"')
      .addOption(
        new Option('--min-chunked-size <bytes>', 'smaller files use a simple upload (default 20000000)')
          .env('TRANCHE_MIN_CHUNKED_SIZE')
          .argParser(positiveInt('--min-chunked-size')),
      )
      .addOption(stateDir())
      .addOption(json())
      .addHelpText(
        'after',
        examples([
          'tranche upload big.iso --to /projects/2026',
          'tranche upload -r ./photos --to /backup/photos --transfers 8 --skip-existing',
          'tranche upload -r . --to /site --include "*.html" --exclude "node_modules"',
          'tar c dir | tranche upload - --name dir.tar --to /archives',
          'tranche upload report.pdf --to /docs --overwrite',
        ]),
      ),
  ).action(async (files: string[], flags) => void (await upload(files, flags, io)));

  addConnectionOptions(
    program
      .command('download')
      .description('download files (resuming .part files) or trees (-r), verifying every sha1')
      .argument('<targets...>', 'paths (/a/b.iso) or file ids; folders with -r')
      .addOption(new Option('-o, --output <path>', 'file or directory to write, - for standard output (default: the name, here)').env('TRANCHE_OUTPUT'))
      .option('-r, --recursive', 'download folders as trees')
      .addOption(new Option('--transfers <n>', 'files in flight at once (default 4)').env('TRANCHE_TRANSFERS').argParser(positiveInt('--transfers')))
      .addOption(new Option('--connections <n>', 'parallel ranges for a large file (default 4)').env('TRANCHE_CONNECTIONS').argParser(positiveInt('--connections')))
      .addOption(
        new Option('--range-threshold <bytes>', 'files this large or larger come as parallel ranges (default 67108864)')
          .env('TRANCHE_RANGE_THRESHOLD')
          .argParser(positiveInt('--range-threshold')),
      )
      .addOption(json())
      .addHelpText(
        'after',
        examples(['tranche download /projects/2026/big.iso', 'tranche download 12345 -o copy.iso', 'tranche download -r /backup/photos -o ./photos', 'tranche download /logs/app.log -o - | grep ERROR']),
      ),
  ).action(async (targets: string[], flags) => void (await download(targets, flags, io)));

  addConnectionOptions(
    program
      .command('ls')
      .description('list a folder (or show a file)')
      .argument('[path]', 'a path (/a/b) or a folder id (default: the root)')
      .option('-l, --long', 'size, modified time and sha1; human sizes')
      .option('-R, --recursive', 'every folder below, too')
      .option('--bytes', 'with -l: exact sizes in bytes')
      .addOption(json())
      .addHelpText('after', examples(['tranche ls /projects/2026', 'tranche ls -lR /backup', 'tranche ls 12345 --json | jq .name'])),
  ).action(async (target: string | undefined, flags) => ls(target, flags, io));

  addConnectionOptions(
    program
      .command('mkdir')
      .description('create a folder; prints its id')
      .argument('<name>', 'a name (in --parent) or a path (/a/b/c)')
      .addOption(new Option('--parent <id>', 'parent folder id or path (default 0)').env('TRANCHE_PARENT'))
      .option('-p, --parents', 'create missing parents; a folder that exists is fine')
      .addOption(json())
      .addHelpText('after', examples(['tranche mkdir -p /projects/2026/q1', 'tranche mkdir reports --parent 12345'])),
  ).action(async (name: string, flags) => void (await mkdir(name, flags, io)));

  addConnectionOptions(
    program
      .command('rm')
      .description('move files or folders to the trash')
      .argument('<targets...>', 'paths or ids (file:ID, folder:ID)')
      .option('-r, --recursive', 'folders with content too')
      .addOption(json())
      .addHelpText('after', examples(['tranche rm /projects/old.iso', 'tranche rm -r /projects/2019'])),
  ).action(async (targets: string[], flags) => rm(targets, flags, io));

  addConnectionOptions(
    program
      .command('mv')
      .description('move (and optionally rename) a file or folder on the server')
      .argument('<source>', 'path or id')
      .argument('<destination>', 'a folder (keeps the name) or PARENT/NEWNAME')
      .addOption(json())
      .addHelpText('after', examples(['tranche mv /inbox/a.pdf /archive/', 'tranche mv /inbox/a.pdf /archive/2026-a.pdf'])),
  ).action(async (source: string, destination: string, flags) => mv(source, destination, flags, io));

  addConnectionOptions(
    program
      .command('cp')
      .description('copy a file or folder on the server (no bytes travel)')
      .argument('<source>', 'path or id')
      .argument('<destination>', 'a folder (keeps the name) or PARENT/NEWNAME')
      .addOption(json())
      .addHelpText('after', examples(['tranche cp /templates/base.docx /projects/2026/', 'tranche cp -- /a/b.iso /c/b-copy.iso'])),
  ).action(async (source: string, destination: string, flags) => cp(source, destination, flags, io));

  addConnectionOptions(
    program
      .command('rename')
      .description('rename a file or folder in place')
      .argument('<target>', 'path or id')
      .argument('<name>', 'the new name')
      .addOption(json())
      .addHelpText('after', examples(['tranche rename /projects/draft.pdf final.pdf'])),
  ).action(async (target: string, name: string, flags) => rename(target, name, flags, io));

  addConnectionOptions(
    program
      .command('versions')
      .description("list a file's versions, make an old one current again, or delete one")
      .argument('<file>', 'path or file id')
      .option('--promote <version-id>', 'make this version the current one')
      .option('--delete <version-id>', 'delete this (old) version')
      .addOption(json())
      .addHelpText('after', examples(['tranche versions /docs/report.pdf', 'tranche versions /docs/report.pdf --promote 456'])),
  ).action(async (target: string, flags) => versions(target, flags, io));

  addConnectionOptions(
    program
      .command('trash')
      .description('list the trash, or purge items from it for good')
      .option('--purge <item>', 'file:ID, folder:ID, or a name in the trash (repeatable)', collect)
      .addOption(json())
      .addHelpText('after', examples(['tranche trash', 'tranche trash --purge file:12345'])),
  ).action(async (flags) => trash(flags, io));

  addConnectionOptions(
    program
      .command('restore')
      .description('restore an item from the trash')
      .argument('<item>', 'file:ID, folder:ID, an id, or a name in the trash')
      .option('--to <path>', 'restore into this folder (default: where it was)')
      .option('--name <name>', 'restore under this name')
      .addOption(json())
      .addHelpText('after', examples(['tranche restore old.iso', 'tranche restore file:12345 --to /recovered'])),
  ).action(async (target: string, flags) => restore(target, flags, io));

  addConnectionOptions(
    program
      .command('info')
      .description("an item's details; without a path, the account (users/me)")
      .argument('[target]', 'path or id')
      .addOption(json())
      .addHelpText('after', examples(['tranche info /projects/2026/big.iso', 'tranche info --json | jq .space_used'])),
  ).action(async (target: string | undefined, flags) => info(target, flags, io));

  program
    .command('uploads')
    .description('list interrupted uploads that can be resumed')
    .addOption(stateDir())
    .addOption(json())
    .addHelpText('after', examples(['tranche uploads', 'tranche uploads --json']))
    .action(async (flags) => void (await uploads(flags, io)));

  addConnectionOptions(
    program
      .command('abort')
      .description('abort an interrupted upload: delete its session and forget it')
      .argument('<file-or-session-id>', 'the local file, or the upload session id')
      .addOption(stateDir())
      .addOption(json())
      .addHelpText('after', examples(['tranche abort big.iso', 'tranche abort 0123456789ABCDEF0123456789ABCDEF'])),
  ).action(async (target: string, flags) => void (await abort(target, flags, io)));

  addCommonOptions(
    program
      .command('config')
      .description(`settings per profile in ${configPath()}`)
      .argument('<action>', 'set KEY VALUE | get KEY | unset KEY | list | path')
      .argument('[args...]', 'KEY [VALUE]')
      .addOption(json())
      .addHelpText(
        'after',
        `\nKeys: ${CONFIG_KEYS.join(', ')}.\nPrecedence: flag, then TRANCHE_* environment, then the profile.` +
          examples(['tranche config set server https://files.example.com', 'tranche config set token "$TOKEN" --profile work', 'tranche ls --profile work']),
      ),
  ).action(async (action: string, args: string[], flags) => config(action, args, flags, io));

  program
    .command('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples(['tranche completion bash > /etc/bash_completion.d/tranche', 'tranche completion fish > ~/.config/fish/completions/tranche.fish']))
    .action((shell: string) => completion(shell, program, io));

  return program;
}
