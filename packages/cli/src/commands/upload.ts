/**
 * `tranche upload FILE… [--folder ID | --file-id ID] [--name N] [--parallel N] [--json]`: uploads each file in
 * turn (chunked above the minimum, resumable), stopping at the first failure. On failure or Ctrl-C the state
 * files are kept and the command that resumes is printed.
 */
import path from 'node:path';
import type { BoxFile } from '@tranche/protocol';
import { UploadIncompleteError, TrancheApiError, uploadFile } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { CliError, EXIT_INTERRUPTED, oneLine, wantsJson, type Io } from '../io.js';
import { resumeCommand } from '../output/resume-command.js';
import { barReporter, jsonReporter } from '../output/upload-reporter.js';

export interface UploadFlags extends ConnectionFlags {
  folder?: string | undefined;
  fileId?: string | undefined;
  name?: string | undefined;
  parallel?: number | undefined;
  json?: boolean | undefined;
  stateDir?: string | undefined;
  minChunkedSize?: number | undefined;
}

export async function upload(files: string[], flags: UploadFlags, io: Io): Promise<BoxFile[]> {
  if (files.length === 0) throw new CliError('nothing to upload: give at least one FILE');
  if (flags.name !== undefined && files.length > 1) throw new CliError('--name needs exactly one FILE');
  if (flags.folder !== undefined && flags.fileId !== undefined) throw new CliError('give --folder or --file-id, not both');
  const options = clientOptions(flags, io.signal);
  const json = wantsJson(io, flags.json);
  const absolute = files.map((f) => path.resolve(f));
  const uploaded: BoxFile[] = [];
  for (const [index, file] of absolute.entries()) {
    const reporter = json ? jsonReporter(io, file) : barReporter(io, file, flags.name ?? path.basename(file));
    try {
      uploaded.push(
        await uploadFile(file, {
          ...options,
          folderId: flags.fileId === undefined ? (flags.folder ?? '0') : undefined,
          fileId: flags.fileId,
          name: flags.name,
          parallel: flags.parallel,
          minChunkedSize: flags.minChunkedSize,
          stateDir: flags.stateDir,
          onEvent: (event) => reporter.event(event),
          onProgress: (progress) => reporter.progress(progress),
        }),
      );
    } catch (error) {
      const resumable = error instanceof UploadIncompleteError && error.resumable;
      const resume = resumable ? resumeCommand(absolute.slice(index), flags) : undefined;
      const interrupted = io.signal?.aborted === true;
      reporter.error({
        message: oneLine(error),
        ...(interrupted ? { interrupted: true } : {}),
        ...apiFields(error instanceof UploadIncompleteError ? error.cause : error),
        ...(resume ? { resume } : {}),
      });
      reporter.close();
      const reason = interrupted ? `interrupted: ${path.basename(file)} not finished` : `${path.basename(file)}: ${oneLine(error)}`;
      throw new CliError(resume ? `${reason}; resume with: ${resume}` : reason, interrupted ? EXIT_INTERRUPTED : 1);
    }
    reporter.close();
  }
  return uploaded;
}

function apiFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof TrancheApiError)) return {};
  return { status: error.status, code: error.code, request_id: error.requestId, method: error.method, url: error.url };
}
