/**
 * `tranche download PATH|ID… [-o OUT] [-r] [--transfers N] [--connections N]`: each file streams into
 * `OUT.part` (resumed with Range after an interruption), large files as parallel ranges, sha1 checked, then
 * renamed. `-r` fetches a folder's tree (empty folders too; files already there with the same size and sha1 are
 * skipped). `-o -` writes one file to stdout. Progress bar on a terminal, JSON lines otherwise. The server's
 * names become safe local names (safeLocalName: one segment, never `.`/`..`), so nothing lands outside the output.
 */
import { mkdir as mkdirLocal, stat } from 'node:fs/promises';
import type { BoxFile } from '@tranche/protocol';
import path from 'node:path';
import { downloadFile, getFile, listFolder, safeLocalName, streamDownload, TaskPool, type DownloadResult } from '@tranche/client';
import type { ConnectionFlags } from '../connection.js';
import { CliError, EXIT, exitCodeFor, oneLine, type Io } from '../io.js';
import { formatBytes } from '../output/format.js';
import { transferReporter, type TransferReporter } from '../output/transfer-reporter.js';
import { context, itemOf, type Context } from '../targets.js';
import { sha1File } from '../upload/clash.js';

export interface DownloadFlags extends ConnectionFlags {
  output?: string | undefined;
  recursive?: boolean | undefined;
  transfers?: number | undefined;
  connections?: number | undefined;
  rangeThreshold?: number | undefined;
  json?: boolean | undefined;
}

interface Job {
  fileId: string;
  label: string;
  /** File path to write, or a directory to write into (the server's name). */
  output: string | undefined;
  size: number;
  sha1?: string | undefined;
  /** Size and sha1 came with the listing (a server that honours `fields=`): no GET of the record needed. */
  listed?: { name: string; size: number; sha1: string } | undefined;
}

export async function download(targets: string | string[], flags: DownloadFlags, io: Io): Promise<string> {
  const args = Array.isArray(targets) ? targets : [targets];
  if (args.length === 0) throw new CliError('nothing to download: give a PATH or FILE_ID', EXIT.usage);
  const ctx = context(flags, io);
  if (flags.output === '-') return toStdout(args, flags, ctx);
  const jobs: Job[] = [];
  let many = args.length > 1;
  for (const arg of args) {
    const item = await itemOf(arg, ctx);
    if (item.type === 'file') {
      const output = args.length > 1 && flags.output ? `${flags.output.replace(/[/\\]+$/, '')}${path.sep}` : flags.output;
      if (args.length > 1 && flags.output) await mkdirLocal(flags.output, { recursive: true });
      jobs.push({ fileId: item.id, label: arg, output, size: 0 });
      continue;
    }
    if (!flags.recursive) throw new CliError(`${arg} is a folder: add -r to download the tree`, EXIT.usage);
    many = true;
    const root = path.resolve(flags.output ?? '.');
    jobs.push(...(await treeJobs(item.id, root, ctx)));
  }
  const reporter = transferReporter(io, ctx);
  reporter.plan(jobs.length, jobs.reduce((n, j) => n + j.size, 0));
  const summary = { sent: 0, skipped: 0, failed: 0, bytes: 0, seconds: 0 };
  const failures: Array<{ job: Job; error: unknown }> = [];
  const startedAt = Date.now();
  const pool = new TaskPool(flags.transfers ?? 4);
  let last = '';
  for (const job of jobs) {
    await pool.ready();
    if (io.signal?.aborted) break;
    pool.start(async () => {
      try {
        const result = await downloadOne(job, flags, ctx, reporter);
        if (result === 'skipped') summary.skipped++;
        else {
          summary.sent++;
          summary.bytes += result.bytes - result.resumedBytes;
          last = result.path;
        }
      } catch (error) {
        summary.failed++;
        failures.push({ job, error });
      }
    });
  }
  await pool.settle();
  summary.seconds = (Date.now() - startedAt) / 1000;
  if (many) reporter.summary(summary, 'downloaded');
  else reporter.close();
  if (io.signal?.aborted) throw new CliError('interrupted: run the same download again to resume from the .part files', EXIT.interrupted);
  if (failures.length === 0) return last;
  const first = failures[0]!;
  const reason = `${first.job.label}: ${oneLine(first.error)}`;
  if (!many) throw new CliError(reason, exitCodeFor(first.error));
  throw new CliError(`${failures.length} of ${jobs.length} files failed (first: ${reason})`, EXIT.partial);
}

