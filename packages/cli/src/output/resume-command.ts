/** The command line that resumes an interrupted `tranche upload` (the token is left out: it is a secret). */
import { shellQuote } from './format.js';

export interface ResumeFlags {
  folder?: string | undefined;
  fileId?: string | undefined;
  name?: string | undefined;
  parallel?: number | undefined;
  server?: string | undefined;
  apiUrl?: string | undefined;
  uploadUrl?: string | undefined;
  stateDir?: string | undefined;
  minChunkedSize?: number | undefined;
  json?: boolean | undefined;
}

export function resumeCommand(files: string[], flags: ResumeFlags): string {
  const args = ['tranche', 'upload', ...files];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') args.push(flag, String(value));
  };
  add('--folder', flags.folder);
  add('--file-id', flags.fileId);
  add('--name', flags.name);
  add('--parallel', flags.parallel);
  add('--server', flags.server);
  add('--api-url', flags.apiUrl);
  add('--upload-url', flags.uploadUrl);
  add('--state-dir', flags.stateDir);
  add('--min-chunked-size', flags.minChunkedSize);
  if (flags.json) args.push('--json');
  return args.map(shellQuote).join(' ');
}
