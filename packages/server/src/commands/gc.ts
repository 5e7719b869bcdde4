/** `tranche gc`: one janitor pass now (release aborted and expired sessions, remove upload blobs without a session). */
import { Option, type Command } from 'commander';
import { bytes, withDomain, withStoreFlags, type StoreFlags } from './admin-io.js';
import { integer } from './options.js';

export function gcCommand(program: Command): void {
  withStoreFlags(
    program
      .command('gc')
      .description('run the janitor once now and report what it freed')
      .addOption(new Option('--orphan-age <seconds>', 'remove upload blobs without a session untouched this long (default 3600)').env('TRANCHE_ORPHAN_AGE').argParser(integer(1))),
  ).action(async (flags: StoreFlags & { orphanAge?: number }) => {
    const report = await withDomain(flags, (domain) => domain.janitor.sweepReport(), flags.orphanAge === undefined ? undefined : flags.orphanAge * 1000);
    if (!report) throw new Error('another process sharing the database is running the janitor now; try again');
    if (flags.json) console.log(JSON.stringify(report));
    else console.log(`released ${report.releasedSessions} session(s), ${bytes(report.freedBytes)}; removed ${report.removedOrphans} upload blob(s) without a session`);
  });
}
