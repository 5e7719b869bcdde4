/**
 * `tranche fsck [--user NAME] [--sample N%] [--rate BYTES/S] [--repair-report]`: re-reads stored files and compares
 * them with their committed SHA-1. Exits 1 naming every file whose bytes are wrong or unreadable (CONTRACT).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { IntegrityCheck, type Finding } from '../domain/integrity.js';
import { bytes, parseSize, printRows, when, withDomain, withStoreFlags, type StoreFlags } from './admin-io.js';

interface FsckFlags extends StoreFlags {
  user?: string;
  sample?: number;
  rate?: number | null;
  repairReport?: boolean;
}

export function fsckCommand(program: Command): void {
  withStoreFlags(
    program
      .command('fsck')
      .description('re-read stored files and compare them with their SHA-1; exit 1 naming every bad one')
      .option('--user <name>', 'only this user’s files')
      .addOption(new Option('--sample <percent>', 'check each file version with this probability, e.g. 10%').argParser(percent))
      .addOption(new Option('--rate <bytes>', 'read at most this many bytes a second, e.g. 50M (default: unthrottled)').argParser(rate))
      .option('--repair-report', 'for each bad file: where its bytes are, what was read, and how to restore it'),
  ).action(async (flags: FsckFlags) => {
    const report = await withDomain(flags, (domain, ops) =>
      new IntegrityCheck(domain.ctx, ops).run({ user: flags.user, samplePercent: flags.sample, bytesPerSecond: flags.rate ?? undefined }),
    );
    const summary = { checked: report.checked, skipped: report.skipped, bytes: report.bytes, seconds: Math.round(report.seconds * 10) / 10, repaired: report.repaired, bad: report.bad.map(describe) };
    if (flags.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(`checked ${report.checked} file version(s), ${bytes(report.bytes)} in ${summary.seconds} s${report.skipped ? ` (${report.skipped} not sampled)` : ''}${report.repaired ? `; ${report.repaired} found right again` : ''}`);
      if (report.bad.length > 0) printRows({}, report.bad.map((f) => ({ file: f.version.fileId, version: f.version.versionId, user: f.version.ownerName, name: f.version.fileName, outcome: f.outcome })), '');
      if (flags.repairReport) for (const finding of report.bad) console.log(repairAdvice(finding));
    }
    if (report.bad.length > 0) {
      for (const f of report.bad) process.stderr.write(`tranche fsck: BAD file ${f.version.fileId} version ${f.version.versionId} (${f.version.ownerName}: ${f.version.fileName}): ${f.detail}\n`);
      process.exitCode = 1;
    }
  });
}

function describe(f: Finding) {
  return {
    fileId: f.version.fileId,
    versionId: f.version.versionId,
    user: f.version.ownerName,
    name: f.version.fileName,
    current: f.version.current,
    blobKey: f.version.blobKey,
    outcome: f.outcome,
    expectedSha1: f.version.sha1,
    expectedSize: f.version.size,
    actualSha1: f.actualSha1 ?? null,
    actualSize: f.actualSize ?? null,
    detail: f.detail ?? null,
    lastVerified: when(f.version.verifiedAt),
  };
}

function repairAdvice(f: Finding): string {
  const v = f.version;
  return [
    `\nfile ${v.fileId} "${v.fileName}" of ${v.ownerName}, version ${v.versionId}${v.current ? ' (current)' : ''}: ${f.outcome}`,
    `  blob key:      ${v.blobKey}`,
    `  expected:      ${v.size} bytes, SHA-1 ${v.sha1}`,
    `  read:          ${f.actualSize ?? '-'} bytes, SHA-1 ${f.actualSha1 ?? '-'}`,
    `  last verified: ${when(v.verifiedAt) ?? 'never'}`,
    '  downloads of this version answer 500 file_integrity_error until it is restored. To restore: copy the blob back',
    '  from a backup (local disk: DATA_DIR/blobs/KEY; S3: a previous object version of the key) and run fsck again,',
    '  which clears the finding when the SHA-1 matches; or ask the owner to upload the file again.',
  ].join('\n');
}

function percent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new InvalidArgumentError(`expected a percentage in (0, 100], got "${value}"`);
  return n;
}

function rate(value: string): number | null {
  try {
    return parseSize(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
