/**
 * `tranche upload FILE|DIR|-… [--to PATH | --folder ID | --file-id ID] [-r] [--transfers N] [--parallel N]
 * [--include G] [--exclude G] [--skip-existing | --overwrite | --keep-both]`. Folders of a tree are created
 * first (empty ones too), then files go `--transfers` at a time, each chunked with `--parallel` parts in flight
 * and resumable. A failed file does not stop the others; several files end with a summary. On Ctrl-C the
 * state files are kept and the command that resumes the whole run is printed (it skips what is already there).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BoxFile } from '@tranche/protocol';
import { conflictOf, ensureChildFolder, TaskPool, TrancheApiError, UploadIncompleteError, uploadFile } from '@tranche/client';
import type { ConnectionFlags } from '../connection.js';
import { CliError, EXIT, exitCodeFor, oneLine, type Io } from '../io.js';
import { formatBytes } from '../output/format.js';
import { invocation, resumeCommand } from '../output/resume-command.js';
import { transferReporter, type TransferReporter } from '../output/transfer-reporter.js';
import { context, folderOf, type Context } from '../targets.js';
import { planUpload, type ClashFlags } from '../upload/clash.js';
import { walkTree } from '../upload/local-tree.js';
import { spoolStdin, type Spool } from '../upload/stdin.js';

export interface UploadFlags extends ConnectionFlags, ClashFlags {
  folder?: string | undefined;
  to?: string | undefined;
  fileId?: string | undefined;
  name?: string | undefined;
  size?: number | undefined;
  parallel?: number | undefined;
  transfers?: number | undefined;
  recursive?: boolean | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  json?: boolean | undefined;
  stateDir?: string | undefined;
  minChunkedSize?: number | undefined;
}

interface Job {
  /** The local file (absolute), or the spool of stdin. */
  path: string;
  /** What the user calls it: the argument, or the path inside the tree. */
  label: string;
  size: number;
  parentId: string | undefined;
  name: string | undefined;
  fileId: string | undefined;
  resumable: boolean;
}

export async function upload(files: string[], flags: UploadFlags, io: Io): Promise<BoxFile[]> {
  if (files.length === 0) throw new CliError('nothing to upload: give at least one FILE', EXIT.usage);
  if (flags.name !== undefined && files.length > 1) throw new CliError('--name needs exactly one FILE', EXIT.usage);
  if ((flags.folder !== undefined || flags.to !== undefined) && flags.fileId !== undefined) throw new CliError('give --to/--folder or --file-id, not both', EXIT.usage);
  if (flags.folder !== undefined && flags.to !== undefined) throw new CliError('give --to or --folder, not both', EXIT.usage);
  if (flags.overwrite && flags.keepBoth) throw new CliError('give --overwrite or --keep-both, not both', EXIT.usage);
  if (files.includes('-') && flags.name === undefined && flags.fileId === undefined) throw new CliError('upload - (standard input) needs --name', EXIT.usage);
  const ctx = context(flags, io);
  const reporter = transferReporter(io, ctx);
  const spools: Spool[] = [];
  const startedAt = Date.now();
  const summary = { sent: 0, skipped: 0, failed: 0, bytes: 0, seconds: 0 };
  const failures: Array<{ job: Job; error: unknown }> = [];
  const uploaded: BoxFile[] = [];
  let jobs: Job[] = [];
  let many = files.length > 1;
  const fromDisk = files.filter((f) => f !== '-').map((f) => path.resolve(f));
  const resumeHint = (): string | undefined =>
    fromDisk.length === files.length ? resumeCommand(fromDisk, { ...flags, skipExisting: many || flags.skipExisting }, invocation()) : undefined;
  try {
    const destination = flags.fileId !== undefined ? undefined : await folderOf(flags.to ?? flags.folder, ctx, flags.to !== undefined);
    for (const arg of files) {
      const found = await expand(arg, destination, flags, ctx, spools);
      many ||= found.tree;
      jobs.push(...found.jobs);
    }
    reporter.plan(jobs.length, jobs.reduce((n, j) => n + j.size, 0));
    const pool = new TaskPool(flags.transfers ?? (flags.recursive ? 4 : 1));
    for (const job of jobs) {
      if (io.signal?.aborted) break;
      await pool.ready();
      if (io.signal?.aborted) break;
      pool.start(async () => {
        try {
          const result = await uploadOne(job, flags, ctx, reporter, resumeHint);
          if (result === 'skipped') summary.skipped++;
          else {
            summary.sent++;
            summary.bytes += job.size;
            uploaded.push(result);
          }
        } catch (error) {
          summary.failed++;
          failures.push({ job, error });
        }
      });
    }
    await pool.settle();
  } finally {
    await Promise.all(spools.map((s) => s.dispose()));
  }
  summary.seconds = (Date.now() - startedAt) / 1000;
  const interrupted = io.signal?.aborted === true;
  if (many) reporter.summary(summary, 'uploaded');
  else reporter.close();
  if (!interrupted && failures.length === 0) return uploaded;

  const resumable = interrupted || failures.some(({ error }) => error instanceof UploadIncompleteError && error.resumable);
  const resume = resumable ? resumeHint() : undefined;
  if (interrupted) {
    const left = jobs.length - summary.sent - summary.skipped;
    throw new CliError(`interrupted: ${left} of ${jobs.length} file${jobs.length === 1 ? '' : 's'} not finished${resume ? `; resume with: ${resume}` : ''}`, EXIT.interrupted);
  }
  const first = failures[0]!;
  const reason = `${first.job.label}: ${oneLine(first.error)}`;
  if (!many) throw new CliError(resume ? `${reason}; resume with: ${resume}` : reason, exitCodeFor(first.error));
  throw new CliError(`${failures.length} of ${jobs.length} files failed (first: ${reason})${resume ? `; resume with: ${resume}` : ''}`, EXIT.partial);
}

