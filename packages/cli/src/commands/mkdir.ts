/** `tranche mkdir NAME [--parent ID]`: prints the new folder's id (or the folder as JSON). */
import { createFolder } from '@tranche/client';
import { clientOptions, type ConnectionFlags } from '../connection.js';
import { printJson, type Io } from '../io.js';
import { printable } from '../output/printable.js';

export interface MkdirFlags extends ConnectionFlags {
  parent?: string | undefined;
  json?: boolean | undefined;
}

export async function mkdir(name: string, flags: MkdirFlags, io: Io): Promise<string> {
  const folder = await createFolder(name, flags.parent ?? '0', clientOptions(flags, io.signal));
  if (flags.json === true) printJson(io, { event: 'created', type: 'folder', id: folder.id, name: folder.name, parent: folder.parent?.id ?? null });
  else io.stdout.write(`${printable(folder.id)}\n`);
  return folder.id;
}
