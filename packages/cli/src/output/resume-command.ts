/** The command line that resumes an interrupted `tranche upload` (the token is left out: it is a secret). */
import path from 'node:path';
import { shellQuote } from './format.js';

export interface ResumeFlags {
  folder?: string | undefined;
  to?: string | undefined;
  fileId?: string | undefined;
  name?: string | undefined;
  parallel?: number | undefined;
  transfers?: number | undefined;
  recursive?: boolean | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  skipExisting?: boolean | undefined;
  overwrite?: boolean | undefined;
  keepBoth?: boolean | undefined;
  server?: string | undefined;
  apiUrl?: string | undefined;
  uploadUrl?: string | undefined;
  stateDir?: string | undefined;
  minChunkedSize?: number | undefined;
  profile?: string | undefined;
  json?: boolean | undefined;
}

/** How this process was started, as a user would type it again: `npx tranche`, `tranche`, or `node …/bin.js`. */
export function invocation(env: NodeJS.ProcessEnv = process.env, argv = process.argv): string {
  if (env['npm_command'] === 'exec') return 'npx tranche';
  const script = argv[1] ?? '';
  if (path.basename(script) === 'tranche' || env['TRANCHE_INVOKED_AS'] === 'tranche') return 'tranche';
  return `node ${shellQuote(path.resolve(script))}`;
}

export function resumeCommand(files: string[], flags: ResumeFlags, prefix = 'tranche'): string {
  const args = ['upload', ...files];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') args.push(flag, String(value));
  };
  if (flags.recursive) args.push('-r');
  add('--folder', flags.folder);
  add('--to', flags.to);
  add('--file-id', flags.fileId);
  add('--name', flags.name);
  add('--parallel', flags.parallel);
  add('--transfers', flags.transfers);
  for (const glob of flags.include ?? []) add('--include', glob);
  for (const glob of flags.exclude ?? []) add('--exclude', glob);
  if (flags.skipExisting) args.push('--skip-existing');
  if (flags.overwrite) args.push('--overwrite');
  if (flags.keepBoth) args.push('--keep-both');
  add('--server', flags.server);
  add('--api-url', flags.apiUrl);
  add('--upload-url', flags.uploadUrl);
  add('--state-dir', flags.stateDir);
  add('--min-chunked-size', flags.minChunkedSize);
  add('--profile', flags.profile);
  if (flags.json) args.push('--json');
  return `${prefix} ${args.map(shellQuote).join(' ')}`;
}
