/** `tranche migrate`: brings the metadata schema up to date and exits (`serve` also does this on start). */
import { Option, type Command } from 'commander';
import { openMetadataStore, type MetaOptions } from '../stores.js';
import { withConfigFile } from './config-file.js';
import { databaseOption } from './options.js';
import { serveKeys } from './serve.js';

export function migrateCommand(program: Command): void {
  withConfigFile(program.command('migrate'), () => serveKeys(program))
    .description('apply pending schema migrations to the metadata store, then exit')
    .addOption(new Option('--data-dir <dir>', 'data directory of the embedded stores').env('TRANCHE_DATA_DIR').default('./data'))
    .addOption(databaseOption())
    .action(async (flags: MetaOptions) => {
      const meta = await openMetadataStore(flags);
      const applied = meta.appliedMigrations ?? [];
      await meta.close();
      console.log(applied.length === 0 ? 'schema up to date: no migration to apply' : `applied ${applied.length} migration(s): ${applied.join(', ')}`);
    });
}