/** Every folder below `folderId` made locally (empty ones too), every file a job. */
async function treeJobs(folderId: string, root: string, ctx: Context): Promise<Job[]> {
  const jobs: Job[] = [];
  const queue = [{ id: folderId, dir: root, rel: '' }];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    await mkdirLocal(folder.dir, { recursive: true });
    const taken = new Map<string, string>();
    for (const entry of await listFolder(folder.id, { ...ctx.options, fields: ['type', 'id', 'name', 'size', 'sha1'] })) {
      const local = safeLocalName(entry.name, entry.id);
      // Two names the server keeps apart may make the same local name ("a/b" and "a_b"): refused, never overwritten.
      const other = taken.get(local);
      if (other !== undefined) throw new CliError(`${JSON.stringify(entry.name)} and ${JSON.stringify(other)} in folder ${folder.id} both make the local name ${JSON.stringify(local)}`, EXIT.conflict);
      taken.set(local, entry.name);
      const rel = folder.rel ? `${folder.rel}/${local}` : local;
      const localPath = path.join(folder.dir, local);
      if (entry.type === 'folder') queue.push({ id: entry.id, dir: localPath, rel });
      else {
        const size = (entry as { size?: unknown }).size;
        const listed = typeof size === 'number' && typeof entry.sha1 === 'string' ? { name: entry.name, size, sha1: entry.sha1 } : undefined;
        jobs.push({ fileId: entry.id, label: rel, output: localPath, size: listed?.size ?? 0, sha1: entry.sha1, listed });
      }
    }
  }
  return jobs;
}

async function downloadOne(job: Job, flags: DownloadFlags, ctx: Context, reporter: TransferReporter): Promise<DownloadResult | 'skipped'> {
  const report = reporter.file(job.fileId, job.label);
  try {
    const file = job.listed ? ({ id: job.fileId, type: 'file', ...job.listed } as BoxFile) : await getFile(job.fileId, ctx.options);
    if (job.output && job.sha1) {
      const existing = await stat(job.output).catch(() => undefined);
      if (existing?.isFile() && existing.size === file.size && (await sha1File(job.output)) === file.sha1.toLowerCase()) {
        report.done(`${job.label}: skipped, identical file there`, { event: 'skipped', id: file.id, path: job.output, size: file.size, sha1: file.sha1 });
        return 'skipped';
      }
    }
    report.progress(0, file.size);
    const result = await downloadFile(file.id, {
      ...ctx.options,
      file,
      output: job.output,
      connections: flags.connections,
      rangeThreshold: flags.rangeThreshold,
      onProgress: ({ bytes, totalBytes }) => report.progress(bytes, totalBytes),
    });
    const resumed = result.resumedBytes > 0 ? `, resumed from ${formatBytes(result.resumedBytes)}` : '';
    report.done(`${result.path} (${result.bytes} bytes, sha1 ${result.sha1} verified${resumed})`, {
      event: 'downloaded',
      id: file.id,
      name: file.name,
      path: result.path,
      size: result.bytes,
      sha1: result.sha1,
      resumed_bytes: result.resumedBytes,
    });
    return result;
  } catch (error) {
    report.error({ message: oneLine(error), ...(ctx.io.signal?.aborted ? { interrupted: true } : {}) });
    throw error;
  } finally {
    report.close();
  }
}

async function toStdout(args: string[], flags: DownloadFlags, ctx: Context): Promise<string> {
  if (args.length !== 1 || flags.recursive) throw new CliError('-o - (standard output) takes exactly one file', EXIT.usage);
  const item = await itemOf(args[0]!, ctx);
  if (item.type !== 'file') throw new CliError(`${args[0]} is a folder: -o - takes one file`, EXIT.usage);
  const result = await streamDownload(item.id, process.stdout, ctx.options);
  // stdout carries the bytes: the record of what was written goes to stderr, and only with --json or -v.
  if (flags.json || flags.verbose) ctx.io.stderr.write(`${JSON.stringify({ event: 'downloaded', id: result.file.id, path: '-', size: result.bytes, sha1: result.sha1 })}\n`);
  return '-';
}