/** One argument as jobs: a file, standard input, or (with -r) a directory whose folders are created now. */
async function expand(arg: string, destination: string | undefined, flags: UploadFlags, ctx: Context, spools: Spool[]): Promise<{ jobs: Job[]; tree: boolean }> {
  const base = { parentId: destination, fileId: flags.fileId, resumable: true };
  if (arg === '-') {
    const spool = await spoolStdin(process.stdin, flags.size, ctx.io.signal);
    spools.push(spool);
    return { jobs: [{ ...base, path: spool.path, label: flags.name ?? '-', size: spool.size, name: flags.name, resumable: false }], tree: false };
  }
  const absolute = path.resolve(arg);
  const info = await stat(absolute).catch((error: unknown) => {
    throw new CliError(`${arg}: ${oneLine(error)}`, EXIT.error);
  });
  if (!info.isDirectory()) return { jobs: [{ ...base, path: absolute, label: arg, size: info.size, name: flags.name }], tree: false };
  if (!flags.recursive) throw new CliError(`${arg} is a directory: add -r to upload the tree`, EXIT.usage);
  if (destination === undefined) throw new CliError('a tree goes into a folder: --to PATH or --folder ID, not --file-id', EXIT.usage);
  const tree = await walkTree(absolute, flags);
  const ids = new Map<string, string>([['', destination]]);
  for (const folder of tree.folders) {
    const parent = ids.get(path.posix.dirname(folder) === '.' ? '' : path.posix.dirname(folder));
    if (parent === undefined) continue; // under an excluded folder
    ids.set(folder, await ensureChildFolder(parent, path.posix.basename(folder), ctx.options, ctx.cache));
  }
  const jobs = tree.files.map((file) => {
    const dir = path.posix.dirname(file.relative);
    return { ...base, path: file.path, label: file.relative, size: file.size, parentId: ids.get(dir === '.' ? '' : dir), name: path.posix.basename(file.relative) };
  });
  return { jobs: jobs.filter((j) => j.parentId !== undefined), tree: true };
}

async function uploadOne(
  job: Job,
  flags: UploadFlags,
  ctx: Context,
  reporter: TransferReporter,
  resumeHint: () => string | undefined,
): Promise<BoxFile | 'skipped'> {
  const report = reporter.file(job.resumable ? job.path : job.label, job.label);
  try {
    let target: { folderId?: string; fileId?: string; name?: string | undefined } = { fileId: job.fileId, name: job.name };
    if (job.fileId === undefined) {
      const name = job.name ?? path.basename(job.path);
      const entries = await ctx.cache.entries(job.parentId!);
      const plan = await planUpload(job, name, entries, flags, ctx.options);
      if (plan.kind === 'skip') {
        report.done(`${job.label}: skipped, identical to file ${plan.fileId}`, { event: 'skipped', fileId: plan.fileId, sha1: plan.sha1, size: job.size });
        return 'skipped';
      }
      if (plan.kind === 'conflict') throw new CliError(plan.reason, EXIT.conflict);
      target = plan.kind === 'version' ? { fileId: plan.fileId } : { folderId: job.parentId!, name: plan.name };
    }
    const send = (to: typeof target): Promise<BoxFile> =>
      uploadFile(job.path, {
        ...ctx.options,
        folderId: to.fileId === undefined ? to.folderId : undefined,
        fileId: to.fileId,
        name: to.name,
        parallel: flags.parallel,
        minChunkedSize: flags.minChunkedSize,
        stateDir: flags.stateDir,
        resume: job.resumable,
        onEvent: (event) => report.event(event),
        onProgress: (progress) => report.progress(progress.bytesUploaded, progress.totalBytes),
      });
    let file: BoxFile;
    try {
      file = await send(target);
    } catch (error) {
      // Someone else took the name since the listing: a new version when asked to overwrite.
      const conflict = flags.overwrite && target.fileId === undefined ? conflictOf(error) : undefined;
      if (conflict?.type !== 'file') throw error;
      file = await send({ fileId: conflict.id });
    }
    if (target.folderId !== undefined) await ctx.cache.add(target.folderId, { type: 'file', id: file.id, name: file.name, sha1: file.sha1 } as never);
    report.done(`${job.label} → file ${file.id} "${file.name}" (${formatBytes(file.size)}, sha1 ${file.sha1})`, { size: file.size });
    return file;
  } catch (error) {
    const interrupted = ctx.io.signal?.aborted === true;
    const resume = interrupted || (error instanceof UploadIncompleteError && error.resumable) ? resumeHint() : undefined;
    report.error({
      message: oneLine(error),
      ...(interrupted ? { interrupted: true } : {}),
      ...(resume ? { resume } : {}),
      ...apiFields(error instanceof UploadIncompleteError ? error.cause : error),
    });
    throw error;
  } finally {
    report.close();
  }
}

function apiFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof TrancheApiError)) return {};
  return { status: error.status, code: error.code, request_id: error.requestId, method: error.method, url: error.url };
}
